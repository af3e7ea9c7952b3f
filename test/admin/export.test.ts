import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS, ordersCsv } from "../../src/admin/export.js";
import { ShopReports } from "../../src/admin/reports.js";
import type { Order } from "../../src/orders/order.js";
import { endSubscription, setRenewal } from "../../src/orders/state.js";
import { testRedis } from "../support/redis.js";
import { clockedShop, DAY, HOUR, seedDay, W0, W1 } from "./fixture.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

/** RFC 4180 as csv-stringify writes it: quoted fields double their quotes; "\n" ends a record. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
    } else field += ch;
  }
  if (field !== "" || record.length > 0) records.push([...record, field]);
  return records;
}

function rowsOf(csv: string): Array<Record<string, string>> {
  const [header = [], ...records] = parseCsv(csv);
  return records.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? ""])));
}

describe("ordersCsv", () => {
  const p = `${prefix}day:`;
  let csv: string;
  let orders: Awaited<ReturnType<typeof seedDay>>["orders"];

  beforeAll(async () => {
    ({ orders } = await seedDay(redis, p));
    csv = await ordersCsv(new ShopReports(clockedShop(redis, p).store), W0, W1);
  });

  it("starts with the header row", () => {
    expect(csv.split("\n")[0]).toBe(
      "order_id,created_at,status,exceptions,product_id,quantity,method,currency,amount,paid," +
        "payment_key,payment_amount,payment_received_at,payment_from,shipping,tip," +
        "payment_currency,buyer_name,buyer_phone,buyer_email,shipping_address," +
        "subscription_renewal,subscription_paid_until,subscription_ended_at," +
        "period,period_from,period_until,period_refunded_at",
    );
    expect(parseCsv(csv)[0]).toEqual([...CSV_COLUMNS]);
  });

  it("writes one row per payment and one for an order without payments, oldest order first", () => {
    const rows = rowsOf(csv);
    const { f, b, c, d, e, g, m, h } = orders;
    expect(rows.map((r) => r.order_id)).toEqual([
      f.id,
      b.id,
      b.id,
      c.id,
      d.id,
      e.id,
      g.id,
      m.id,
      h.id,
    ]);
    expect(rows.every((r) => Object.keys(r).length === CSV_COLUMNS.length)).toBe(true);
  });

  it("writes an unpaid order with empty payment cells", () => {
    const f = rowsOf(csv)[0];
    expect(f).toMatchObject({
      created_at: new Date(W0).toISOString(),
      status: "pending",
      exceptions: "",
      product_id: "mug",
      quantity: "1",
      method: "ton",
      currency: "TON",
      amount: "1",
      paid: "0",
      payment_key: "",
      payment_amount: "",
      payment_received_at: "",
      shipping: "",
      tip: "",
    });
  });

  it("writes amounts as exact decimals in each row's currency", () => {
    const rows = rowsOf(csv);
    const b = rows.filter((r) => r.order_id === orders.b.id);
    expect(b.map((r) => [r.amount, r.paid, r.payment_amount])).toEqual([
      ["1.5", "1.5", "0.5"],
      ["1.5", "1.5", "1"],
    ]);
    expect(b[0]?.payment_received_at).toBe(new Date(W0 + HOUR + 60_000).toISOString());
    expect(b[0]?.payment_from).toBe("UQbuyer");
    const g = rows.find((r) => r.order_id === orders.g.id);
    expect(g).toMatchObject({ amount: "3", paid: "1", exceptions: "underpaid", status: "pending" });
    const c = rows.find((r) => r.order_id === orders.c.id);
    expect(c).toMatchObject({ currency: "XTR", amount: "250", status: "fulfilled" });
  });

  it("writes a card payment's goods, shipping and tip", () => {
    const d = rowsOf(csv).find((r) => r.order_id === orders.d.id);
    expect(d).toMatchObject({
      method: "fiat",
      currency: "USD",
      amount: "19.99",
      paid: "19.99",
      payment_amount: "19.99",
      shipping: "5",
      tip: "1",
      payment_currency: "USD",
    });
  });

  it("neutralises cells a spreadsheet would run as formulas", () => {
    const d = rowsOf(csv).find((r) => r.order_id === orders.d.id);
    expect(d?.buyer_name).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(d?.buyer_phone).toBe("'+441234567890");
    expect(d?.buyer_email).toBe("'@evil");
    expect(d?.shipping_address).toBe("'-1 Baker Street, London, NW1, GB");
    // No cell of the file starts with a formula character.
    const cells = parseCsv(csv).flat();
    expect(cells.filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
  });

  it("leaves the subscription's columns empty for orders that are no subscription", () => {
    const added = CSV_COLUMNS.slice(CSV_COLUMNS.indexOf("subscription_renewal"));
    expect(added).toHaveLength(7);
    const rows = rowsOf(csv);
    expect(rows.flatMap((r) => added.map((column) => r[column]))).toEqual(
      rows.flatMap(() => added.map(() => "")),
    );
  });

  it("shows refunded and expired orders with their status", () => {
    const rows = rowsOf(csv);
    expect(rows.find((r) => r.order_id === orders.e.id)?.status).toBe("refunded");
    expect(rows.find((r) => r.order_id === orders.m.id)).toMatchObject({
      status: "expired",
      currency: "EUR",
      amount: "5",
      payment_key: "",
    });
  });
});

describe("ordersCsv and what a buyer typed", () => {
  it("prefixes with ' every cell that starts as a formula would, and nothing else", async () => {
    const p = `${prefix}formulas:`;
    const shop = clockedShop(redis, p);
    // OWASP's list, and the full-width forms some spreadsheets read as the same characters.
    const starts = ["=", "+", "-", "@", "\t", "\r", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"];
    const typed = [...starts.map((c) => `${c}1+1`), "Anne-Marie", "5 = 5", "O'Neil"];
    for (const [i, name] of typed.entries()) {
      const order = await shop.create(W0 + i, { method: "fiat", currency: "USD", amount: 500n });
      await shop.pay(order, 500n, W0 + i, {
        reference: {
          orderInfo: JSON.stringify({
            name,
            email: name,
            shipping_address: { street_line1: name, city: "Paris", country_code: "FR" },
          }),
        },
      });
    }
    const rows = rowsOf(await ordersCsv(new ShopReports(shop.store), W0, W1));
    expect(rows.map((r) => r.buyer_name)).toEqual([
      ...starts.map((c) => `'${c}1+1`),
      "Anne-Marie",
      "5 = 5",
      "O'Neil",
    ]);
    expect(rows.map((r) => r.buyer_email)).toEqual(rows.map((r) => r.buyer_name));
    expect(rows.map((r) => r.shipping_address)).toEqual(
      rows.map((r) => `${r.buyer_name}, Paris, FR`),
    );
    // Amounts are exact decimals that are never negative, so none is touched.
    expect(new Set(rows.map((r) => [r.amount, r.paid, r.payment_amount].join()))).toEqual(
      new Set(["5,5,5"]),
    );
  });
});

describe("ordersCsv of exact amounts", () => {
  it("keeps amounts beyond a double's precision exact, and marks held orders", async () => {
    const p = `${prefix}exact:`;
    const shop = clockedShop(redis, p);
    const big = await shop.create(W0, { amount: 123_456_789_123_456_789n, ttlMs: 60_000 });
    // Late under the hold policy: paid, held.
    await shop.pay(big, 123_456_789_123_456_789n, W0 + HOUR, {}, shop.holding);
    const csv = await ordersCsv(new ShopReports(shop.store), W0, W1);
    const [row] = rowsOf(csv);
    expect(row).toMatchObject({
      order_id: big.id,
      amount: "123456789.123456789",
      paid: "123456789.123456789",
      payment_amount: "123456789.123456789",
      exceptions: "late;held",
    });
  });

  it("writes a USDT order's amounts as exact decimals in USDT", async () => {
    const p = `${prefix}usdt:`;
    const shop = clockedShop(redis, p);
    const order = await shop.create(W0, { method: "usdt", currency: "USDT", amount: 12_500_000n });
    await shop.pay(order, 12_000_001n, W0 + HOUR);
    const [row] = rowsOf(await ordersCsv(new ShopReports(shop.store), W0, W1));
    expect(row).toMatchObject({
      order_id: order.id,
      status: "pending",
      exceptions: "underpaid",
      method: "usdt",
      currency: "USDT",
      amount: "12.5",
      paid: "12.000001",
      payment_amount: "12.000001",
      payment_currency: "USDT",
      payment_from: "UQbuyer",
    });
  });

  it("writes only the header for an empty window", async () => {
    const csv = await ordersCsv(
      new ShopReports(clockedShop(redis, `${prefix}empty:`).store),
      W0,
      W1,
    );
    expect(parseCsv(csv)).toEqual([[...CSV_COLUMNS]]);
  });
});

describe("ordersCsv of subscriptions", () => {
  const PERIOD = 30 * DAY;
  const iso = (ms: number) => new Date(ms).toISOString();
  const club = { method: "stars", currency: "XTR", amount: 250n, productId: "club" } as const;
  /** A subscription's charge as Telegram's successful_payment is recorded: its id, its period's end. */
  const charge = (id: string, until: number) => ({
    key: `stars:${id}`,
    reference: { telegramChargeId: id, total: "250" },
    period: { until },
  });

  /** Moves a stored order on by one of the state machine's subscription steps. */
  async function step(
    shop: ReturnType<typeof clockedShop>,
    order: Order,
    transition: (o: Order) => Order | undefined,
  ): Promise<Order> {
    const next = await shop.store.update(order.id, (o) => {
      const changed = transition(o);
      return changed && { order: changed };
    });
    return next.order;
  }

  it("writes each period paid as a payment row of its own, numbered, with the span it pays for and its refund", async () => {
    const shop = clockedShop(redis, `${prefix}subscription:`);
    const order = await shop.create(W0 + HOUR, club);
    const paidAt = W0 + HOUR + 60_000;
    const until1 = paidAt + PERIOD;
    await shop.fulfil(await shop.pay(order, 250n, paidAt, charge("sub-1", until1)), paidAt);
    // Telegram renews as the period ends: the next 30 days follow on from it.
    const until2 = until1 + PERIOD;
    const renewed = await shop.pay(order, 250n, until1 + 5_000, charge("sub-2", until2));
    expect(renewed.subscription?.periods).toBe(2);
    await shop.fulfil(renewed, until1 + 6_000);
    // The buyer cancels; then the second period's charge alone goes back, and access ends.
    await step(shop, order, (o) => setRenewal(o, "canceled", until1 + DAY));
    const refundedAt = until1 + 2 * DAY;
    await shop.refund(order, refundedAt, ["stars:sub-2"]);
    await step(shop, order, (o) => endSubscription(o, refundedAt + 60_000));

    const rows = rowsOf(await ordersCsv(new ShopReports(shop.store), W0, W1));
    const subscription = {
      order_id: order.id,
      status: "refunded",
      product_id: "club",
      method: "stars",
      currency: "XTR",
      amount: "250",
      paid: "500",
      exceptions: "",
      subscription_renewal: "canceled",
      subscription_paid_until: iso(until2),
      subscription_ended_at: iso(refundedAt + 60_000),
    };
    expect(rows).toEqual([
      expect.objectContaining({
        ...subscription,
        payment_key: "stars:sub-1",
        payment_amount: "250",
        payment_received_at: iso(paidAt),
        payment_from: "42",
        payment_currency: "XTR",
        period: "1",
        period_from: iso(paidAt),
        period_until: iso(until1),
        period_refunded_at: "",
      }),
      expect.objectContaining({
        ...subscription,
        payment_key: "stars:sub-2",
        payment_amount: "250",
        payment_received_at: iso(until1 + 5_000),
        payment_from: "42",
        payment_currency: "XTR",
        period: "2",
        period_from: iso(until1),
        period_until: iso(until2),
        period_refunded_at: iso(refundedAt),
      }),
    ]);
  });

  it("starts a renewal that came after access ran out where its own 30 days begin, and numbers no charge that paid no period", async () => {
    const shop = clockedShop(redis, `${prefix}subscription-lapse:`);
    const order = await shop.create(W0, club);
    const until1 = W0 + PERIOD;
    await shop.fulfil(await shop.pay(order, 250n, W0, charge("sub-1", until1)), W0);
    // The renewal could not be charged and access ran out; the buyer paid again four days on.
    await step(shop, order, (o) => setRenewal(o, "failed", until1));
    await step(shop, order, (o) => endSubscription(o, until1));
    const again = until1 + 4 * DAY;
    await shop.fulfil(await shop.pay(order, 250n, again, charge("sub-2", again + PERIOD)), again);
    // A second charge for the period already paid is money to give back, not a third period.
    const twice = await shop.pay(order, 250n, again + HOUR, charge("sub-3", again + PERIOD));
    expect(twice.subscription?.periods).toBe(2);

    const rows = rowsOf(await ordersCsv(new ShopReports(shop.store), W0, W1));
    expect(rows.map((r) => [r.payment_key, r.period, r.period_from, r.period_until])).toEqual([
      ["stars:sub-1", "1", iso(W0), iso(until1)],
      ["stars:sub-2", "2", iso(again), iso(again + PERIOD)],
      ["stars:sub-3", "", "", ""],
    ]);
    expect(rows[0]).toMatchObject({
      status: "fulfilled",
      exceptions: "overpaid",
      paid: "750",
      subscription_renewal: "on",
      subscription_paid_until: iso(again + PERIOD),
      subscription_ended_at: "",
    });
  });

  it("writes a one-off order beside them as it always did, its refund in its status alone", async () => {
    const shop = clockedShop(redis, `${prefix}subscription-one-off:`);
    const sticker = {
      method: "stars",
      currency: "XTR",
      amount: 250n,
      productId: "sticker",
    } as const;
    const oneOff = await shop.create(W0, sticker);
    await shop.pay(oneOff, 250n, W0 + 60_000, { key: "stars:one-off" });
    await shop.refund(oneOff, W0 + HOUR, ["stars:one-off"]);
    const order = await shop.create(W0 + HOUR, club);
    await shop.pay(order, 250n, W0 + 2 * HOUR, charge("sub-1", W0 + 2 * HOUR + PERIOD));

    const csv = await ordersCsv(new ShopReports(shop.store), W0, W1);
    const lines = csv.split("\n");
    // The line as the export wrote it before subscriptions, and the seven new cells empty.
    expect(lines[1]).toBe(
      `${oneOff.id},2026-01-10T00:00:00.000Z,refunded,,sticker,1,stars,XTR,250,250,` +
        "stars:one-off,250,2026-01-10T00:01:00.000Z,42,,,XTR,,,," +
        ",,,,,,,",
    );
    expect(rowsOf(csv)[1]).toMatchObject({
      order_id: order.id,
      subscription_renewal: "on",
      period: "1",
      period_refunded_at: "",
    });
  });
});
