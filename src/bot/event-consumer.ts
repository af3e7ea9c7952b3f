import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import { redisKeys } from "../orders/keys.js";

/** Small batches, and a long idle time before another process takes events over, so a slow
 * batch (Telegram's per-chat limits) is finished by its reader rather than told twice. */
const BATCH = 10;
const STALE_MS = 120_000;
const MAX_ATTEMPTS = 10;

/** 2 s after the first failure, doubling; with the defaults an event is tried for about 8 minutes. */
const defaultRetryDelay = (attempt: number) => 2_000 * 2 ** (attempt - 1);

/** One entry of the events stream: an order's event, or an unmatched payment's. */
export interface StreamEvent {
  id: string;
  orderId?: string;
  paymentKey?: string;
  type: string;
  detail: Record<string, string | number | boolean>;
}

export interface EventConsumerOptions {
  redis: Redis;
  prefix: string;
  /** Consumer group: each group sees every event once, across all processes. */
  group: string;
  log: Logger;
  handle(event: StreamEvent): Promise<void>;
  blockMs?: number;
  /** How long an event read but not acknowledged waits before it is handled again. */
  staleMs?: number;
  /** Tries of one event before it is given up with an error line. */
  maxAttempts?: number;
  /** Wait after failed try n before the next (at most staleMs). */
  retryDelayMs?: (attempt: number) => number;
}

/**
 * Reads the order events stream in a consumer group, so with several processes each event is
 * handled once; events a dead process read but never acknowledged come back after two minutes. A
 * handler that throws has its event tried again after a growing wait, and given up with an error
 * line after `maxAttempts` tries.
 */
export class EventConsumer {
  private readonly stream: string;
  private readonly consumer = `${hostname()}-${process.pid}`;
  private reader: Redis | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

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

  private async loop(reader: Redis): Promise<void> {
    const { group, log } = this.options;
    while (!this.stopping) {
      try {
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
          this.options.blockMs ?? 2000,
          "STREAMS",
          this.stream,
          ">",
        )) as [string, [string, string[]][]][] | null;
        for (const [id, fields] of [...stale, ...(fresh?.[0]?.[1] ?? [])]) {
          let event: StreamEvent = { id, type: "unknown", detail: {} };
          try {
            event = parse(id, fields);
            await this.options.handle(event);
            await this.options.redis.xack(this.stream, group, id);
          } catch (error) {
            await this.failed(event, error);
          }
        }
      } catch (error) {
        if (this.stopping) return;
        log.error({ err: error, group }, "events stream read failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** Sets the event to come back after its retry delay, or gives it up after the last try. */
  private async failed(event: StreamEvent, error: unknown): Promise<void> {
    const { redis, group, log } = this.options;
    const where = { eventId: event.id, type: event.type, orderId: event.orderId, group };
    try {
      const attempt = await this.attempts(event.id);
      const maxAttempts = this.options.maxAttempts ?? MAX_ATTEMPTS;
      if (attempt >= maxAttempts) {
        await redis.xack(this.stream, group, event.id);
        log.error({ ...where, attempt, err: error }, "event given up after its last try");
        return;
      }
      const staleMs = this.options.staleMs ?? STALE_MS;
      const delay = Math.min(staleMs, (this.options.retryDelayMs ?? defaultRetryDelay)(attempt));
      // Idle as if read `staleMs - delay` ago: any reader takes it again once `delay` has passed.
      // JUSTID leaves the try count as it is.
      await redis.xclaim(
        this.stream,
        group,
        this.consumer,
        0,
        event.id,
        "IDLE",
        staleMs - delay,
        "JUSTID",
      );
      log.warn({ ...where, attempt, delay, err: error }, "event not handled; will retry");
    } catch (failure) {
      // Redis trouble: the event stays pending and comes back after staleMs.
      log.error({ ...where, err: error, failure }, "event not handled; will retry");
    }
  }

  /** How many times the event has been read, counting this time. */
  private async attempts(eventId: string): Promise<number> {
    const reply = (await this.options.redis.xpending(
      this.stream,
      this.options.group,
      eventId,
      eventId,
      1,
    )) as [string, string, number, number][];
    const count = Number(reply[0]?.[3]);
    return Number.isFinite(count) && count > 0 ? count : 1;
  }
}

function parse(id: string, fields: string[]): StreamEvent {
  const value = (name: string) => {
    const at = fields.indexOf(name);
    return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
  };
  const event = JSON.parse(value("event") ?? "{}") as {
    type?: string;
    detail?: StreamEvent["detail"];
  };
  return {
    id,
    orderId: value("orderId"),
    paymentKey: value("paymentKey"),
    type: event.type ?? "unknown",
    detail: event.detail ?? {},
  };
}
