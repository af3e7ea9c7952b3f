import { Redis } from "ioredis";

/**
 * One attempt to reach Redis, for commands a person runs: no retries, no offline queue, and
 * the first error ioredis reports as the cause (connect() alone only says "Connection is
 * closed."). The caller disconnects the client it gets.
 */
export async function connectOnce(
  url: string,
  timeoutMs: number,
): Promise<{ redis: Redis } | { cause: unknown }> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  let cause: unknown;
  redis.on("error", (error: unknown) => {
    cause ??= error;
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
