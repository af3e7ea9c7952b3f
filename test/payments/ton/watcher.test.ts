import { Address, beginCell, toNano } from "@ton/core";
import { describe, expect, it } from "vitest";
import { PaymentsCore } from "../../../src/payments/record.js";
import type { ObservedTransaction } from "../../../src/payments/ton/observed.js";
import { TON, tonOrder } from "../../support/shop.js";
import {
  pollUntilSettled,
  type TonWorld,
  tamperedSource,
  tonWorldPerTest,
} from "../../support/ton-world.js";

let world: TonWorld;
tonWorldPerTest((fresh) => {
  world = fresh;
});

describe("PaymentWatcher", () => {
  it("applies dust to an order still open, and keeps dust sent to a paid order's comment as dust", async () => {
    const watcher = await world.initialisedWatcher();
    const open = await world.store.create(tonOrder({ amount: TON }));
    const [paid] = await world.payOrders(1, TON);
    if (!paid) throw new Error("order not created");
    // A buyer who owes a little can pay it in dust: an open order takes it.
    await world.chain.injectPayments(world.merchant.address, [
      { amount: 999_000n, comment: open.comment ?? "" },
    ]);
    await watcher.pollOnce();
    // The paid order's comment is now public on chain; anyone may send dust with it.
    await world.chain.injectPayments(world.merchant.address, [
      { amount: 1n, comment: paid.comment ?? "" },
      { amount: 500n, comment: paid.comment ?? "" },
    ]);
    await watcher.pollOnce();

    const stillOpen = await world.store.require(open.id);
    expect(stillOpen).toMatchObject({ status: "pending", paid: 999_000n });
    const after = await world.store.require(paid.id);
    expect(after.payments).toHaveLength(1);
    expect(after.paid).toBe(TON);
    const kept = await world.unmatched.list(10);
    // Both arrived in the same second: compare them smallest first.
    const byAmount = kept.sort((a, b) => (a.amount < b.amount ? -1 : 1));
    expect(byAmount.map((p) => [p.amount, p.reason, p.comment])).toEqual([
      [1n, "dust", paid.comment],
      [500n, "dust", paid.comment],
    ]);
  });

  it("starts at the wallet's newest transaction without replaying history", async () => {
    await world.chain.injectPayments(world.merchant.address, [{ amount: TON, comment: "old" }]);
    const watcher = world.watcher();
    await watcher.pollOnce();
    expect(await watcher.cursor()).toEqual(world.newestTransaction());
    expect(await world.unmatched.count()).toBe(0);
  });

  it("applies a gap of 350 transactions across several pages, each exactly once", async () => {
    const watcher = await world.initialisedWatcher();
    const orders = await world.payOrders(350);
    const result = await watcher.pollOnce();
    expect(result).toMatchObject({ kind: "processed", transactions: 350, payments: 350 });
    expect(await world.settlement(orders)).toEqual({
      paid: 350,
      notPaid: 0,
      doubled: 0,
      jobs: 350,
    });
    expect(await watcher.cursor()).toEqual(world.newestTransaction());
    // getTransactions: 4 pages of 99 for 350 items.
    expect(world.emulator.stats.byMethod.getTransactions).toBeGreaterThanOrEqual(4);
  });

  it("costs one toncenter request per idle poll", async () => {
    const client = world.client();
    const watcher = world.watcher({ source: client });
    await watcher.pollOnce();
    const before = client.requests;
    for (let i = 0; i < 10; i++) expect((await watcher.pollOnce()).kind).toBe("idle");
    expect(client.requests - before).toBe(10);
  });

  it("survives a restart in the middle of a burst: nothing lost, nothing doubled", async () => {
    const original = await world.initialisedWatcher();
    const first = await world.payOrders(120);
    // The process dies after applying 50 payments, with all 120 keys claimed ahead: the cursor
    // must not have moved, and the next poll applies the other 70 over their own claims.
    let applied = 0;
    const crashing = new PaymentsCore(world.store, { latePolicy: "fulfil" });
    const record = crashing.recordPayment.bind(crashing);
    crashing.recordPayment = async (orderId, payment) => {
      if (++applied > 50) throw new Error("killed");
      return record(orderId, payment);
    };
    const doomed = world.watcher({
      payments: crashing,
      concurrency: 1,
      owner: original.lease.owner,
    });
    const cursorBefore = await doomed.cursor();
    await expect(doomed.pollOnce()).rejects.toThrow("killed");
    expect(await doomed.cursor()).toEqual(cursorBefore);
    expect((await world.settlement(first)).paid).toBe(50);

    // More money arrives while it is down; a fresh process picks everything up.
    const second = await world.payOrders(30);
    const restarted = world.watcher({ owner: "restarted" });
    await doomed.lease.release();
    await pollUntilSettled(restarted);
    expect(await world.settlement([...first, ...second])).toEqual({
      paid: 150,
      notPaid: 0,
      doubled: 0,
      jobs: 150,
    });
    expect(await restarted.cursor()).toEqual(world.newestTransaction());
  });

  it("gets through 30% rate limits and 10% server errors", async () => {
    const first = await world.initialisedWatcher();
    // Small pages mean many requests, so the fault rates show.
    const watcher = world.watcher({ pageSize: 5, owner: first.lease.owner });
    const orders = await world.payOrders(300);
    world.setFaults({ seed: 11, rateLimitRate: 0.3, serverErrorRate: 0.1 });
    await pollUntilSettled(watcher);
    expect(await world.settlement(orders)).toEqual({
      paid: 300,
      notPaid: 0,
      doubled: 0,
      jobs: 300,
    });
    expect(await watcher.cursor()).toEqual(world.newestTransaction());
    expect(world.emulator.stats.rateLimited).toBeGreaterThan(0);
    expect(world.emulator.stats.serverErrors).toBeGreaterThan(0);
  });

  it("keeps paging when toncenter returns short pages", async () => {
    const watcher = await world.initialisedWatcher();
    const orders = await world.payOrders(120);
    world.setFaults({ shortPageMax: 7 });
    await pollUntilSettled(watcher);
    expect(await world.settlement(orders)).toEqual({
      paid: 120,
      notPaid: 0,
      doubled: 0,
      jobs: 120,
    });
    expect(await watcher.cursor()).toEqual(world.newestTransaction());
  });

  it("applies each payment once when pages repeat transactions already seen", async () => {
    const watcher = await world.initialisedWatcher();
    const orders = await world.payOrders(250);
    world.setFaults({ duplicateRate: 1, seed: 3 });
    await pollUntilSettled(watcher);
    expect(await world.settlement(orders)).toEqual({
      paid: 250,
      notPaid: 0,
      doubled: 0,
      jobs: 250,
    });
  });

  it("applies each payment once when the same page arrives twice in one poll", async () => {
    const watcher = await world.initialisedWatcher();
    const orders = await world.payOrders(150);
    let previous: ObservedTransaction[] = [];
    const source = tamperedSource(world.client(), (page) => {
      const doubled = [...previous, ...page];
      previous = page;
      return doubled;
    });
    const repeating = world.watcher({ source, owner: watcher.lease.owner });
    await pollUntilSettled(repeating);
    expect(await world.settlement(orders)).toEqual({
      paid: 150,
      notPaid: 0,
      doubled: 0,
      jobs: 150,
    });
  });

  it("runs one watcher when two share a wallet, and still pays each order once", async () => {
    const a = world.watcher({ owner: "a", leaseTtlMs: 200 });
    const b = world.watcher({ owner: "b", leaseTtlMs: 200 });
    await a.pollOnce();
    const orders: Awaited<ReturnType<typeof world.payOrders>> = [];
    const leaders = new Set<string>();
    for (let round = 0; round < 6; round++) {
      orders.push(...(await world.payOrders(40)));
      const results = await Promise.all([
        a.pollOnce().catch(() => undefined),
        b.pollOnce().catch(() => undefined),
      ]);
      expect(
        results.filter((r) => r?.kind === "processed" || r?.kind === "idle").length,
      ).toBeLessThanOrEqual(1);
      results.forEach((r, i) => {
        if (r && r.kind !== "not-leader") leaders.add(i === 0 ? "a" : "b");
      });
      // Let the lease lapse now and then so leadership can move.
      if (round % 2 === 1) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    await pollUntilSettled(a.lease.fence !== undefined ? a : b);
    expect(await world.settlement(orders)).toEqual({
      paid: 240,
      notPaid: 0,
      doubled: 0,
      jobs: 240,
    });
    expect(await a.cursor()).toEqual(world.newestTransaction());
    expect(leaders.size).toBeGreaterThanOrEqual(1);
  });

  it("keeps its lease through a poll that takes longer than the lease lives", async () => {
    const watcher = await world.initialisedWatcher({ pageSize: 5, leaseTtlMs: 150 });
    const orders = await world.payOrders(20);
    // Five pages at 100 ms each: the lease would lapse twice over without its renewals.
    world.setFaults({ latencyMs: 100 });

    const result = await watcher.pollOnce();

    expect(result).toMatchObject({ kind: "processed", payments: 20 });
    expect(await watcher.cursor()).toEqual(world.newestTransaction());
    expect(await world.settlement(orders)).toEqual({ paid: 20, notPaid: 0, doubled: 0, jobs: 20 });
  });

  it("does not move the cursor over a gap in the transaction chain", async () => {
    const watcher = await world.initialisedWatcher();
    const orders = await world.payOrders(20);
    const cursorBefore = await watcher.cursor();
    // Drop one transaction from the middle of the page, as a broken node might.
    const holey = world.watcher({
      source: tamperedSource(world.client(), (page) => page.filter((_, i) => i !== 10)),
      owner: watcher.lease.owner,
    });
    const result = await holey.pollOnce();
    expect(result.kind).toBe("gap");
    expect(await holey.cursor()).toEqual(cursorBefore);
    expect((await world.settlement(orders)).paid).toBe(0);
    // A healthy poll afterwards applies everything.
    await pollUntilSettled(watcher);
    expect(await world.settlement(orders)).toEqual({ paid: 20, notPaid: 0, doubled: 0, jobs: 20 });
  });

  it("never pays an order with a jetton, even a GRAM jetton carrying the order's comment: the notification's forward TON is kept as a binary-comment payment", async () => {
    const watcher = await world.initialisedWatcher();
    const order = await world.store.create(tonOrder({ amount: TON }));
    // What a jetton wallet sends its owner on a transfer (TEP-74 transfer_notification): the
    // jetton amount — here exactly the order's price in 9-decimal units, as a jetton calling
    // itself GRAM would have it — the sender, and a forward payload with the order's comment.
    // Nothing in it says which jetton it is: the master's metadata never reaches this wallet.
    const forwardPayload = beginCell()
      .storeUint(0, 32)
      .storeStringTail(order.comment ?? "")
      .endCell();
    const notification = beginCell()
      .storeUint(0x7362d09c, 32)
      .storeUint(7, 64)
      .storeCoins(TON)
      .storeAddress(Address.parseRaw(`0:${"ab".repeat(32)}`))
      .storeBit(true)
      .storeRef(forwardPayload)
      .endCell();
    const jettonWallet = await world.chain.createWallet({ version: "v4" });
    await world.chain.transfer(jettonWallet, world.merchant.address, toNano("0.05"), {
      body: notification,
      bounce: false,
    });

    const result = await watcher.pollOnce();

    expect(result).toMatchObject({ kind: "processed", payments: 0, unmatched: 1 });
    expect(await world.store.require(order.id)).toMatchObject({
      status: "pending",
      paid: 0n,
      payments: [],
      exceptions: [],
    });
    const [kept] = await world.unmatched.list(10);
    expect(kept).toMatchObject({ amount: toNano("0.05"), reason: "binary-comment" });
    expect(Address.parse(kept?.from ?? "").equals(jettonWallet.address)).toBe(true);
  });

  it("records payments it cannot match for the admin instead of dropping them", async () => {
    const watcher = await world.initialisedWatcher();
    const [order] = await Promise.all([world.store.create(tonOrder())]);
    await world.chain.injectPayments(world.merchant.address, [
      { amount: TON, comment: "TP-ZZZZZZZZ" },
      { amount: TON, comment: "hello" },
      { amount: TON },
      { amount: TON, comment: order?.comment?.toLowerCase() },
    ]);
    const result = await watcher.pollOnce();
    expect(result).toMatchObject({ kind: "processed", payments: 1, unmatched: 3 });
    const reasons = (await world.unmatched.list()).map((u) => u.reason).sort();
    expect(reasons).toEqual(["no-comment", "unknown-comment", "unknown-comment"]);
    expect((await world.store.require(order?.id ?? "")).status).toBe("pending");
    expect((await world.store.require(order?.id ?? "")).exceptions).toEqual(["underpaid"]);
  });
});
