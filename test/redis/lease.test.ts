import { afterAll, describe, expect, it } from "vitest";
import { Lease } from "../../src/redis/lock.js";
import { testRedis } from "../support/redis.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

function lease(owner: string, ttlMs = 10_000) {
  return new Lease(redis, `${prefix}{lease}`, ttlMs, owner);
}

describe("Lease", () => {
  it("has one holder at a time and renews for that holder", async () => {
    const a = lease("a");
    const b = lease("b");
    expect(await a.acquire()).toBe(true);
    expect(await b.acquire()).toBe(false);
    const fence = a.fence;
    expect(await a.acquire()).toBe(true);
    expect(a.fence).toBe(fence);
    await a.release();
    expect(await b.acquire()).toBe(true);
    expect(b.fence).toBeGreaterThan(fence ?? 0);
    await b.release();
  });

  it("renews only for its holder, and never takes back a lease that lapsed", async () => {
    const a = lease("a", 100);
    expect(await a.acquire()).toBe(true);
    expect(await a.renew()).toBe(true);
    expect(await redis.pttl(`${prefix}{lease}`)).toBeGreaterThan(0);

    while ((await redis.exists(`${prefix}{lease}`)) === 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const b = lease("b");
    expect(await b.acquire()).toBe(true);
    // a's renewal finds b's lease: it fails, drops a's hold, and leaves b's lease alone.
    expect(await a.renew()).toBe(false);
    expect(a.fence).toBeUndefined();
    expect(await a.fencedSet(`${prefix}{lease}:cursor`, "from-a")).toBe(false);
    expect(await redis.get(`${prefix}{lease}`)).toBe(`b|${b.fence}`);
    await b.release();
    // Lapsed and free: a renewal does not take it; only acquire does, with a new token.
    expect(await a.renew()).toBe(false);
    expect(await redis.exists(`${prefix}{lease}`)).toBe(0);
  });

  it("stops a holder whose lease lapsed from writing after someone else took over", async () => {
    const old = lease("old", 50);
    const next = lease("next");
    const cursor = `${prefix}{lease}:cursor`;
    expect(await old.acquire()).toBe(true);
    expect(await old.fencedSet(cursor, "from-old")).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await next.acquire()).toBe(true);
    expect(await next.fencedSet(cursor, "from-next")).toBe(true);
    // The old holder wakes up and tries to write: refused, the new value stands.
    expect(await old.fencedSet(cursor, "stale")).toBe(false);
    expect(await redis.get(cursor)).toBe("from-next");
    // Releasing a lease it no longer holds does not free the new holder's.
    await old.release();
    expect(await lease("third").acquire()).toBe(false);
    await next.release();
  });
});
