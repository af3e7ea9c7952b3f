import { afterAll, describe, expect, it } from "vitest";
import { runExclusive, runOncePer } from "../../src/redis/lock.js";
import { testRedis } from "../support/redis.js";

const { redis, prefix } = testRedis();
// A second connection stands for a second process.
const { redis: other } = testRedis();
afterAll(async () => {
  await redis.quit();
  await other.quit();
});

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean | Promise<boolean>) {
  for (let i = 0; i < 400 && !(await condition()); i++) await sleep(5);
}

describe("runExclusive", () => {
  it("runs the job in one of two processes that reach the same tick together", async () => {
    const key = `${prefix}together`;
    const runs: string[] = [];
    const job = (who: string) => async () => {
      runs.push(who);
      await sleep(20);
    };
    const ran = await Promise.all([
      runExclusive(redis, key, 10_000, job("a")),
      runExclusive(other, key, 10_000, job("b")),
    ]);
    expect(runs).toHaveLength(1);
    expect(ran.filter(Boolean)).toHaveLength(1);
    // Released when done: the next tick runs.
    expect(await runExclusive(other, key, 10_000, job("next"))).toBe(true);
    expect(runs).toHaveLength(2);
  });

  it("releases the lock when the job throws, and passes the error on", async () => {
    const key = `${prefix}throws`;
    await expect(
      runExclusive(redis, key, 10_000, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await redis.exists(key)).toBe(0);
    expect(await runExclusive(other, key, 10_000, async () => undefined)).toBe(true);
  });

  it("runs again once the TTL of a holder that crashed has passed", async () => {
    const key = `${prefix}crashed`;
    // A holder that never finishes and never releases, as if its process died mid-run.
    void runExclusive(redis, key, 50, () => new Promise(() => undefined));
    await until(async () => (await redis.exists(key)) === 1);
    let runs = 0;
    expect(await runExclusive(other, key, 10_000, async () => void runs++)).toBe(false);
    expect(runs).toBe(0);
    await sleep(80);
    expect(await runExclusive(other, key, 10_000, async () => void runs++)).toBe(true);
    expect(runs).toBe(1);
  });

  it("lets only the owner release: a slow holder does not free its successor's lock", async () => {
    const key = `${prefix}owner`;
    const slow = deferred();
    let slowStarted = false;
    const slowRun = runExclusive(redis, key, 50, async () => {
      slowStarted = true;
      await slow.promise;
    });
    await until(() => slowStarted);
    await sleep(80);
    // The slow holder's TTL lapsed; a second process takes the lock and is still running.
    const next = deferred();
    let nextStarted = false;
    const nextRun = runExclusive(other, key, 10_000, async () => {
      nextStarted = true;
      await next.promise;
    });
    await until(() => nextStarted);
    expect(nextStarted).toBe(true);
    // The slow holder finishes and releases: the successor's lock must stand.
    slow.resolve();
    expect(await slowRun).toBe(true);
    expect(await runExclusive(redis, key, 10_000, async () => undefined)).toBe(false);
    next.resolve();
    expect(await nextRun).toBe(true);
    expect(await redis.exists(key)).toBe(0);
  });
});

describe("runOncePer", () => {
  it("runs once per period across processes and restarts, and again in the next period", async () => {
    const key = `${prefix}job:daily-report`;
    const sent: string[] = [];
    const report = (day: string) => async () => void sent.push(day);

    const first = await Promise.all([
      runOncePer(redis, `${key}:${"2026-11-23"}`, report("2026-11-23")),
      runOncePer(other, `${key}:${"2026-11-23"}`, report("2026-11-23")),
    ]);
    expect(first.filter(Boolean)).toHaveLength(1);
    // A process restarted later the same day does not send it again.
    expect(await runOncePer(redis, `${key}:${"2026-11-23"}`, report("2026-11-23"))).toBe(false);
    expect(await runOncePer(other, `${key}:${"2026-11-24"}`, report("2026-11-24"))).toBe(true);
    expect(sent).toEqual(["2026-11-23", "2026-11-24"]);
  });

  it("keeps the claim for days, so the key does not pile up forever", async () => {
    const key = `${prefix}job:retained`;
    await runOncePer(redis, `${key}:${"2026-11-23"}`, async () => undefined);
    const ttl = await redis.pttl(`${key}:2026-11-23`);
    expect(ttl).toBeGreaterThan(2 * 24 * 60 * 60_000);
    expect(ttl).toBeLessThanOrEqual(3 * 24 * 60 * 60_000);
  });

  it("does not run a failed period again: a half-sent report must not go out twice", async () => {
    const key = `${prefix}job:fails`;
    let attempts = 0;
    const failing = async () => {
      attempts++;
      throw new Error("telegram down");
    };
    await expect(runOncePer(redis, `${key}:${"2026-11-23"}`, failing)).rejects.toThrow(
      "telegram down",
    );
    expect(await runOncePer(other, `${key}:${"2026-11-23"}`, failing)).toBe(false);
    expect(attempts).toBe(1);
  });
});
