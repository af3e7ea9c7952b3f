import { afterAll, describe, expect, it } from "vitest";
import { clusterNodesEnv } from "../../src/config.js";
import { formatCheck, runDoctor } from "../../src/ops/doctor.js";
import { masters, shopRedis } from "../../src/redis/connection.js";
import { capturedLog } from "../support/log.js";
import { keysMatching, testRedis } from "../support/redis.js";

/*
 * The cluster project's own Redis Cluster, as the shop meets it: three masters sharing the slots,
 * keys spread over them, and a command or script that touches keys of two slots refused.
 */

const { redis, prefix, target } = testRedis();
afterAll(() => redis.quit());

/** Two keys under `prefix` whose slots differ. */
async function keysInTwoSlots(): Promise<[string, string]> {
  const first = `${prefix}a`;
  const slot = await redis.cluster("KEYSLOT", first);
  for (let i = 0; ; i++) {
    const other = `${prefix}b${i}`;
    if ((await redis.cluster("KEYSLOT", other)) !== slot) return [first, other];
  }
}

describe("the test run's Redis Cluster", () => {
  it("answers with every slot served by one of three masters", async () => {
    const cluster = target.redisCluster;
    expect(cluster?.nodes.length).toBeGreaterThan(0);
    expect(await redis.ping()).toBe("PONG");
    expect(String(await redis.cluster("INFO"))).toMatch(/^cluster_state:ok\s*$/m);
    expect(masters(redis)).toHaveLength(3);
  });

  it("spreads keys over all three masters", async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `${prefix}spread:${i}`);
    await Promise.all(keys.map((key) => redis.set(key, "1")));

    const held = await Promise.all(
      masters(redis).map(async (node) => {
        const found: string[] = [];
        let cursor = "0";
        do {
          const [next, batch] = await node.scan(cursor, "MATCH", `${prefix}spread:*`);
          found.push(...batch);
          cursor = next;
        } while (cursor !== "0");
        return found.length;
      }),
    );
    for (const count of held) expect(count).toBeGreaterThan(0);
    expect(held.reduce((sum, count) => sum + count, 0)).toBe(keys.length);
    expect(await keysMatching(redis, `${prefix}spread:*`)).toEqual([...keys].sort());
  });

  it("refuses a command, a script and a transaction over keys of two slots with CROSSSLOT", async () => {
    const [a, b] = await keysInTwoSlots();

    await expect(redis.mset(a, "1", b, "2")).rejects.toThrow(/CROSSSLOT/);
    await expect(
      redis.eval("redis.call('SET', KEYS[1], 1); return redis.call('SET', KEYS[2], 2)", 2, a, b),
    ).rejects.toThrow(/CROSSSLOT/);
    // Refused by ioredis itself when the two slots live on different masters, else by Redis.
    await expect(redis.multi().set(a, "1").set(b, "2").exec()).rejects.toThrow(/slot/i);
    expect([await redis.exists(a), await redis.exists(b)]).toEqual([0, 0]);
  });

  it("runs them when the keys share one {hash tag}", async () => {
    const a = `${prefix}{ord_k3m9q2d7x1a5}:order`;
    const b = `${prefix}{ord_k3m9q2d7x1a5}:payments`;
    expect(await redis.cluster("KEYSLOT", a)).toBe(await redis.cluster("KEYSLOT", b));

    expect(await redis.mset(a, "1", b, "2")).toBe("OK");
    expect(
      await redis.eval("redis.call('INCR', KEYS[1]); return redis.call('INCR', KEYS[2])", 2, a, b),
    ).toBe(3);
    expect(await redis.multi().incr(a).incr(b).exec()).toEqual([
      [null, 3],
      [null, 4],
    ]);
    expect(await redis.mget(a, b)).toEqual(["3", "4"]);
  });

  it("is what the shop connects to with REDIS_CLUSTER_NODES, saying REDIS_URL is ignored", async () => {
    const cluster = target.redisCluster;
    if (cluster === undefined) throw new Error("no cluster in this project");
    const captured = capturedLog();
    const shop = shopRedis(
      { redisUrl: "redis://127.0.0.1:6379", redisCluster: { ...cluster, redisUrlIgnored: true } },
      captured.log,
    );
    try {
      await shop.connect();
      await shop.set(`${prefix}shop`, "open");
      expect(await redis.get(`${prefix}shop`)).toBe("open");
    } finally {
      shop.disconnect();
    }
    expect(captured.records().map((r) => r.msg)).toContain(
      "REDIS_CLUSTER_NODES is set, so REDIS_URL is ignored",
    );
  });

  it("is reported by npm run doctor as a cluster of three masters", async () => {
    const cluster = target.redisCluster;
    if (cluster === undefined) throw new Error("no cluster in this project");
    const results = await runDoctor({
      env: {
        REDIS_CLUSTER_NODES: clusterNodesEnv(cluster),
        // Nothing listens there: the other checks fail at once, without leaving the machine.
        TONCENTER_ENDPOINT: "http://127.0.0.1:1/api/v2/jsonRPC",
      },
      timeoutMs: 2_000,
    });
    const line = results.map(formatCheck).find((text) => text.includes("Redis"));
    expect(line).toMatch(
      /^✓ Redis Cluster reachable at redis:\/\/127\.0\.0\.1:\d+ and 2 more seed nodes \(Redis \d+\.\d+\S*, 3 masters, 0 replicas\)$/,
    );
    // Every master is asked; the test cluster keeps nothing on disk.
    expect(results.map(formatCheck)).toContainEqual(
      expect.stringMatching(
        /^! Redis Cluster does not persist its data \(appendonly no, no save points\)/,
      ),
    );
  });
});
