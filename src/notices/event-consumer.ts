import { hostname } from "node:os";
import { backoff } from "../backoff.js";
import { telegramUnreachable } from "../bot/api/errors.js";
import type { Logger } from "../log.js";
import { parseOrderEvent } from "../orders/event-parser.js";
import type { EventEntry } from "../orders/events.js";
import type { RedisClient } from "../redis/client.js";
import { allPartitions, redisKeys } from "../redis/keys.js";
import { entryKey, type StreamEntry, StreamGroup } from "../redis/stream.js";

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
const defaultRetryDelay = backoff(1000, 30_000);

interface Retry {
  entry: StreamEntry;
  failures: number;
  /** Of `failures`, those with Telegram answering: only these use up `maxAttempts`. */
  refusals: number;
  dueAt: number;
}

/** One entry of the events stream, with its stream id. */
export type StreamEvent = EventEntry & { id: string };

export interface EventConsumerOptions {
  redis: RedisClient;
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
  private readonly events: StreamGroup;
  private running: Promise<void> | undefined;
  private stopping = false;
  /** Events this reader failed to handle, by entryKey, with when to try each again. */
  private readonly retries = new Map<string, Retry>();

  constructor(private readonly options: EventConsumerOptions) {
    const keys = redisKeys(options.prefix);
    this.events = new StreamGroup({
      redis: options.redis,
      streams: allPartitions.map(keys.events),
      group: options.group,
      consumer: `${hostname()}-${process.pid}`,
      startAt: "$",
    });
  }

  async start(): Promise<void> {
    await this.events.ensure();
    await this.events.open();
    this.stopping = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.events.interrupt();
    await this.running?.catch(() => undefined);
    await this.events.close();
  }

  /** Events waiting to be tried again are tried on the next pass, within blockMs. */
  retryNow(): void {
    for (const retry of this.retries.values()) retry.dueAt = 0;
  }

  private async loop(): Promise<void> {
    const { group, log } = this.options;
    while (!this.stopping) {
      try {
        await this.retryDue();
        const stale = await this.events.claimStale(this.options.staleMs ?? STALE_MS, BATCH);
        const fresh = await this.events.readNew(BATCH, this.blockFor());
        for (const entry of [...stale, ...fresh]) {
          if (this.stopping) return;
          await this.process(entry);
        }
      } catch (error) {
        if (this.stopping) return;
        this.events.forget(error);
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
  private async retryDue(): Promise<void> {
    const now = Date.now();
    const due = [...this.retries.values()]
      .filter((retry) => retry.dueAt <= now)
      .map((retry) => retry.entry)
      .sort((a, b) => compareIds(a.id, b.id));
    for (const next of due) {
      if (this.stopping) return;
      const entry = await this.events.readOwn(next.stream, next.id);
      if (!entry) {
        this.retries.delete(entryKey(next));
        continue;
      }
      if (entry.fields === null) {
        // Trimmed from the stream: nothing is left to tell.
        this.retries.delete(entryKey(entry));
        await this.events.ack(entry);
        continue;
      }
      await this.process(entry);
    }
  }

  private async process(entry: StreamEntry): Promise<void> {
    const { group, log } = this.options;
    const { id } = entry;
    const parsed = parseOrderEvent(entry.fields ?? []);
    if (!parsed.ok) {
      // Nothing will make it read: skipped, so the events behind it are not held up.
      log.warn({ eventId: id, group, problem: parsed.problem }, "event does not read; skipped");
      await this.events.ack(entry);
      this.retries.delete(entryKey(entry));
      return;
    }
    // Ids repeat across the stream's partitions: an event is known by stream and id.
    const event: StreamEvent = { ...parsed.entry, id: entryKey(entry) };
    try {
      await this.options.handle(event);
      await this.events.ack(entry);
      this.retries.delete(entryKey(entry));
    } catch (error) {
      const where = { eventId: id, type: event.type, orderId: event.orderId, group };
      const away = telegramUnreachable(error);
      const previous = this.retries.get(entryKey(entry));
      const failures = (previous?.failures ?? 0) + 1;
      const refusals = (previous?.refusals ?? 0) + (away ? 0 : 1);
      if (refusals >= (this.options.maxAttempts ?? MAX_ATTEMPTS)) {
        this.retries.delete(entryKey(entry));
        await this.events.ack(entry);
        log.error({ ...where, attempt: refusals, err: error }, "event given up after its last try");
        return;
      }
      const retryInMs = (this.options.retryDelayMs ?? defaultRetryDelay)(failures);
      this.retries.set(entryKey(entry), {
        entry,
        failures,
        refusals,
        dueAt: Date.now() + retryInMs,
      });
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

/**
 * What reads the events stream to tell people something: one consumer group, started, stopped
 * and told to retry now (Telegram is back) as one.
 */
export abstract class EventReader {
  private readonly consumer: EventConsumer;

  constructor(options: Omit<EventConsumerOptions, "handle">) {
    this.consumer = new EventConsumer({ ...options, handle: (event) => this.handle(event) });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  /** Notices that failed are tried again now, e.g. once Telegram is back. */
  retryNow(): void {
    this.consumer.retryNow();
  }

  protected abstract handle(event: StreamEvent): Promise<void>;
}
