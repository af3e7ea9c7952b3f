import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShopReports } from "../../src/admin/reports.js";
import type { Order } from "../../src/orders/order.js";
import { refundPayments } from "../../src/orders/state.js";
import { testRedis } from "../support/redis.js";
import { TON } from "../support/shop.js";
import { clockedShop, DAY, HOUR, seedDay, W0, W1 } from "./fixture.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

describe("a day of trade", () => {
  const p = `${prefix}day:`;
  let reports: ShopReports;
  let orders: Awaited<ReturnType<typeof seedDay>>["orders"];

  beforeAll(async () => {
    ({ orders } = await seedDay(redis, p));
    reports = new ShopReports(clockedShop(redis, p).store);
  });

  it("counts orders created in the window, start included and end excluded", async () => {
    const sales = await reports.sales(W0, W1);
    // f (at W0), b, c, d, e, g, m, h; not i (created at W1), not k, l, a (before).
    expect(sales.created).toBe(8);
  });

  it("counts sales by when they were paid, keeping refunded ones apart", async () => {
    const sales = await reports.sales(W0, W1);
    // a and l were created before the window; h was paid at W1, outside it; e was refunded.
    expect(sales.paid).toBe(5);
    expect(sales.refunded).toBe(1);
  });

  it("gives conversion as the share of the window's new orders that got paid", async () => {
    const sales = await reports.sales(W0, W1);
    // b, c, d, e (refunded, but it converted) and h (paid just after) of 8.
    expect(sales.conversion).toBe(5 / 8);
  });

  it("adds up the money received per method, a card payment by its total with shipping and tip", async () => {
    const sales = await reports.sales(W0, W1);
    expect(sales.revenue).toEqual([
      { method: "fiat", currency: "USD", amount: 2599n },
      // c 250 and the held late l 50; the refunded e is not revenue.
      { method: "stars", currency: "XTR", amount: 300n },
      // a overpaid 2.5 and b's two parts, 0.5 + 1.
      { method: "ton", currency: "TON", amount: 4n * TON },
    ]);
  });

  it("ranks products by paid orders, then by quantity", async () => {
    const sales = await reports.sales(W0, W1);
    expect(sales.topProducts).toEqual([
      { productId: "mug", orders: 2, quantity: 3 },
      { productId: "sticker", orders: 2, quantity: 2 },
      { productId: "tshirt", orders: 1, quantity: 1 },
    ]);
  });

  it("reports the next day's sale that was paid exactly at midnight", async () => {
    const sales = await reports.sales(W1, W1 + DAY);
    // h (paid at W1) and i; created: i and n.
    expect(sales.paid).toBe(2);
    expect(sales.created).toBe(2);
    expect(sales.conversion).toBe(1 / 2);
    expect(sales.revenue).toEqual([{ method: "stars", currency: "XTR", amount: 150n }]);
  });

  it("answers zero conversion for a window without orders", async () => {
    const sales = await reports.sales(W0 - 40 * DAY, W0 - 39 * DAY);
    expect(sales).toEqual({
      created: 0,
      paid: 0,
      conversion: 0,
      revenue: [],
      refunded: 0,
      topProducts: [],
    });
  });

  it("counts every order by status", async () => {
    expect(await reports.statusCounts()).toEqual({
      pending: 3,
      paid: 7,
      fulfilled: 1,
      expired: 1,
      refunded: 1,
    });
  });

  it("totals what pending orders still owe, per currency", async () => {
    expect(await reports.pendingTotals()).toEqual([
      { currency: "EUR", amount: 1250n, orders: 1 },
      // f owes 1 TON, g 2 of its 3.
      { currency: "TON", amount: 3n * TON, orders: 2 },
    ]);
  });

  it("lists orders with exceptions or held, newest first", async () => {
    const flagged = await reports.exceptions(10);
    expect(flagged.map((o) => o.id)).toEqual([orders.g.id, orders.a.id, orders.l.id]);
    expect(flagged.map((o) => o.exceptions)).toEqual([["underpaid"], ["overpaid"], ["late"]]);
    expect(flagged[2]?.held).toBe(true);
  });

  it("stops the exceptions list at the limit", async () => {
    const flagged = await reports.exceptions(2);
    expect(flagged.map((o) => o.id)).toEqual([orders.g.id, orders.a.id]);
  });
});

describe("sales in USDT", () => {
  it("adds up USDT apart from TON and Stars, and totals what USDT orders still owe", async () => {
    const shop = clockedShop(redis, `${prefix}usdt:`);
    const usdt = { method: "usdt", currency: "USDT" } as const;
    const paid = await shop.create(W0 + 1000, { ...usdt, amount: 12_500_000n });
    await shop.pay(paid, 12_500_000n, W0 + 2000);
    const partly = await shop.create(W0 + 3000, { ...usdt, amount: 10_000_000n });
    await shop.pay(partly, 1n, W0 + 4000);
    const second = await shop.create(W0 + 5000, { ...usdt, amount: 2_000_000n, quantity: 2 });
    await shop.pay(second, 2_000_000n, W0 + 6000);
    const coin = await shop.create(W0 + 7000, {});
    await shop.pay(coin, TON, W0 + 8000);
    await shop.create(W0 + 9000, { ...usdt, amount: 5_000_000n });
    const reports = new ShopReports(shop.store);

    const sales = await reports.sales(W0, W1);
    expect(sales.revenue).toEqual([
      { method: "ton", currency: "TON", amount: TON },
      // The paid orders' 12.5 and 2; the underpaid order's millionth is not a sale yet.
      { method: "usdt", currency: "USDT", amount: 14_500_000n },
    ]);
    expect(sales.paid).toBe(3);
    expect(await reports.pendingTotals()).toEqual([
      // The underpaid order still owes 9.999999, the untouched one 5.
      { currency: "USDT", amount: 14_999_999n, orders: 2 },
    ]);
  });
});

