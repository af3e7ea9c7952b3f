import type { Update } from "grammy/types";

export type UpdateKind = Exclude<keyof Update, "update_id">;
export type UpdateBody = Omit<Update, "update_id">;

/** What Telegram sends when allowed_updates is empty or was never set. */
const OPT_IN_KINDS: readonly UpdateKind[] = [
  "chat_member",
  "message_reaction",
  "message_reaction_count",
];

/**
 * The bot's pending updates. An update stays until the bot confirms it: by a later getUpdates
 * offset, or by a webhook answering 2xx.
 */
export class UpdateQueue {
  private pending: Update[] = [];
  // Telegram starts from an arbitrary number; a large one catches code that assumes 1.
  private nextId = 100_000_001;
  private allowed: readonly UpdateKind[] = [];
  private listeners = new Set<() => void>();

  /** Queues an update unless allowed_updates excludes it; returns it with its id. */
  push(body: UpdateBody): Update | undefined {
    const update = { update_id: this.nextId++, ...body } as Update;
    if (!this.allows(update)) return undefined;
    this.pending.push(update);
    for (const listener of [...this.listeners]) listener();
    return update;
  }

  /**
   * Replaces the filter; an empty list restores the default. Like Telegram, it applies to updates
   * created from now on: pending ones stay, whatever their kind.
   */
  setAllowed(kinds: readonly UpdateKind[] | undefined): void {
    if (kinds === undefined) return;
    this.allowed = [...kinds];
  }

  get allowedUpdates(): readonly UpdateKind[] {
    return this.allowed;
  }

  /**
   * getUpdates' offset rule: ids below it are confirmed; a negative one keeps the last -offset.
   * An offset more than 10 past the next id is refused by the server's queue ("Specified from_id
   * is in the future"), which then confirms nothing and answers from the oldest pending update.
   */
  confirm(offset: number): void {
    if (offset < 0) this.pending = this.pending.slice(offset);
    else if (offset <= this.nextId + 10) {
      this.pending = this.pending.filter((u) => u.update_id >= offset);
    }
  }

  remove(updateId: number): void {
    this.pending = this.pending.filter((u) => u.update_id !== updateId);
  }

  clear(): void {
    this.pending = [];
  }

  peek(limit: number): Update[] {
    return this.pending.slice(0, limit);
  }

  get size(): number {
    return this.pending.length;
  }

  /** Calls `listener` after each queued update until the returned function is called. */
  onPush(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when an update is pending, `ms` have passed, or `signal` aborts. */
  waitForAny(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending.length > 0 || ms <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stop();
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const stop = this.onPush(done);
      signal.addEventListener("abort", done);
    });
  }

  private allows(update: Update): boolean {
    const kind = updateKind(update);
    if (this.allowed.length === 0) return !OPT_IN_KINDS.includes(kind);
    return this.allowed.includes(kind);
  }
}

export function updateKind(update: Update | UpdateBody): UpdateKind {
  const kind = Object.keys(update).find((key) => key !== "update_id");
  return kind as UpdateKind;
}
