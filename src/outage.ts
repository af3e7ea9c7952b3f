import type { Logger } from "./log.js";
import type { RedisClient } from "./redis/client.js";

export interface OutageOptions {
  /** Which service: "redis", "telegram". */
  service: string;
  /** The warning when it goes away. */
  down: string;
  /** The info line when it answers again. */
  up: string;
}

/**
 * Whether a service the shop depends on is answering, said in two log lines per outage — one
 * when it goes away, one when it is back — however many calls fail in between. Whoever waits
 * for it to come back can ask to be told.
 */
export class Outage {
  private since: number | undefined;
  private failures = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly log: Logger,
    private readonly options: OutageOptions,
  ) {}

  /** True from the first failure until the next success. */
  get down(): boolean {
    return this.since !== undefined;
  }

  /** A call failed because the service did not answer; the first one of an outage is logged. */
  failed(reason: Record<string, unknown>): void {
    this.failures++;
    if (this.since !== undefined) return;
    this.since = Date.now();
    this.log.warn({ service: this.options.service, ...reason }, this.options.down);
  }

  /** The service answered; ends the outage, if there was one, with a line saying how long. */
  answered(): void {
    if (this.since === undefined) return;
    const downForMs = Date.now() - this.since;
    const failures = this.failures;
    this.since = undefined;
    this.failures = 0;
    this.log.info({ service: this.options.service, downForMs, failures }, this.options.up);
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` each time an outage ends; returns the function that stops it. */
  onRecovered(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Follows the shop's RedisClient connection. ioredis reconnects by itself and commands wait meanwhile
 * (`maxRetriesPerRequest: null`); this only says so, once each way. Listening for "error" also
 * keeps ioredis from printing each failed attempt as an unhandled error.
 */
export function followRedis(redis: RedisClient, log: Logger): Outage {
  const outage = new Outage(log, {
    service: "redis",
    down: "Redis unreachable; the shop waits for it to come back",
    up: "Redis reachable again",
  });
  let lastError: Error | undefined;
  redis.on("error", (error: Error) => {
    lastError = error;
    outage.failed(redisReason(error));
  });
  // "reconnecting" follows only a connection lost, never one closed on purpose at stop.
  redis.on("reconnecting", () => {
    outage.failed(lastError ? redisReason(lastError) : { reason: "connection lost" });
  });
  redis.on("ready", () => {
    lastError = undefined;
    outage.answered();
  });
  return outage;
}

function redisReason(error: Error): Record<string, unknown> {
  const code = (error as NodeJS.ErrnoException).code;
  return { reason: error.message, ...(code ? { code } : {}) };
}
