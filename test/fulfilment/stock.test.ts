import { afterAll, describe, expect, it } from "vitest";
import { StockPool } from "../../src/fulfilment/stock.js";
import { closeConnections, shop } from "./helpers.js";

afterAll(closeConnections);

describe("StockPool", () => {
  it("gives an order the same key every time and different orders different keys", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    expect(await stock.add("licences", ["AAA", "BBB", "CCC"])).toBe(3);

    const first = await stock.allocate("licences", "ord_1");
    expect(await stock.allocate("licences", "ord_1")).toBe(first);
    const second = await stock.allocate("licences", "ord_2");

    expect(first).toBe("AAA");
    expect(second).toBe("BBB");
    expect(await stock.issuedTo("licences", "ord_1")).toBe("AAA");
    expect(await stock.issuedTo("licences", "ord_3")).toBeUndefined();
    expect(await stock.available("licences")).toBe(1);
  });

  it("returns undefined from an empty pool, but still the key an order already holds", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    expect(await stock.allocate("empty", "ord_1")).toBeUndefined();

    await stock.add("one", ["ONLY"]);
    expect(await stock.allocate("one", "ord_1")).toBe("ONLY");
    expect(await stock.allocate("one", "ord_2")).toBeUndefined();
    expect(await stock.allocate("one", "ord_1")).toBe("ONLY");
    expect(await stock.available("one")).toBe(0);
  });

  it("hands 40 keys to 50 concurrent orders without giving any key twice", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    const keys = Array.from({ length: 40 }, (_, i) => `KEY-${i}`);
    await stock.add("licences", keys);
    const orders = Array.from({ length: 50 }, (_, i) => `ord_${i}`);

    const results = await Promise.all(orders.map((id) => stock.allocate("licences", id)));

    const issued = results.filter((r): r is string => r !== undefined);
    expect(new Set(issued).size).toBe(40);
    expect(issued.sort()).toEqual([...keys].sort());
    expect(results.filter((r) => r === undefined)).toHaveLength(10);
    expect(await stock.available("licences")).toBe(0);
    // Asking again changes nothing: the same orders hold the same keys.
    expect(await Promise.all(orders.map((id) => stock.allocate("licences", id)))).toEqual(results);
  });
});
