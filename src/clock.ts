/**
 * Milliseconds since the epoch. app.ts makes one clock and hands it to everything that tells
 * time, so the whole shop agrees on "now"; tests hand in one they can move.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
