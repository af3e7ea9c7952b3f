import type { SuccessfulPayment } from "grammy/types";
import { afterAll, describe, expect, it } from "vitest";
import { parseCatalog } from "../../../src/catalog/catalog.js";
import { StockPool } from "../../../src/fulfilment/stock.js";
import { silentLogger } from "../../../src/log.js";
import { RENEWAL_GRACE_MS } from "../../../src/orders/state.js";
import { TelegramPayments } from "../../../src/payments/telegram/service.js";
import { Subscriptions } from "../../../src/payments/telegram/subscriptions.js";
import { streamEntries } from "../../support/partitions.js";
import { testRedis } from "../../support/redis.js";
import { shop, tonOrder } from "../../support/shop.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

const PERIOD_S = 2_592_000;
const catalog = parseCatalog(
  {
    products: [
      {
        id: "club",
        kind: "subscription",
        title: "Club",
        description: "The private club",
        prices: { stars: "250" },
        access: { chatId: -1001234567890 },
      },
    ],
  },
  { fiatCurrency: "USD" },
);

let run = 0;
function world() {
  const p = `${prefix}${++run}:`;
  const parts = shop(redis, p);
  const subscriptions = new Subscriptions(redis, p, parts.store);
  const payments = new TelegramPayments({
    redis,
    prefix: p,
    providerToken: undefined,
    ...parts,
    catalog,
    stock: new StockPool(redis, { prefix: p }),
    subscriptions,
    log: silentLogger,
  });
  return { ...parts, prefix: p, telegram: payments, subscriptions };
}

const payer = { id: 42, first_name: "Ada" };

/** Telegram's pre_checkout_query for a 250 ⭐ order, from the payer or another buyer. */
function checkoutOf(telegram: TelegramPayments) {
  return (orderId: string, userId = payer.id) =>
    telegram.preCheckout({
      id: `q-${orderId}-${userId}`,
      from: { ...payer, id: userId, is_bot: false },
      currency: "XTR",
      total_amount: 250,
      invoice_payload: orderId,
    });
}

/** A subscription's successful_payment as Telegram sends it: the first one, or a renewal. */
function charge(
  orderId: string,
  chargeId: string,
  until: number,
  first: boolean,
): SuccessfulPayment {
  return {
    currency: "XTR",
    total_amount: 250,
    invoice_payload: orderId,
    telegram_payment_charge_id: chargeId,
    provider_payment_charge_id: "",
    is_recurring: true,
    ...(first ? { is_first_recurring: true } : {}),
    subscription_expiration_date: until,
  };
}

