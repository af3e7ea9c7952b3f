import { describe, expect, it } from "vitest";
import { TON, tonOrder } from "../../support/shop.js";
import { type TonWorld, tonWorldPerTest } from "../../support/ton-world.js";

let world: TonWorld;
tonWorldPerTest((fresh) => {
  world = fresh;
});

const HOUR_MS = 60 * 60_000;

/** The chain's clock in ms, minus `ms`: the start of a window ending now. */
const chainTimeAgo = (ms: number) => world.chain.now * 1000 - ms;

describe("PaymentWatcher.reconcile", () => {
  it("recovers a payment the cursor skipped, pays the order, and leaves the cursor alone", async () => {
    const watcher = await world.initialisedWatcher();
    const orders = await world.payOrders(3);
    await world.skipCursorToNewest();
    expect((await watcher.pollOnce()).kind).toBe("idle");
    expect((await world.settlement(orders)).paid).toBe(0);
    const cursor = await watcher.cursor();

    const result = await watcher.reconcile(chainTimeAgo(6 * HOUR_MS));
    expect(result).toEqual({
      scanned: 3,
      recovered: 3,
      unmatched: 0,
    });
    expect(await world.settlement(orders)).toEqual({ paid: 3, notPaid: 0, doubled: 0, jobs: 3 });
    expect(await watcher.cursor()).toEqual(cursor);

    // A second pass finds everything recorded already.
    expect(await watcher.reconcile(chainTimeAgo(6 * HOUR_MS))).toMatchObject({
      recovered: 0,
      unmatched: 0,
    });
    expect(await world.settlement(orders)).toEqual({ paid: 3, notPaid: 0, doubled: 0, jobs: 3 });
  });

  it("finds nothing when the cursor path missed nothing", async () => {
    const watcher = await world.initialisedWatcher();
    const orders = await world.payOrders(5);
    expect(await watcher.pollOnce()).toMatchObject({ kind: "processed", payments: 5 });
    expect(await watcher.reconcile(chainTimeAgo(6 * HOUR_MS))).toEqual({
      scanned: 5,
      recovered: 0,
      unmatched: 0,
    });
    expect(await world.settlement(orders)).toEqual({ paid: 5, notPaid: 0, doubled: 0, jobs: 5 });
  });

  it("records money it cannot match for the admin, once", async () => {
    const watcher = await world.initialisedWatcher();
    await world.chain.injectPayments(world.merchant.address, [
      { amount: TON, comment: "hello" },
      { amount: TON },
    ]);
    await world.skipCursorToNewest();

    expect(await watcher.reconcile(chainTimeAgo(HOUR_MS))).toMatchObject({
      recovered: 0,
      unmatched: 2,
    });
    expect(await watcher.reconcile(chainTimeAgo(HOUR_MS))).toMatchObject({ unmatched: 0 });
    const reasons = (await world.unmatched.list()).map((u) => u.reason).sort();
    expect(reasons).toEqual(["no-comment", "unknown-comment"]);
  });

  it("reads back across several pages only as far as its window", async () => {
    const watcher = world.watcher({ pageSize: 5 });
    expect((await watcher.pollOnce()).kind).toBe("initialised");
    const old = await world.payOrders(4);
    world.chain.advance(7 * 60 * 60);
    const recent = await world.payOrders(12);
    await world.skipCursorToNewest();

    expect(await watcher.reconcile(chainTimeAgo(6 * HOUR_MS))).toEqual({
      scanned: 12,
      recovered: 12,
      unmatched: 0,
    });
    expect(await world.settlement(recent)).toMatchObject({ paid: 12, doubled: 0 });
    expect((await world.settlement(old)).paid).toBe(0);

    // A wider window reaches the older payments too.
    expect(await watcher.reconcile(chainTimeAgo(8 * HOUR_MS))).toMatchObject({ recovered: 4 });
    expect(await world.settlement([...old, ...recent])).toEqual({
      paid: 16,
      notPaid: 0,
      doubled: 0,
      jobs: 16,
    });
  });

  it("recovers each payment once when toncenter repeats items and cuts pages short", async () => {
    const watcher = world.watcher({ pageSize: 10 });
    expect((await watcher.pollOnce()).kind).toBe("initialised");
    const orders = await world.payOrders(40);
    await world.skipCursorToNewest();
    world.setFaults({ seed: 5, duplicateRate: 0.5, shortPageMax: 7 });

    expect(await watcher.reconcile(chainTimeAgo(HOUR_MS))).toMatchObject({
      scanned: 40,
      recovered: 40,
    });
    expect(await world.settlement(orders)).toEqual({ paid: 40, notPaid: 0, doubled: 0, jobs: 40 });
  });

  it("leaves transactions newer than the cursor to the next poll", async () => {
    const watcher = await world.initialisedWatcher();
    const [order] = await world.payOrders(1);
    const cursor = await watcher.cursor();

    expect(await watcher.reconcile(chainTimeAgo(HOUR_MS))).toMatchObject({ recovered: 0 });
    expect((await world.store.require(order?.id ?? "")).status).toBe("pending");
    expect(await watcher.cursor()).toEqual(cursor);

    expect(await watcher.pollOnce()).toMatchObject({ kind: "processed", payments: 1 });
    expect((await world.store.require(order?.id ?? "")).status).toBe("paid");
  });

  it("does not replay what reached the wallet before the watcher's first poll", async () => {
    const [order] = await world.payOrders(1);
    await world.chain.injectPayments(world.merchant.address, [{ amount: TON }]);
    const watcher = world.watcher();
    const none = { scanned: 0, recovered: 0, unmatched: 0 };

    expect(await watcher.reconcile(chainTimeAgo(HOUR_MS))).toEqual(none);
    expect(await watcher.cursor()).toBeUndefined();
    expect((await watcher.pollOnce()).kind).toBe("initialised");
    expect(await watcher.reconcile(chainTimeAgo(HOUR_MS))).toEqual(none);
    expect((await world.store.require(order?.id ?? "")).status).toBe("pending");
    expect(await world.unmatched.count()).toBe(0);
  });

  it("pays each order once when two processes reconcile at the same time", async () => {
    const a = world.watcher({ owner: "a", pageSize: 7 });
    const b = world.watcher({ owner: "b", pageSize: 7 });
    expect((await a.pollOnce()).kind).toBe("initialised");
    const orders = await world.payOrders(30);
    const stray = await world.store.create(tonOrder());
    await world.chain.injectPayments(world.merchant.address, [
      { amount: TON, comment: "nobody's" },
      { amount: TON / 2n, comment: stray.comment },
    ]);
    await world.skipCursorToNewest();

    const results = await Promise.all([
      a.reconcile(chainTimeAgo(HOUR_MS)),
      b.reconcile(chainTimeAgo(HOUR_MS)),
    ]);
    const recovered = results.reduce((sum, r) => sum + r.recovered, 0);
    const unmatched = results.reduce((sum, r) => sum + r.unmatched, 0);
    // 30 full payments and the stray order's underpayment, each applied by one of the two.
    expect(recovered).toBe(31);
    expect(unmatched).toBe(1);
    expect(await world.settlement(orders)).toEqual({ paid: 30, notPaid: 0, doubled: 0, jobs: 30 });
    expect((await world.store.require(stray.id)).payments).toHaveLength(1);
    expect(await world.unmatched.count()).toBe(1);
  });
});
