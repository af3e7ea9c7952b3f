import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSV_COLUMNS, ordersCsv } from "../../src/admin/export.js";
import { ShopReports } from "../../src/admin/reports.js";
import { testRedis } from "../support/redis.js";
import { clockedShop, HOUR, seedDay, W0, W1 } from "./fixture.js";

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
        "payment_currency,buyer_name,buyer_phone,buyer_email,shipping_address",
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
