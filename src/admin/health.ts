import type { Redis } from "ioredis";
import { redisKeys } from "../orders/keys.js";
import type { WatcherHealth, WatcherHealthState } from "../payments/ton/health.js";

export interface ShopHealth extends WatcherHealthState {
  /** Fulfilment jobs not yet delivered: queued and in hand. */
  queueDepth: number;
  /** When the oldest job in hand was queued. */
  oldestPendingAt?: number;
  deadJobs: number;
}

/** What the watcher says about its polls, and where the fulfilment queue stands. */
export async function readHealth(
  watcher: WatcherHealth,
  redis: Redis,
  prefix: string,
): Promise<ShopHealth> {
  const keys = redisKeys(prefix);
  const [polls, groups, pending, dead] = await Promise.all([
    watcher.read(),
    redis.xinfo("GROUPS", keys.fulfilment).catch(() => []) as Promise<unknown[]>,
    redis.xpending(keys.fulfilment, "fulfilment").catch(() => null) as Promise<
      [number, string | null, string | null, unknown] | null
    >,
    redis.xlen(keys.fulfilmentDead),
  ]);
  let lag = 0;
  for (const group of groups) {
    const fields = group as (string | number | null)[];
    const at = fields.indexOf("lag");
    if (at >= 0) lag += Number(fields[at + 1] ?? 0);
  }
  const inHand = Number(pending?.[0] ?? 0);
  const oldestId = pending?.[1];
  return {
    ...polls,
    queueDepth: lag + inHand,
    oldestPendingAt: oldestId ? Number(oldestId.split("-")[0]) : undefined,
    deadJobs: dead,
  };
}
