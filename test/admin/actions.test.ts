import { GrammyError } from "grammy";
import { afterAll, describe, expect, it } from "vitest";
import { AdminActions } from "../../src/admin/actions.js";
import { AuditLog } from "../../src/admin/audit.js";
import { ShopReports } from "../../src/admin/reports.js";
import { StockPool } from "../../src/fulfilment/stock.js";
import { silentLogger } from "../../src/log.js";
import { TelegramPayments } from "../../src/payments/telegram/service.js";
import { Subscriptions } from "../../src/payments/telegram/subscriptions.js";
import { exampleCatalog } from "../support/catalog.js";
import { testRedis } from "../support/redis.js";
import { shop, TON, tonOrder } from "../support/shop.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

const ADMIN = 7;
const NOW = 1_800_000_000_000;

/** The admin's use cases on one prefix, and the Star refunds Telegram was asked for. */
function adminDesk(p: string) {
  const { store, payments, unmatched } = shop(redis, p);
  const audit = new AuditLog(redis, p, { clock: () => NOW });
  const reports = new ShopReports(store);
  const telegramPayments = new TelegramPayments({
    redis,
    prefix: p,
    providerToken: undefined,
    store,
    payments,
    unmatched,
    catalog: exampleCatalog,
    stock: new StockPool(redis, { prefix: p }),
    subscriptions: new Subscriptions(redis, p, store),
    log: silentLogger,
  });
  const actions = new AdminActions({
    store,
    payments,
    unmatched,
    reports,
    audit,
    telegramPayments,
    clock: () => NOW,
    log: silentLogger,
  });
  const refunds: [number, string][] = [];
  /** What Telegram was asked, in order: refunds, and subscriptions' renewals stopped. */
  const calls: string[] = [];
  const telegram = {
    refundStarPayment: async (userId: number, chargeId: string) => {
      refunds.push([userId, chargeId]);
      calls.push(`refund ${chargeId}`);
      return true;
    },
    editUserStarSubscription: async (userId: number, chargeId: string, canceled: boolean) => {
      calls.push(`${canceled ? "cancel" : "allow"} ${userId} ${chargeId}`);
      return true;
    },
  };
  const stray = (key: string, extra: Partial<Parameters<typeof unmatched.record>[0]> = {}) =>
    unmatched.record({
      key,
      method: "ton",
      currency: "TON",
      amount: TON,
      receivedAt: NOW - 1000,
      reason: "unknown-comment",
      from: "0:1111111111111111111111111111111111111111111111111111111111111111",
      ...extra,
    });
  /** A subscription to "club" for 250 ⭐, each charge paying the period until `days` from NOW. */
  const subscription = async (charges: [string, number][]) => {
    const order = await store.create(
      tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
    );
    for (const [id, days] of charges) {
      await payments.recordPayment(order.id, subscriptionCharge(id, days));
    }
    return order;
  };
  return {
    store,
    payments,
    unmatched,
    audit,
    actions,
    telegram,
    refunds,
    calls,
    stray,
    subscription,
  };
}

/** A subscription's Stars charge `id`, paying the period until `days` from NOW. */
function subscriptionCharge(id: string, days: number) {
  return {
    key: `stars:${id}`,
    method: "stars" as const,
    currency: "XTR",
    amount: 250n,
    receivedAt: NOW,
    reference: { telegramChargeId: id },
    period: { until: NOW + days * 86_400_000 },
  };
}

