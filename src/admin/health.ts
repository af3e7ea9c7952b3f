import type { WatcherHealth, WatcherHealthState } from "../payments/ton/health.js";
import type { RedisClient } from "../redis/client.js";
import { allPartitions, redisKeys } from "../redis/keys.js";
import { groupBacklog } from "../redis/stream.js";

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
  redis: RedisClient,
  prefix: string,
): Promise<ShopHealth> {
  const keys = redisKeys(prefix);
  const [polls, backlog, dead] = await Promise.all([
    watcher.read(),
    groupBacklog(redis, allPartitions.map(keys.fulfilment), "fulfilment"),
    Promise.all(allPartitions.map((p) => redis.xlen(keys.fulfilmentDead(p)))),
  ]);
  return {
    ...polls,
    queueDepth: backlog.depth,
    oldestPendingAt: backlog.oldestInHandAt,
    deadJobs: dead.reduce((sum, n) => sum + n, 0),
  };
}
