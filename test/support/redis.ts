import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { RedisClient } from "../../src/redis/client.js";
import {
  createRedisClient,
  masters,
  type RedisClientOptions,
  type RedisTarget,
} from "../../src/redis/connection.js";

/**
 * The test run's Redis: one redis-server in the `redis` project, a Redis Cluster in the `cluster`
 * project (vitest.config.ts), as the shop's Config names either.
 */
export function testRedisTarget(): RedisTarget {
  const clusterNodes = inject("redisClusterNodes");
  if (clusterNodes) {
    return {
      // Nothing listens there: a test that reaches for one server's URL fails at once.
      redisUrl: "redis://127.0.0.1:1",
      redisCluster: loadConfig({ REDIS_CLUSTER_NODES: clusterNodes }).redisCluster,
    };
  }
  return { redisUrl: inject("redisUrl"), redisCluster: undefined };
}

/** A connection of its own to the test run's Redis (on a cluster, to every node it needs). */
export function connectTestRedis(
  options: RedisClientOptions = { maxRetriesPerRequest: 3 },
): RedisClient {
  return createRedisClient(testRedisTarget(), options);
}

/** A connection to the test run's Redis and a key prefix no other test shares. */
export function testRedis(): {
  redis: RedisClient;
  prefix: string;
  /** The one server's URL; in the cluster project, a dead end: use `target` there. */
  url: string;
  /** Where the run's Redis is, as Config and the Sandbox take it. */
  target: RedisTarget;
} {
  const target = testRedisTarget();
  const redis = connectTestRedis();
  const prefix = `test:${randomBytes(4).toString("hex")}:`;
  return { redis, prefix, url: target.redisUrl, target };
}

/** Every key matching `pattern`, from every master: KEYS on a cluster asks one node only. */
export async function keysMatching(redis: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of masters(redis)) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== "0");
  }
  return found.sort();
}
