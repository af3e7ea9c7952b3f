import { afterAll, describe, expect, it } from "vitest";
import { RedisConnectStorage } from "../../../src/payments/tonconnect/storage.js";
import { testRedis } from "../../support/redis.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

describe("RedisConnectStorage", () => {
  it("keeps each buyer's TON Connect data apart, under the shop's prefix", async () => {
    const alice = new RedisConnectStorage(redis, `${prefix}tonconnect:1:`, 60);
    const bob = new RedisConnectStorage(redis, `${prefix}tonconnect:2:`, 60);
    await alice.setItem("ton-connect-storage_bridge-connection", "alice's session");
    expect(await alice.getItem("ton-connect-storage_bridge-connection")).toBe("alice's session");
    expect(await bob.getItem("ton-connect-storage_bridge-connection")).toBeNull();
    expect(await redis.get(`${prefix}tonconnect:1:ton-connect-storage_bridge-connection`)).toBe(
      "alice's session",
    );
    await alice.removeItem("ton-connect-storage_bridge-connection");
    expect(await alice.getItem("ton-connect-storage_bridge-connection")).toBeNull();
  });

  it("forgets a session nobody used for its lifetime, and each use renews it", async () => {
    const storage = new RedisConnectStorage(redis, `${prefix}tonconnect:3:`, 100);
    await storage.setItem("k", "v");
    await redis.expire(`${prefix}tonconnect:3:k`, 5);
    await storage.getItem("k");
    expect(await redis.ttl(`${prefix}tonconnect:3:k`)).toBeGreaterThan(50);
    await redis.pexpire(`${prefix}tonconnect:3:k`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await storage.getItem("k")).toBeNull();
  });
});