describe("a subscription's Stars payments", () => {
  it("start the subscription with the first charge, and renew it once per renewal however often it arrives", async () => {
    const { store, telegram } = world();
    const order = await store.create(
      tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
    );
    const start = Math.floor(Date.now() / 1000);

    const first = await telegram.successfulPayment(
      payer,
      charge(order.id, "c1", start + PERIOD_S, true),
    );
    expect(first?.outcome.kind).toBe("paid");
    expect(first?.order.subscription).toEqual({
      chargeId: "c1",
      periods: 1,
      paidUntil: (start + PERIOD_S) * 1000,
      renewal: "on",
    });

    const renewal = charge(order.id, "c2", start + 2 * PERIOD_S, false);
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => telegram.successfulPayment(payer, renewal)),
    );
    expect(outcomes.map((o) => o?.outcome.kind).sort()).toEqual([
      "duplicate",
      "duplicate",
      "renewed",
    ]);
    const stored = await store.require(order.id);
    expect(stored.subscription).toMatchObject({
      chargeId: "c1",
      periods: 2,
      paidUntil: (start + 2 * PERIOD_S) * 1000,
    });
    expect(stored.payments.map((p) => [p.key, p.period?.until])).toEqual([
      ["stars:c1", (start + PERIOD_S) * 1000],
      ["stars:c2", (start + 2 * PERIOD_S) * 1000],
    ]);
  });

  it("keep a refund of one period's charge on that period, and announce the order refunded once", async () => {
    const { store, telegram } = world();
    const order = await store.create(
      tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
    );
    const start = Math.floor(Date.now() / 1000);
    await telegram.successfulPayment(payer, charge(order.id, "c1", start + PERIOD_S, true));
    await telegram.successfulPayment(payer, charge(order.id, "c2", start + 2 * PERIOD_S, false));
    const refund = (chargeId: string) =>
      telegram.refunded({
        currency: "XTR",
        total_amount: 250,
        invoice_payload: order.id,
        telegram_payment_charge_id: chargeId,
      });

    const refunded = await refund("c2");
    expect(refunded?.status).toBe("refunded");
    expect(refunded?.payments.map((p) => [p.key, p.refundedAt !== undefined])).toEqual([
      ["stars:c1", false],
      ["stars:c2", true],
    ]);
    // The same update again, then the other charge's refund: kept on its payment, not announced.
    await refund("c2");
    const both = await refund("c1");
    expect(both?.payments.every((p) => p.refundedAt !== undefined)).toBe(true);
    expect(both?.refundedAt).toBe(refunded?.refundedAt);
    const events = (await streamEntries(redis, store.keys.events))
      .filter(([, fields]) => fields[1] === order.id)
      .map(([, fields]) => JSON.parse(fields[3] ?? "{}").type);
    expect(events.filter((type) => type === "order.refunded")).toHaveLength(1);
  });

  it("keep Telegram's word on renewal on the order, once, and only for the subscriber's own", async () => {
    const { store, telegram } = world();
    const order = await store.create(
      tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
    );
    const until = Math.floor(Date.now() / 1000) + PERIOD_S;
    await telegram.successfulPayment(payer, charge(order.id, "c1", until, true));
    const update = (state: "canceled" | "active" | "failed", user = payer) => ({
      user: { ...user, is_bot: false },
      invoice_payload: order.id,
      state,
    });

    expect(
      await telegram.subscriptionUpdated(update("canceled", { id: 7, first_name: "Eve" })),
    ).toBeUndefined();
    expect((await store.require(order.id)).subscription?.renewal).toBe("on");

    await telegram.subscriptionUpdated(update("canceled"));
    await telegram.subscriptionUpdated(update("canceled"));
    expect((await store.require(order.id)).subscription).toMatchObject({
      renewal: "canceled",
      paidUntil: until * 1000,
    });
    await telegram.subscriptionUpdated(update("active"));
    await telegram.subscriptionUpdated(update("failed"));
    expect((await store.require(order.id)).subscription?.renewal).toBe("failed");

    const events = (await streamEntries(redis, store.keys.events))
      .filter(([, fields]) => fields[1] === order.id)
      .map(([, fields]) => JSON.parse(fields[3] ?? "{}"))
      .filter((event) => event.type === "order.renewal");
    expect(events.map((event) => event.detail.renewal)).toEqual(["canceled", "on", "failed"]);
  });

  it("change nothing for an order that is no subscription", async () => {
    const { store, telegram } = world();
    const order = await store.create(
      tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
    );
    const changed = await telegram.subscriptionUpdated({
      user: { ...payer, is_bot: false },
      invoice_payload: order.id,
      state: "failed",
    });
    expect(changed).toBeUndefined();
    expect((await store.require(order.id)).version).toBe(order.version);
  });

  it("are indexed by buyer and product, and by when access ends: at the period's end once renewal is off", async () => {
    const { store, telegram, prefix: p } = world();
    const subscriptions = new Subscriptions(redis, p, store);
    const order = await store.create(
      tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
    );
    expect(await subscriptions.activeFor(payer.id, "club")).toBeUndefined();
    const until = Math.floor(Date.now() / 1000) + PERIOD_S;
    const started = await telegram.successfulPayment(payer, charge(order.id, "c1", until, true));
    if (!started) throw new Error("the first payment is recorded");
    // Twice, as a retried fulfilment step would: the index stays one entry.
    await subscriptions.track(started.order);
    await subscriptions.track(started.order);

    expect((await subscriptions.activeFor(payer.id, "club"))?.id).toBe(order.id);
    expect(await subscriptions.due(until * 1000 + RENEWAL_GRACE_MS - 1)).toEqual([]);
    expect(await subscriptions.due(until * 1000 + RENEWAL_GRACE_MS)).toEqual([order.id]);

    const canceled = await telegram.subscriptionUpdated({
      user: { ...payer, is_bot: false },
      invoice_payload: order.id,
      state: "canceled",
    });
    if (!canceled) throw new Error("the cancellation is kept");
    await subscriptions.track(canceled);
    expect(await subscriptions.due(until * 1000 - 1)).toEqual([]);
    expect(await subscriptions.due(until * 1000)).toEqual([order.id]);
    expect((await subscriptions.of(payer.id)).map((o) => o.id)).toEqual([order.id]);
  });

  it("go on when Telegram refunds an earlier period's charge, which is kept on its payment", async () => {
    const { store, telegram, subscriptions } = world();
    const order = await store.create(
      tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
    );
    const start = Math.floor(Date.now() / 1000);
    await telegram.successfulPayment(payer, charge(order.id, "c1", start + PERIOD_S, true));
    await telegram.successfulPayment(payer, charge(order.id, "c2", start + 2 * PERIOD_S, false));

    const after = await telegram.refunded({
      currency: "XTR",
      total_amount: 250,
      invoice_payload: order.id,
      telegram_payment_charge_id: "c1",
    });

    expect(after?.status).toBe("paid");
    expect(after?.payments.map((p) => p.refundedAt !== undefined)).toEqual([true, false]);
    expect((await subscriptions.activeFor(payer.id, "club"))?.id).toBe(order.id);
    expect(await subscriptions.due(Date.now())).toEqual([]);
    const events = (await streamEntries(redis, store.keys.events))
      .filter(([, fields]) => fields[1] === order.id)
      .map(([, fields]) => JSON.parse(fields[3] ?? "{}").type);
    expect(events).not.toContain("order.refunded");
  });

  it("end access at the refund, not at the period's end, when a charge is refunded", async () => {
    const { store, telegram, subscriptions } = world();
    const order = await store.create(
      tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
    );
    const until = Math.floor(Date.now() / 1000) + PERIOD_S;
    const started = await telegram.successfulPayment(payer, charge(order.id, "c1", until, true));
    if (!started) throw new Error("the first payment is recorded");
    await subscriptions.track(started.order);
    expect(await subscriptions.due(Date.now())).toEqual([]);

    const refunded = await telegram.refunded({
      currency: "XTR",
      total_amount: 250,
      invoice_payload: order.id,
      telegram_payment_charge_id: "c1",
    });

    expect(refunded?.refundedAt).toBeDefined();
    expect(await subscriptions.due(refunded?.refundedAt ?? 0)).toEqual([order.id]);
    expect(await subscriptions.activeFor(payer.id, "club")).toBeUndefined();
  });

  it("go through one checkout at a time for a product: a second at the same moment is refused", async () => {
    const { store, telegram } = world();
    const orders = await Promise.all(
      [1, 2, 3].map(() =>
        store.create(
          tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
        ),
      ),
    );
    const checkout = checkoutOf(telegram);

    const verdicts = await Promise.all(orders.map((order) => checkout(order.id)));
    const passed = verdicts.filter((v) => v.ok);
    expect(passed).toHaveLength(1);
    expect(verdicts.filter((v) => !v.ok)).toEqual([
      { ok: false, reason: "subscribing" },
      { ok: false, reason: "subscribing" },
    ]);
    const held = orders[verdicts.findIndex((v) => v.ok)];
    if (!held) throw new Error("one checkout goes through");
    // The same order's checkout again (the buyer reopened the form) goes through.
    expect(await checkout(held.id)).toMatchObject({ ok: true });

    // Once its payment is recorded, the hold gives way to the subscription itself.
    const until = Math.floor(Date.now() / 1000) + PERIOD_S;
    await telegram.successfulPayment(payer, charge(held.id, "c1", until, true));
    const other = orders.find((order) => order !== held);
    if (!other) throw new Error("three orders");
    expect(await checkout(other.id)).toEqual({ ok: false, reason: "subscribed" });
  });

  it("let go of a buyer's checkout refused because someone else is paying the shared link", async () => {
    const { store, telegram } = world();
    const link = await store.create(
      tonOrder({ userId: 0, productId: "club", method: "stars", currency: "XTR", amount: 250n }),
    );
    const own = await store.create(
      tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
    );
    const checkout = checkoutOf(telegram);

    expect(await checkout(link.id, 7)).toMatchObject({ ok: true });
    expect(await checkout(link.id, payer.id)).toEqual({ ok: false, reason: "taken" });
    // The refused checkout holds nothing: the buyer's own order goes through at once.
    expect(await checkout(own.id, payer.id)).toMatchObject({ ok: true });
  });

  it("are one per buyer and product: a second order's checkout is refused while the first lasts", async () => {
    const { store, telegram, subscriptions } = world();
    const create = () =>
      store.create(tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }));
    const first = await create();
    const second = await create();
    const checkout = checkoutOf(telegram);
    expect(await checkout(first.id)).toMatchObject({ ok: true });
    const until = Math.floor(Date.now() / 1000) + PERIOD_S;
    const started = await telegram.successfulPayment(payer, charge(first.id, "c1", until, true));
    if (!started) throw new Error("the first payment is recorded");
    await subscriptions.track(started.order);

    expect(await checkout(second.id)).toEqual({ ok: false, reason: "subscribed" });
    expect((await store.require(second.id)).status).toBe("pending");

    // An ended subscription of the same product, tracked later (as a retried step might), leaves
    // the buyer's entry on the live one; once that one is refunded, the second may be bought.
    await subscriptions.track({
      ...second,
      subscription: { chargeId: "c0", periods: 1, paidUntil: 1, renewal: "canceled", endedAt: 1 },
    });
    expect((await subscriptions.activeFor(payer.id, "club"))?.id).toBe(first.id);
    await telegram.refunded({
      currency: "XTR",
      total_amount: 250,
      invoice_payload: first.id,
      telegram_payment_charge_id: "c1",
    });
    expect(await checkout(second.id)).toMatchObject({ ok: true });
  });
});
