import type { Clock } from "../../clock.js";
import type { RedisClient } from "../../redis/client.js";
import { type RedisKeys, redisKeys } from "../../redis/keys.js";

const HOUR_MS = 3_600_000;
/** Failed polls are kept by time for a day. */
const ERRORS_KEPT_MS = 86_400_000;

/** What the watcher has said about itself, for /admin. */
export interface WatcherHealthState {
  leader?: string;
  lastPollAt?: number;
  /** Block time of the newest transaction the watcher has applied. */
  lastTxAt?: number;
  lastError?: string;
  lastErrorAt?: number;
  /** Failed polls since the watcher state was created. */
  errors: number;
  /** Failed polls in the last hour. */
  errorsLastHour: number;
}

/**
 * What a merchant wallet's watcher records about its polls — when it last polled, the newest
 * transaction applied, the last error, failed polls by time, which process leads — and where
 * its processing began. Shared by every process, so /admin reads it from any of them.
 */
export class WatcherHealth {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    /** The wallet's raw address. */
    private readonly wallet: string,
    private readonly clock: Clock,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** A poll went through; `lastTxAt` in block seconds when it applied anything. */
  async polled(leader: string, outcome: { lastTxAt?: number; lastError?: string } = {}) {
    const now = String(this.clock());
    const fields: Record<string, string> = { lastPollAt: now, leader };
    if (outcome.lastTxAt !== undefined) fields.lastTxAt = String(outcome.lastTxAt * 1000);
    if (outcome.lastError !== undefined) {
      fields.lastError = outcome.lastError;
      fields.lastErrorAt = now;
    }
    await this.redis.hset(this.keys.watcherHealth(this.wallet), fields);
  }

  /** A poll failed (toncenter or Redis); never throws, as Redis may be what failed. */
  async failed(leader: string, error: Error): Promise<void> {
    const health = this.keys.watcherHealth(this.wallet);
    const errors = this.keys.watcherErrors(this.wallet);
    await this.redis
      .hset(health, { lastError: error.message, lastErrorAt: String(this.clock()) })
      .catch(() => undefined);
    const now = this.clock();
    await this.redis
      .multi()
      .hincrby(health, "errors", 1)
      .zadd(errors, now, `${now}:${leader}`)
      .zremrangebyscore(errors, "-inf", now - ERRORS_KEPT_MS)
      .exec()
      .catch(() => undefined);
  }

  /** Where processing began on this wallet, so reconcile does not replay what came before. */
  async markStart(lt: string): Promise<void> {
    await this.redis.hset(this.keys.watcherHealth(this.wallet), "startLt", lt);
  }

  /** undefined for a watcher initialised before start markers were written. */
  async startLt(): Promise<bigint | undefined> {
    const lt = await this.redis.hget(this.keys.watcherHealth(this.wallet), "startLt");
    return lt === null ? undefined : BigInt(lt);
  }

  async read(): Promise<WatcherHealthState> {
    const [health, errorsLastHour] = await Promise.all([
      this.redis.hgetall(this.keys.watcherHealth(this.wallet)),
      this.redis.zcount(this.keys.watcherErrors(this.wallet), this.clock() - HOUR_MS, "+inf"),
    ]);
    const number = (value: string | undefined) => (value ? Number(value) : undefined);
    return {
      leader: health.leader,
      lastPollAt: number(health.lastPollAt),
      lastTxAt: number(health.lastTxAt),
      lastError: health.lastError,
      lastErrorAt: number(health.lastErrorAt),
      errors: Number(health.errors ?? 0),
      errorsLastHour,
    };
  }
}