describe("AdminActions", () => {
  it("attaches a stray payment to an order by its comment, closes it, and audits it", async () => {
    const desk = adminDesk(`${prefix}attach:`);
    const order = await desk.store.create(tonOrder({ amount: TON }));
    await desk.stray("ton:aa11bb22cc33");

    const result = await desk.actions.attach(ADMIN, "ton:aa11bb22", order.comment ?? "");

    expect(result).toMatchObject({ kind: "attached", order: { id: order.id, status: "paid" } });
    expect(await desk.unmatched.get("ton:aa11bb22cc33")).toMatchObject({
      resolved: { by: ADMIN, at: NOW, orderId: order.id },
    });
    expect(await desk.audit.list()).toMatchObject([
      {
        adminId: ADMIN,
        action: "attach",
        orderId: order.id,
        detail: { paymentKey: "ton:aa11bb22cc33", outcome: "paid" },
      },
    ]);
  });

  it("refuses to attach money in another currency, or to an order that does not exist", async () => {
    const desk = adminDesk(`${prefix}attach-refused:`);
    const order = await desk.store.create(tonOrder());
    await desk.stray("stars:ch_1234567", { method: "stars", currency: "XTR", amount: 150n });

    expect(await desk.actions.attach(ADMIN, "stars:ch_1234567", order.id)).toEqual({
      kind: "wrong-currency",
      currency: "TON",
    });
    expect(await desk.actions.attach(ADMIN, "stars:ch_1234567", "ord_none")).toEqual({
      kind: "not-found",
    });
    expect((await desk.store.require(order.id)).paid).toBe(0n);
    expect(await desk.unmatched.count()).toBe(1);
    expect(await desk.audit.list()).toEqual([]);
  });

  it("releases only a held order", async () => {
    const desk = adminDesk(`${prefix}release:`);
    const order = await desk.store.create(tonOrder());

    expect(await desk.actions.release(ADMIN, order.id)).toEqual({
      kind: "not-held",
      orderId: order.id,
    });
    expect(await desk.actions.release(ADMIN, "ord_none")).toEqual({ kind: "not-found" });
    expect(await desk.audit.list()).toEqual([]);
  });

  it("stops a subscription's renewal before refunding it, so the buyer is not charged again", async () => {
    const desk = adminDesk(`${prefix}refund-subscription:`);
    const order = await desk.subscription([
      ["sub_1", 30],
      ["sub_2", 60],
    ]);

    expect(await desk.actions.refund(ADMIN, order.id, desk.telegram)).toEqual({
      kind: "refunded",
      ref: order.id,
    });
    expect(desk.calls).toEqual(["cancel 42 sub_1", "refund sub_1", "refund sub_2"]);
    const refunded = await desk.store.require(order.id);
    expect(refunded.status).toBe("refunded");
    // Both periods' charges went back, and each payment says so.
    expect(refunded.payments.map((p) => p.refundedAt)).toEqual([
      refunded.refundedAt,
      refunded.refundedAt,
    ]);
  });

  it("refunds one period of a subscription by its payment, and each payment once", async () => {
    const desk = adminDesk(`${prefix}refund-one-period:`);
    const order = await desk.subscription([
      ["sub_1", 30],
      ["sub_2", 60],
    ]);

    expect(await desk.actions.refund(ADMIN, "stars:sub_2", desk.telegram)).toEqual({
      kind: "refunded",
      ref: order.id,
    });
    expect(desk.calls).toEqual(["cancel 42 sub_1", "refund sub_2"]);
    const once = await desk.store.require(order.id);
    expect(once.status).toBe("refunded");
    expect(once.payments.map((p) => p.refundedAt)).toEqual([undefined, once.refundedAt]);

    // The same payment again is refused; the other period may still be given back.
    expect(await desk.actions.refund(ADMIN, "stars:sub_2", desk.telegram)).toEqual({
      kind: "refused",
      reason: `payment stars:sub_2 of order ${order.id} is refunded already`,
    });
    expect(await desk.actions.refund(ADMIN, "stars:sub_1", desk.telegram)).toMatchObject({
      kind: "refunded",
    });
    expect(desk.refunds).toEqual([
      [42, "sub_2"],
      [42, "sub_1"],
    ]);
    const both = await desk.store.require(order.id);
    expect(both.payments.every((p) => p.refundedAt !== undefined)).toBe(true);
    // The whole order, refunded already, is refused.
    expect(await desk.actions.refund(ADMIN, order.id, desk.telegram)).toMatchObject({
      kind: "refused",
    });
    expect(desk.refunds).toHaveLength(2);
  });

  it("refunds an earlier period alone and leaves the subscription running", async () => {
    const desk = adminDesk(`${prefix}refund-earlier-period:`);
    const order = await desk.subscription([
      ["sub_1", 30],
      ["sub_2", 60],
    ]);

    expect(await desk.actions.refund(ADMIN, "stars:sub_1", desk.telegram)).toEqual({
      kind: "payment-refunded",
      ref: "stars:sub_1",
      orderId: order.id,
      status: "paid",
    });
    // Money back, and no word to Telegram about the renewal.
    expect(desk.calls).toEqual(["refund sub_1"]);
    const after = await desk.store.require(order.id);
    expect(after.status).toBe("paid");
    expect(after.subscription).toMatchObject({ periods: 2, renewal: "on" });
    expect(after.payments.map((p) => p.refundedAt !== undefined)).toEqual([true, false]);
  });

  it("keeps a renewal charged while the subscription was being refunded, with renewal off", async () => {
    const desk = adminDesk(`${prefix}refund-meets-renewal:`);
    const order = await desk.subscription([["sub_1", 30]]);
    // Telegram charges the next period just as the refund of this one goes through.
    const telegram = {
      ...desk.telegram,
      refundStarPayment: async (userId: number, chargeId: string) => {
        await desk.payments.recordPayment(order.id, subscriptionCharge("sub_2", 60));
        return desk.telegram.refundStarPayment(userId, chargeId);
      },
    };

    expect(await desk.actions.refund(ADMIN, order.id, telegram)).toMatchObject({
      kind: "payment-refunded",
      status: "paid",
    });
    expect(desk.calls).toEqual(["cancel 42 sub_1", "refund sub_1"]);
    const after = await desk.store.require(order.id);
    expect(after.subscription).toMatchObject({ periods: 2, renewal: "canceled" });
    expect(after.payments.map((p) => p.refundedAt !== undefined)).toEqual([true, false]);
  });

  it("refunds a subscription Telegram will not stop the renewal of, and keeps it paid while Telegram is away", async () => {
    const desk = adminDesk(`${prefix}refund-gone-subscription:`);
    const order = await desk.subscription([["sub_9", 30]]);
    const answer = (code: number, description: string) =>
      new GrammyError(
        "Call to 'editUserStarSubscription' failed!",
        { ok: false, error_code: code, description },
        "editUserStarSubscription",
        {},
      );
    let refusal = answer(502, "Bad Gateway");
    const telegram = {
      ...desk.telegram,
      editUserStarSubscription: async () => {
        throw refusal;
      },
    };

    // Telegram away: nothing refunded, the admin may try again.
    await expect(desk.actions.refund(ADMIN, order.id, telegram)).rejects.toBe(refusal);
    expect(desk.refunds).toEqual([]);
    expect((await desk.store.require(order.id)).status).toBe("paid");

    // Telegram says no for good (the subscription is gone there): the refund goes on.
    refusal = answer(400, "Bad Request: CHARGE_ID_INVALID");
    expect(await desk.actions.refund(ADMIN, order.id, telegram)).toEqual({
      kind: "refunded",
      ref: order.id,
    });
    expect(desk.refunds).toEqual([[42, "sub_9"]]);
    expect((await desk.store.require(order.id)).status).toBe("refunded");
  });

  it("refunds stray Stars through Telegram, and says where to send stray TON back", async () => {
    const desk = adminDesk(`${prefix}refund:`);
    await desk.stray("stars:ch_7777777", {
      method: "stars",
      currency: "XTR",
      amount: 150n,
      from: "42",
      reference: { telegramChargeId: "ch_7777777" },
    });
    await desk.stray("ton:dd44ee55ff66");

    expect(await desk.actions.refund(ADMIN, "stars:ch_7777777", desk.telegram)).toEqual({
      kind: "refunded",
      ref: "stars:ch_77777",
    });
    expect(desk.refunds).toEqual([[42, "ch_7777777"]]);
    expect(await desk.actions.refund(ADMIN, "ton:dd44ee55", desk.telegram)).toEqual({
      kind: "send-back",
      ref: "ton:dd44ee55",
      amount: TON,
      currency: "TON",
      to: "0:1111111111111111111111111111111111111111111111111111111111111111",
    });
    expect(desk.refunds).toHaveLength(1);
    expect((await desk.audit.list()).map((entry) => entry.action)).toEqual([
      "refund-note",
      "refund",
    ]);
    expect(await desk.unmatched.count()).toBe(1);
  });

  it("says where to send a paid USDT order's money back, in USDT, rather than asking Telegram", async () => {
    const desk = adminDesk(`${prefix}refund-usdt:`);
    const buyer = "0:2222222222222222222222222222222222222222222222222222222222222222";
    const order = await desk.store.create(
      tonOrder({ method: "usdt", currency: "USDT", amount: 12_500_000n }),
    );
    await desk.payments.recordPayment(order.id, {
      key: "usdt:ee77ff88aa99",
      method: "usdt",
      currency: "USDT",
      amount: 12_500_000n,
      receivedAt: NOW - 1000,
      from: buyer,
    });

    expect(await desk.actions.refund(ADMIN, order.id, desk.telegram)).toEqual({
      kind: "send-back",
      ref: order.id,
      amount: 12_500_000n,
      currency: "USDT",
      to: buyer,
    });
    expect(desk.refunds).toEqual([]);
    expect((await desk.audit.list()).map((entry) => entry.action)).toEqual(["refund-note"]);
  });

  it("closes a stray payment by its reference, and exports the last 30 days", async () => {
    const desk = adminDesk(`${prefix}resolve:`);
    await desk.stray("ton:0123456789ab");

    expect(await desk.actions.resolve(ADMIN, "ton:0")).toEqual({ kind: "not-found" });
    expect(await desk.actions.resolve(ADMIN, "ton:01234567")).toEqual({
      kind: "resolved",
      ref: "ton:01234567",
    });
    expect(await desk.unmatched.count()).toBe(0);

    const exported = await desk.actions.exportOrders(ADMIN);
    expect(exported).toMatchObject({ from: NOW - 30 * 86_400_000, to: NOW });
    expect(exported.csv.split("\n")[0]).toContain("order_id");
    expect((await desk.audit.list()).map((entry) => entry.action)).toEqual(["export", "resolve"]);
  });
});
