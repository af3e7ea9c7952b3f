import type { RedisClient } from "../redis/client.js";
import { createRedisClient, type RedisTarget } from "../redis/connection.js";

/**
 * One attempt to reach Redis or a Redis Cluster, for commands a person runs: no retries, no
 * offline queue, and the first error ioredis reports as the cause (connect() alone only says
 * "Connection is closed."). The caller disconnects the client it gets.
 */
export async function connectOnce(
  target: RedisTarget,
  timeoutMs: number,
): Promise<{ redis: RedisClient } | { cause: unknown }> {
  const redis = createRedisClient(target, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let cause: unknown;
  redis.on("error", (error: unknown) => {
    // A cluster reports "Failed to refresh slots cache."; what the last node said is the reason.
    cause ??= (error as { lastNodeError?: unknown }).lastNodeError ?? error;
  });
  try {
    await redis.connect();
    const pong = await redis.ping();
    if (pong !== "PONG") throw new Error(`PING answered ${pong}`);
    return { redis };
  } catch (error) {
    redis.disconnect();
    return { cause: cause ?? error };
  }
}
