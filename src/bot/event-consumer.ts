import { hostname } from "node:os";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import { redisKeys } from "../orders/keys.js";

/** One entry of the events stream: an order's event, or an unmatched payment's. */
/** Small batches, and a long idle time before another process takes events over, so a slow
 * batch (Telegram's per-chat limits) is finished by its reader rather than told twice. */
const BATCH = 10;
const STALE_MS = 120_000;

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
}

/**
 * Reads the order events stream in a consumer group, so with several processes each event is
 * handled once; events a dead process read but never acknowledged come back after two minutes. A
 * handler that throws leaves its event unacknowledged, to be tried again.
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
          try {
            await this.options.handle(parse(id, fields));
            await this.options.redis.xack(this.stream, group, id);
          } catch (error) {
            log.error({ err: error, eventId: id, group }, "event not handled; will retry");
          }
        }
      } catch (error) {
        if (this.stopping) return;
        log.error({ err: error, group }, "events stream read failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
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
