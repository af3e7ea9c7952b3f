import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { WATCHER_LEASE_TTL_MS } from "../../src/payments/ton/watcher.js";
import { redisKeys } from "../../src/redis/keys.js";
import { Sandbox } from "../../src/sandbox/world.js";
import { testRedis } from "../support/redis.js";
import { checkoutTon } from "../support/sandbox.js";
import { type ShopProcess, startShopProcess } from "../support/shop-process.js";

/*
 * The process that watches the merchant wallet is killed with SIGKILL — no chance to give up its
 * lease — and a new one is started in its place. The new process takes the lease over once the
 * dead one's lapses (seconds, not the half a minute it used to be), with a higher fencing token,
 * and a payment made after the restart is detected and the buyer told.
 */

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const HALF_TON = 500_000_000n;

/** Synchronisation only: waits for something the shop does, failing after a while. */
async function waitUntil(condition: () => Promise<boolean>, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}

describe("the TON watcher across a crash", () => {
  it("is taken over by the process started in place of a killed one, which detects the next payment", async () => {
    const { redis, prefix, url } = testRedis();
    cleanups.push(() => redis.quit());
    const sandbox = await Sandbox.start({ redisUrl: url, redisPrefix: prefix, openShop: false });
    cleanups.push(() => sandbox.stop());
    const lockKey = redisKeys(prefix).watcherLock(sandbox.merchant.address.toRawString());
    const lease = async () => {
      const value = await redis.get(lockKey);
      const [, pid, fence] = /-(\d+)-[0-9a-f]{6}\|(\d+)$/.exec(value ?? "") ?? [];
      return { pid: Number(pid), fence: Number(fence) };
    };
    const start = async (): Promise<ShopProcess> => {
      const shop = startShopProcess(sandbox.env());
      cleanups.push(async () => {
        shop.kill("SIGKILL");
        await shop.exited;
      });
      await shop.waitForLog("payment engine running");
      return shop;
    };

    const first = await start();
    await waitUntil(async () => (await lease()).pid === first.pid, "the first shop to lead");
    const before = await lease();

    first.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    // The dead process's lease is still there, and lapses on its own within the lease's TTL.
    expect((await lease()).pid).toBe(first.pid);
    expect(await redis.pttl(lockKey)).toBeLessThanOrEqual(WATCHER_LEASE_TTL_MS);

    const second = await start();
    const buyer = sandbox.user();
    const { message, comment } = await checkoutTon(buyer, "TON Developer");
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(HALF_TON, comment);

    await buyer.waitForText("Payment received", { after: message.messageId, timeoutMs: 30_000 });
    const after = await lease();
    expect(after.pid).toBe(second.pid);
    expect(after.fence).toBeGreaterThan(before.fence);
    expect(second.logs.filter((r) => r.msg === "payment applied")).toHaveLength(1);
    second.kill("SIGTERM");
    expect((await second.exited).code).toBe(0);
  });
});
