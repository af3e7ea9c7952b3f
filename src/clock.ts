/**
 * Milliseconds since the epoch. app.ts makes one clock and hands it to everything that tells
 * time, so the whole shop agrees on "now"; tests hand in one they can move.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** What `task` resolves to, or undefined when it fails, is absent or takes longer than `ms`. */
export function within<T>(ms: number, task: Promise<T> | undefined): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    task?.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}
