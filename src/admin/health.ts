import type { JettonWalletUnknown } from "../payments/jetton/wallet.js";
import type { WatcherHealth, WatcherHealthState } from "../payments/ton/health.js";
import type { RedisClient } from "../redis/client.js";
import { allPartitions, redisKeys } from "../redis/keys.js";
import { groupBacklog } from "../redis/stream.js";

/** The merchant wallet's watcher, and beside it our jetton wallet's, and the fulfilment queue. */
export interface ShopHealth extends WatcherHealthState {
  /** For a shop selling in USDT, our jetton wallet's watcher, or why there is none. */
  usdt?: WatcherHealthState | JettonWalletUnknown;
  /** Fulfilment jobs not yet delivered: queued and in hand. */
  queueDepth: number;
  /** When the oldest job in hand was queued. */
  oldestPendingAt?: number;
  deadJobs: number;
}

/** For a shop selling in USDT: our jetton wallet's watcher health, or why there is none yet. */
export type UsdtWatcherHealth = () => WatcherHealth | JettonWalletUnknown;

/** What the watchers say about their polls, and where the fulfilment queue stands. */
export async function readHealth(
  watcher: WatcherHealth,
  redis: RedisClient,
  prefix: string,
  usdt?: UsdtWatcherHealth,
): Promise<ShopHealth> {
  const keys = redisKeys(prefix);
  const usdtHealth = usdt?.();
  const [polls, usdtPolls, backlog, dead] = await Promise.all([
    watcher.read(),
    typeof usdtHealth === "object" ? usdtHealth.read() : usdtHealth,
    groupBacklog(redis, allPartitions.map(keys.fulfilment), "fulfilment"),
    Promise.all(allPartitions.map((p) => redis.xlen(keys.fulfilmentDead(p)))),
  ]);
  return {
    ...polls,
    ...(usdtPolls !== undefined && { usdt: usdtPolls }),
    queueDepth: backlog.depth,
    oldestPendingAt: backlog.oldestInHandAt,
    deadJobs: dead.reduce((sum, n) => sum + n, 0),
  };
}