describe("top products", () => {
  it("keeps the five best sellers", async () => {
    const p = `${prefix}top:`;
    const shop = clockedShop(redis, p);
    // p1 sells 6 orders, p2 5 … p7 1; p4 and p5 each also get one with quantity 3 to test ties.
    const plan: Array<[string, number[]]> = [
      ["p1", [1, 1, 1, 1, 1, 1]],
      ["p2", [1, 1, 1, 1, 1]],
      ["p3", [1, 1, 1, 1]],
      ["p4", [1, 1, 1]],
      ["p5", [1, 1, 3]],
      ["p6", [1, 1]],
      ["p7", [1]],
    ];
    let t = W0;
    for (const [productId, quantities] of plan) {
      for (const quantity of quantities) {
        t += 60_000;
        const order = await shop.create(t, { productId, quantity });
        await shop.pay(order, order.amount, t + 1000);
      }
    }
    const sales = await new ShopReports(shop.store).sales(W0, W1);
    expect(sales.topProducts).toEqual([
      { productId: "p1", orders: 6, quantity: 6 },
      { productId: "p2", orders: 5, quantity: 5 },
      { productId: "p3", orders: 4, quantity: 4 },
      { productId: "p5", orders: 3, quantity: 5 },
      { productId: "p4", orders: 3, quantity: 3 },
    ]);
  });
});

describe("reading in batches", () => {
  const p = `${prefix}many:`;
  const shop = clockedShop(redis, p);
  let created: Order[];

  beforeAll(async () => {
    // 1203 orders in the same millisecond, so pages meet inside a run of equal scores.
    created = [];
    for (let i = 0; i < 1203; i += 100) {
      const chunk = Array.from({ length: Math.min(100, 1203 - i) }, () => shop.create(W0, {}));
      created.push(...(await Promise.all(chunk)));
    }
  });

  it("counts every order across pages", async () => {
    const counts = await new ShopReports(shop.store).statusCounts();
    expect(counts.pending).toBe(1203);
  });

  it("reads each order of a window once, oldest first", async () => {
    const reports = new ShopReports(shop.store);
    const seen: string[] = [];
    const sizes: number[] = [];
    for await (const batch of reports.ordersCreated(-Infinity, Infinity)) {
      sizes.push(batch.length);
      seen.push(...batch.map((o) => o.id));
    }
    expect(sizes.every((size) => size <= 500)).toBe(true);
    expect(sizes.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(1203);
    expect(seen.sort()).toEqual(created.map((o) => o.id).sort());
  });
});

describe("a window read while orders arrive", () => {
  it("lists each order in the window once when new ones are created mid-read", async () => {
    const p = `${prefix}moving:`;
    const shop = clockedShop(redis, p);
    const ids: string[] = [];
    for (let i = 0; i < 1100; i++) {
      ids.push((await shop.create(W0 + i * 1000, {})).id);
    }
    const reports = new ShopReports(shop.store);
    const seen: string[] = [];
    let first = true;
    for await (const batch of reports.ordersCreated(W0, W1)) {
      seen.push(...batch.map((o) => o.id));
      if (first) {
        first = false;
        // Orders older than everything read so far push every rank up by one each.
        for (let i = 0; i < 3; i++) await shop.create(W0 - 10_000 - i, {});
        // An order inside the window, among the ones not yet read.
        ids.push((await shop.create(W0 + 1050 * 1000 + 500, {})).id);
      }
    }
    expect(seen).toHaveLength(new Set(seen).size);
    expect(new Set(seen)).toEqual(new Set(ids));
    // Oldest first.
    const created = new Map((await shop.store.getMany(seen)).map((o) => [o.id, o.createdAt]));
    const times = seen.map((id) => created.get(id) ?? 0);
    expect(times).toEqual([...times].sort((x, y) => x - y));
  });
});

describe("money given back from an order that stays paid", () => {
  it("is not revenue, and the order still counts as a sale", async () => {
    const p = `${prefix}payment-refunded:`;
    const shop = clockedShop(redis, p);
    const order = await shop.create(W0 + HOUR, {
      method: "stars",
      currency: "XTR",
      amount: 150n,
    });
    await shop.pay(order, 150n, W0 + 2 * HOUR);
    // Paid twice; the second charge is given back.
    const twice = await shop.pay(order, 150n, W0 + 3 * HOUR);
    const extra = twice.payments[1]?.key ?? "";
    await shop.store.update(order.id, (o) => {
      const next = refundPayments(o, W0 + 4 * HOUR, [extra]);
      return next && { order: next };
    });

    const sales = await new ShopReports(shop.store).sales(W0, W1);

    expect(sales.paid).toBe(1);
    expect(sales.refunded).toBe(0);
    expect(sales.revenue).toEqual([{ method: "stars", currency: "XTR", amount: 150n }]);
  });
});
