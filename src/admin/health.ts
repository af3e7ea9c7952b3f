import type { Redis } from "ioredis";
import type { Clock } from "../clock.js";
import { redisKeys } from "../orders/keys.js";

export interface ShopHealth {
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
  /** Fulfilment jobs not yet delivered: queued and in hand. */
  queueDepth: number;
  /** When the oldest job in hand was queued. */
  oldestPendingAt?: number;
  deadJobs: number;
}

/** Reads what the watcher and the fulfilment worker leave in Redis about themselves. */
export async function readHealth(
  redis: Redis,
  prefix: string,
  wallet: string,
  clock: Clock,
): Promise<ShopHealth> {
  const keys = redisKeys(prefix);
  const [health, groups, pending, dead, recentErrors] = await Promise.all([
    redis.hgetall(keys.watcherHealth(wallet)),
    redis.xinfo("GROUPS", keys.fulfilment).catch(() => []) as Promise<unknown[]>,
    redis.xpending(keys.fulfilment, "fulfilment").catch(() => null) as Promise<
      [number, string | null, string | null, unknown] | null
    >,
    redis.xlen(keys.fulfilmentDead),
    redis.zcount(keys.watcherErrors(wallet), clock() - 3_600_000, "+inf"),
  ]);
  const number = (value: string | undefined) => (value ? Number(value) : undefined);
  let lag = 0;
  for (const group of groups) {
    const fields = group as (string | number | null)[];
    const at = fields.indexOf("lag");
    if (at >= 0) lag += Number(fields[at + 1] ?? 0);
  }
  const inHand = Number(pending?.[0] ?? 0);
  const oldestId = pending?.[1];
  return {
    leader: health.leader,
    lastPollAt: number(health.lastPollAt),
    lastTxAt: number(health.lastTxAt),
    lastError: health.lastError,
    lastErrorAt: number(health.lastErrorAt),
    errors: Number(health.errors ?? 0),
    errorsLastHour: recentErrors,
    queueDepth: lag + inHand,
    oldestPendingAt: oldestId ? Number(oldestId.split("-")[0]) : undefined,
    deadJobs: dead,
  };
}
