/**
 * The emulated Telegram's time: the machine's, plus however far a test has moved it. Message
 * dates, Star transactions and subscription periods all read it, so a test can let thirty days
 * pass in a moment and see what Telegram would have done meanwhile. It never goes back.
 */
export class EmulatorClock {
  private offsetMs = 0;
  private readonly listeners = new Set<() => void>();

  /** Milliseconds since the epoch, as the emulated Telegram sees them. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Seconds since the epoch, as the Bot API writes dates. */
  unixNow(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Moves time forward by `ms` and lets whatever was due meanwhile happen, in order. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new Error("the clock only moves forward");
    this.offsetMs += ms;
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` after each move, until the returned function is called. */
  onAdvance(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
