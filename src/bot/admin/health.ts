import type { RedisClient } from "../../redis/client.js";
import { allPartitions, type RedisKeys, redisKeys } from "../../redis/keys.js";

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
  redis: RedisClient,
  prefix: string,
  wallet: string,
): Promise<ShopHealth> {
  const keys = redisKeys(prefix);
  const [health, queue, recentErrors] = await Promise.all([
    redis.hgetall(keys.watcherHealth(wallet)),
    fulfilmentQueue(redis, keys),
    redis.zcount(keys.watcherErrors(wallet), Date.now() - 3_600_000, "+inf"),
  ]);
  const number = (value: string | undefined) => (value ? Number(value) : undefined);
  return {
    leader: health.leader,
    lastPollAt: number(health.lastPollAt),
    lastTxAt: number(health.lastTxAt),
    lastError: health.lastError,
    lastErrorAt: number(health.lastErrorAt),
    errors: Number(health.errors ?? 0),
    errorsLastHour: recentErrors,
    ...queue,
  };
}

/** The fulfilment streams over every partition: jobs not yet delivered, the oldest, the dead. */
async function fulfilmentQueue(
  redis: RedisClient,
  keys: RedisKeys,
): Promise<Pick<ShopHealth, "queueDepth" | "oldestPendingAt" | "deadJobs">> {
  const partitions = await Promise.all(
    allPartitions.map((p) =>
      Promise.all([
        redis.xinfo("GROUPS", keys.fulfilment(p)).catch(() => []) as Promise<unknown[]>,
        redis.xpending(keys.fulfilment(p), "fulfilment").catch(() => null) as Promise<
          [number, string | null, string | null, unknown] | null
        >,
        redis.xlen(keys.fulfilmentDead(p)),
      ]),
    ),
  );
  let queueDepth = 0;
  let oldestPendingAt: number | undefined;
  let deadJobs = 0;
  for (const [groups, pending, dead] of partitions) {
    for (const group of groups) {
      const fields = group as (string | number | null)[];
      const at = fields.indexOf("lag");
      if (at >= 0) queueDepth += Number(fields[at + 1] ?? 0);
    }
    queueDepth += Number(pending?.[0] ?? 0);
    const oldestId = pending?.[1];
    const at = oldestId ? Number(oldestId.split("-")[0]) : undefined;
    if (at !== undefined && (oldestPendingAt === undefined || at < oldestPendingAt)) {
      oldestPendingAt = at;
    }
    deadJobs += dead;
  }
  return { queueDepth, oldestPendingAt, deadJobs };
}
