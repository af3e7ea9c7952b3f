import type { RedisClient } from "../../src/redis/client.js";
import { allPartitions } from "../../src/redis/keys.js";

type Entry = [id: string, fields: string[]];

/** Every entry of a partitioned stream (e.g. `keys.fulfilment`), oldest first. */
export async function streamEntries(
  redis: RedisClient,
  stream: (p: number) => string,
): Promise<Entry[]> {
  const parts = await Promise.all(allPartitions.map((p) => redis.xrange(stream(p), "-", "+")));
  return parts.flat().sort(([a], [b]) => compareIds(a, b));
}

/** Entries of a partitioned stream a consumer group was handed and has not acknowledged. */
export async function pendingEntries(
  redis: RedisClient,
  stream: (p: number) => string,
  group: string,
): Promise<number> {
  const replies = await Promise.all(
    allPartitions.map((p) => redis.xpending(stream(p), group).catch(() => [0])),
  );
  return replies.reduce<number>((sum, reply) => sum + Number(reply[0] ?? 0), 0);
}

function compareIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split("-").map(BigInt);
  const [bm = 0n, bs = 0n] = b.split("-").map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as < bs ? -1 : as > bs ? 1 : 0;
}
