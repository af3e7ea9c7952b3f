import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import { type EventEntry, parseOrderEvent } from "../orders/events.js";
import { redisKeys } from "../orders/keys.js";
import { telegramUnreachable } from "./api/errors.js";

/** Small batches, and a long idle time before another process takes events over, so a slow
 * batch (Telegram's per-chat limits) is finished by its reader rather than told twice. */
const BATCH = 10;
const STALE_MS = 120_000;
/** Refusals of one event (failures other than Telegram being away) before it is given up. */
const MAX_ATTEMPTS = 10;

/**
 * 1 s, 2 s, 4 s… at most 30 s between tries of an event that failed. Each try resets its idle
 * time, so another process (after STALE_MS) never takes over an event its reader still retries.
 */
function defaultRetryDelay(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(failures - 1, 5));
}

interface Retry {
  failures: number;
  /** Of `failures`, those with Telegram answering: only these use up `maxAttempts`. */
  refusals: number;
  dueAt: number;
}

/** One entry of the events stream, with its stream id. */
export type StreamEvent = EventEntry & { id: string };

export interface EventConsumerOptions {
  redis: Redis;
  prefix: string;
  /** Consumer group: each group sees every event once, across all processes. */
  group: string;
  log: Logger;
  handle(event: StreamEvent): Promise<void>;
  blockMs?: number;
  /** How long an event a process read but never acknowledged waits before another takes it. */
  staleMs?: number;
  /** Wait before this reader handles a failed event again, after its n-th failure. */
  retryDelayMs?: (failures: number) => number;
  /**
   * Tries of one event that fail while Telegram answers (a refusal, a bug) before it is given up
   * with an error line. Failures because Telegram is away never count: those wait for it.
   */
  maxAttempts?: number;
}

/**
 * Reads the order events stream in a consumer group, so with several processes each event is
 * handled once; events a dead process read but never acknowledged come back after two minutes. A
 * handler that throws leaves its event unacknowledged, and this reader tries it again after a
 * backoff of at most 30 s — at once after `retryNow()`, e.g. when Telegram is back — until it
 * succeeds, or until it has failed `maxAttempts` times with Telegram answering.
 */
export class EventConsumer {
  private readonly stream: string;
  private readonly consumer = `${hostname()}-${process.pid}`;
  private reader: Redis | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** Events this reader failed to handle, by id, with when to try each again. */
  private readonly retries = new Map<string, Retry>();

  constructor(private readonly options: EventConsumerOptions) {
    this.stream = redisKeys(options.prefix).events;
  }

  async start(): Promise<void> {
    await this.options.redis
      .xgroup("CREATE", this.stream, this.options.group, "$", "MKSTREAM")
      .catch((error: Error) => {
        if (!error.message.includes("BUSYGROUP")) throw error;
      });
    this.reader = this.options.redis.duplicate();
    // A lost connection fails the next read, which the loop logs; the event itself says no more.
    this.reader.on("error", () => undefined);
    this.stopping = false;
    this.running = this.loop(this.reader);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.reader?.disconnect();
    await this.running?.catch(() => undefined);
  }

  /** Events waiting to be tried again are tried on the next pass, within blockMs. */
  retryNow(): void {
    for (const retry of this.retries.values()) retry.dueAt = 0;
  }

