import { paidOnChain } from "../../src/catalog/catalog.js";
import type { Order, Payment } from "../../src/orders/order.js";
import { expireOrder, fulfilOrder, refundOrder } from "../../src/orders/state.js";
import { type NewOrder, OrderStore } from "../../src/orders/store.js";
import { PaymentsCore } from "../../src/payments/record.js";
import type { RedisClient } from "../../src/redis/client.js";
import { TON, tonOrder } from "../support/shop.js";

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** The report window used throughout: one day, [W0, W1). */
export const W0 = Date.UTC(2026, 0, 10);
export const W1 = W0 + DAY;

/** A store whose clock the test sets, and payments under both late-payment policies. */
export function clockedShop(redis: RedisClient, prefix: string) {
  const clock = { now: W0 };
  const store = new OrderStore(redis, { prefix, clock: () => clock.now });
  const payments = new PaymentsCore(store, { latePolicy: "fulfil" });
  const holding = new PaymentsCore(store, { latePolicy: "hold" });
  let n = 0;

  async function create(at: number, input: Partial<NewOrder>): Promise<Order> {
    clock.now = at;
    return store.create(tonOrder({ amount: TON, ttlMs: 3 * HOUR, ...input }));
  }

  function payment(order: Order, amount: bigint, at: number, extra: Partial<Payment> = {}) {
    n++;
    return {
      key: `${order.method}:${n.toString(16).padStart(16, "0")}`,
      method: order.method,
      currency: order.currency,
      amount,
      receivedAt: at,
      from: paidOnChain(order.method) ? "UQbuyer" : String(order.userId),
      ...extra,
    } satisfies Payment;
  }

  async function pay(
    order: Order,
    amount: bigint,
    at: number,
    extra: Partial<Payment> = {},
    core = payments,
  ): Promise<Order> {
    clock.now = at;
    return (await core.recordPayment(order.id, payment(order, amount, at, extra))).order;
  }

  /** Refunds the order; `keys` names the payments whose money went back. */
  async function refund(order: Order, at: number, keys: string[] = []): Promise<Order> {
    clock.now = at;
    const next = await store.update(order.id, (o) => {
      const refunded = refundOrder(o, at, keys);
      return refunded && { order: refunded };
    });
    return next.order;
  }

  async function fulfil(order: Order, at: number): Promise<Order> {
    const next = await store.update(order.id, (o) => {
      const fulfilled = fulfilOrder(o, at);
      return fulfilled && { order: fulfilled };
    });
    return next.order;
  }

  async function expire(order: Order, at: number): Promise<Order> {
    const next = await store.update(order.id, (o) => {
      const expired = expireOrder(o, at);
      return expired && { order: expired };
    });
    return next.order;
  }

  return { clock, store, payments, holding, create, pay, refund, fulfil, expire };
}

/**
 * A day of trade around the window [W0, W1), every order made and paid through the store and
 * the payments core. Letters name the orders in the tests.
 */
export async function seedDay(redis: RedisClient, prefix: string) {
  const shop = clockedShop(redis, prefix);
  const { create, pay } = shop;

  // k: created and paid before the window.
  const k = await create(W0 - 5 * HOUR, {});
  await pay(k, TON, W0 - 4 * HOUR);
  // l: Stars, created before the window, paid late inside it and held.
  const l = await create(W0 - 3 * HOUR, {
    method: "stars",
    currency: "XTR",
    amount: 50n,
    productId: "sticker",
    ttlMs: 30 * 60_000,
  });
  await pay(l, 50n, W0 + 2 * HOUR, {}, shop.holding);
  // a: created before the window, overpaid inside it: 2.5 TON for 2.
  const a = await create(W0 - 2 * HOUR, { amount: 2n * TON, ttlMs: 4 * HOUR });
  await pay(a, (5n * TON) / 2n, W0 + HOUR);
  // f: created at the very start of the window, never paid.
  const f = await create(W0, { amount: TON });
  // b: two mugs for 1.5 TON, paid in two parts.
  const b = await create(W0 + HOUR, { amount: (3n * TON) / 2n, quantity: 2 });
  await pay(b, TON / 2n, W0 + HOUR + 60_000);
  await pay(b, TON, W0 + HOUR + 120_000);
  // c: 250 Stars.
  const c = await create(W0 + 2 * HOUR, {
    method: "stars",
    currency: "XTR",
    amount: 250n,
    productId: "sticker",
  });
  await pay(c, 250n, W0 + 2 * HOUR + 60_000);
  // d: a card payment of 25.99 USD: 19.99 goods, 5.00 shipping, 1.00 tip; the buyer's name is a formula.
  const d = await create(W0 + 3 * HOUR, {
    method: "fiat",
    currency: "USD",
    amount: 1999n,
    productId: "tshirt",
  });
  await pay(d, 1999n, W0 + 3 * HOUR + 60_000, {
    reference: {
      telegramChargeId: "tg-charge-d",
      total: "2599",
      shipping: "500",
      tip: "100",
      shippingOptionId: "post",
      orderInfo: JSON.stringify({
        name: '=HYPERLINK("http://evil.example","click")',
        phone_number: "+441234567890",
        email: "@evil",
        shipping_address: {
          country_code: "GB",
          state: "",
          city: "London",
          street_line1: "-1 Baker Street",
          street_line2: "",
          post_code: "NW1",
        },
      }),
    },
  });
  // e: 100 Stars, paid and then refunded.
  const e = await create(W0 + 4 * HOUR, {
    method: "stars",
    currency: "XTR",
    amount: 100n,
    productId: "sticker",
  });
  await pay(e, 100n, W0 + 4 * HOUR + 60_000);
  await shop.refund(e, W0 + 5 * HOUR);
  // g: 3 TON, 1 TON of it paid so far.
  const g = await create(W0 + 7 * HOUR, { amount: 3n * TON });
  await pay(g, TON, W0 + 7 * HOUR + 60_000);
  // m: a card order that expired.
  const m = await create(W0 + 8 * HOUR, {
    method: "fiat",
    currency: "EUR",
    amount: 500n,
    productId: "tshirt",
  });
  await shop.expire(m, W0 + 12 * HOUR);
  // h: created in the window, paid exactly when it closes.
  const h = await create(W0 + 23 * HOUR, {
    method: "stars",
    currency: "XTR",
    amount: 70n,
    productId: "sticker",
  });
  await pay(h, 70n, W1);
  // i: created exactly when the window closes, paid after.
  const i = await create(W1, {
    method: "stars",
    currency: "XTR",
    amount: 80n,
    productId: "sticker",
  });
  await pay(i, 80n, W1 + 60_000);
  // n: a pending card order after the window.
  const n = await create(W1 + 3 * HOUR, {
    method: "fiat",
    currency: "EUR",
    amount: 1250n,
    productId: "tshirt",
  });
  // c was delivered.
  await shop.fulfil(c, W0 + 3 * HOUR);

  return { shop, orders: { a, b, c, d, e, f, g, h, i, k, l, m, n } };
}
