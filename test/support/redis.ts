import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { inject } from "vitest";

/** A connection to the test run's Redis and a key prefix no other test shares. */
export function testRedis(): { redis: Redis; prefix: string; url: string } {
  const url = inject("redisUrl");
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const prefix = `test:${randomBytes(4).toString("hex")}:`;
  return { redis, prefix, url };
}