  private async loop(reader: Redis): Promise<void> {
    const { group, log } = this.options;
    while (!this.stopping) {
      try {
        await this.retryDue(reader);
        const [, stale] = (await reader.xautoclaim(
          this.stream,
          group,
          this.consumer,
          this.options.staleMs ?? STALE_MS,
          "0-0",
          "COUNT",
          BATCH,
        )) as [string, [string, string[]][]];
        const fresh = (await reader.xreadgroup(
          "GROUP",
          group,
          this.consumer,
          "COUNT",
          BATCH,
          "BLOCK",
          this.blockFor(),
          "STREAMS",
          this.stream,
          ">",
        )) as [string, [string, string[]][]][] | null;
        for (const [id, fields] of [...stale, ...(fresh?.[0]?.[1] ?? [])]) {
          await this.process(id, fields);
        }
      } catch (error) {
        if (this.stopping) return;
        log.error({ err: error, group }, "events stream read failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** A blocking read ends in time for the next retry that falls due. */
  private blockFor(): number {
    const blockMs = this.options.blockMs ?? 2000;
    let next = Number.POSITIVE_INFINITY;
    for (const retry of this.retries.values()) next = Math.min(next, retry.dueAt);
    return Math.max(1, Math.min(blockMs, next - Date.now()));
  }

  /**
   * Reads each failed event that is due again from this reader's own pending list (a history
   * read: it resets the event's idle time), so an event another process has taken over since is
   * left to that process.
   */
  private async retryDue(reader: Redis): Promise<void> {
    const now = Date.now();
    const due = [...this.retries].filter(([, retry]) => retry.dueAt <= now).map(([id]) => id);
    for (const id of due.sort(compareIds)) {
      if (this.stopping) return;
      const reply = (await reader.xreadgroup(
        "GROUP",
        this.options.group,
        this.consumer,
        "COUNT",
        1,
        "STREAMS",
        this.stream,
        idBefore(id),
      )) as [string, [string, string[] | null][]][] | null;
      const entry = reply?.[0]?.[1]?.[0];
      if (entry?.[0] !== id) {
        this.retries.delete(id);
        continue;
      }
      const fields = entry[1];
      if (fields === null) {
        // Trimmed from the stream: nothing is left to tell.
        this.retries.delete(id);
        await this.options.redis.xack(this.stream, this.options.group, id);
        continue;
      }
      await this.process(id, fields);
    }
  }

  private async process(id: string, fields: string[]): Promise<void> {
    const { group, log } = this.options;
    const parsed = parseOrderEvent(fields);
    if (!parsed.ok) {
      // Nothing will make it read: skipped, so the events behind it are not held up.
      log.warn({ eventId: id, group, problem: parsed.problem }, "event does not read; skipped");
      await this.options.redis.xack(this.stream, group, id);
      this.retries.delete(id);
      return;
    }
    const event: StreamEvent = { ...parsed.entry, id };
    try {
      await this.options.handle(event);
      await this.options.redis.xack(this.stream, group, id);
      this.retries.delete(id);
    } catch (error) {
      const where = { eventId: id, type: event.type, orderId: event.orderId, group };
      const away = telegramUnreachable(error);
      const previous = this.retries.get(id);
      const failures = (previous?.failures ?? 0) + 1;
      const refusals = (previous?.refusals ?? 0) + (away ? 0 : 1);
      if (refusals >= (this.options.maxAttempts ?? MAX_ATTEMPTS)) {
        this.retries.delete(id);
        await this.options.redis.xack(this.stream, group, id);
        log.error({ ...where, attempt: refusals, err: error }, "event given up after its last try");
        return;
      }
      const retryInMs = (this.options.retryDelayMs ?? defaultRetryDelay)(failures);
      this.retries.set(id, { failures, refusals, dueAt: Date.now() + retryInMs });
      // While Telegram is away, one line says so for every call that fails.
      log[away ? "debug" : "warn"](
        { ...where, failures, retryInMs, err: error },
        "event not handled; will retry",
      );
    }
  }
}

/** Stream ids in order: "ms-seq" compared as numbers. */
function compareIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split("-").map(BigInt);
  const [bm = 0n, bs = 0n] = b.split("-").map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as < bs ? -1 : as > bs ? 1 : 0;
}

/** The greatest stream id below `id`, so a history read from it starts at `id`. */
function idBefore(id: string): string {
  const [ms = 0n, seq = 0n] = id.split("-").map(BigInt);
  return seq > 0n ? `${ms}-${seq - 1n}` : `${ms - 1n}-18446744073709551615`;
}
