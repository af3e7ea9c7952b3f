import { describe, expect, it } from "vitest";
import { testRedisTarget } from "../support/redis.js";
import { runScaleOut } from "../support/scale-out.js";

/*
 * Three shop processes in webhook mode behind a round-robin load balancer, on the run's Redis
 * Cluster; 300 buyers pay at once, half in TON and half in Stars, and the process that watches
 * the wallet is killed with SIGKILL once half of them have paid.
 */

const BUYERS = 300;

describe("three shop processes on one Redis Cluster", () => {
  it("pays and delivers every order exactly once when one process is killed midway, with one watcher at a time", async () => {
    const run = await runScaleOut({ target: testRedisTarget(), buyers: BUYERS });

    // Every buyer paid once and got one goods message and one receipt.
    expect(run.purchases.filter((p) => p.error !== undefined)).toEqual([]);
    for (const purchase of run.purchases) {
      expect(purchase, `buyer ${purchase.buyerId}`).toMatchObject({ goods: 1, receipts: 1 });
      const order = run.orders.get(purchase.orderId);
      expect(order?.status, purchase.orderId).toBe("fulfilled");
      expect(order?.payments, purchase.orderId).toHaveLength(1);
      expect(order?.method).toBe(purchase.method);
    }
    const starBuyers = run.purchases.filter((p) => p.method === "stars").length;
    expect(run.starBalance).toBe(starBuyers * 150);

    // The killed process was the watcher; the lease passed on, and every poll toncenter saw came
    // from the process holding the lease at that moment: never two watchers at once.
    expect(run.killed.heldLease).toBe(true);
    expect(run.polls.length).toBeGreaterThan(0);
    for (const poll of run.polls) expect(poll.leaseHolder, `poll at ${poll.at}`).toBe(poll.pid);
    const after = run.polls.filter((poll) => poll.at > run.killed.at);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((poll) => poll.pid !== run.killed.pid)).toBe(true);
  }, 300_000);
});
