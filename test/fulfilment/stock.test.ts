import { afterAll, describe, expect, it } from "vitest";
import { StockPool } from "../../src/fulfilment/stock.js";
import { redisKeys } from "../../src/redis/keys.js";
import { closeConnections, shop } from "./helpers.js";

afterAll(closeConnections);

describe("StockPool", () => {
  it("gives an order the same key every time and different orders different keys", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    expect(await stock.add("licences", ["AAA", "BBB", "CCC"])).toBe(3);

    const first = await stock.allocate("licences", "ord_1", 1);
    expect(await stock.allocate("licences", "ord_1", 1)).toEqual(first);
    const second = await stock.allocate("licences", "ord_2", 1);

    expect(first).toEqual(["AAA"]);
    expect(second).toEqual(["BBB"]);
    expect(await stock.issuedTo("licences", "ord_1")).toEqual(["AAA"]);
    expect(await stock.issuedTo("licences", "ord_3")).toEqual([]);
    expect(await stock.available("licences")).toBe(1);
  });

  it("returns undefined from an empty pool, but still the key an order already holds", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    expect(await stock.allocate("empty", "ord_1", 1)).toBeUndefined();

    await stock.add("one", ["ONLY"]);
    expect(await stock.allocate("one", "ord_1", 1)).toEqual(["ONLY"]);
    expect(await stock.allocate("one", "ord_2", 1)).toBeUndefined();
    expect(await stock.allocate("one", "ord_1", 1)).toEqual(["ONLY"]);
    expect(await stock.available("one")).toBe(0);
  });

  it("issues an order of three three distinct keys, and the same three when asked again", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    await stock.add("licences", ["K1", "K2", "K3", "K4", "K5"]);

    const keys = await stock.allocate("licences", "ord_3x", 3);
    expect(keys).toEqual(["K1", "K2", "K3"]);
    expect(await stock.allocate("licences", "ord_3x", 3)).toEqual(keys);
    expect(await stock.issuedTo("licences", "ord_3x")).toEqual(keys);
    expect(await stock.available("licences")).toBe(2);
  });

  it("takes nothing when the pool holds fewer keys than an order needs", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    await stock.add("licences", ["K1", "K2"]);

    expect(await stock.allocate("licences", "ord_3x", 3)).toBeUndefined();
    expect(await stock.available("licences")).toBe(2);
    expect(await stock.issuedTo("licences", "ord_3x")).toEqual([]);
    // Restocked, the same order gets its three.
    await stock.add("licences", ["K3"]);
    expect(await stock.allocate("licences", "ord_3x", 3)).toEqual(["K1", "K2", "K3"]);
  });

  it("keeps a key issued before orders held several, and tops it up", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    // As the single-key pool wrote it: the key itself, even one that reads as JSON.
    await redis.hset(redisKeys(prefix).stockIssued("licences"), "ord_old", "OLD-KEY");
    await redis.hset(redisKeys(prefix).stockIssued("licences"), "ord_json", '{"k":1}');
    await stock.add("licences", ["K1", "K2"]);

    expect(await stock.issuedTo("licences", "ord_old")).toEqual(["OLD-KEY"]);
    expect(await stock.allocate("licences", "ord_old", 1)).toEqual(["OLD-KEY"]);
    expect(await stock.available("licences")).toBe(2);
    expect(await stock.allocate("licences", "ord_old", 2)).toEqual(["OLD-KEY", "K1"]);
    expect(await stock.allocate("licences", "ord_json", 1)).toEqual(['{"k":1}']);
    expect(await stock.issuedTo("licences", "ord_json")).toEqual(['{"k":1}']);
  });

  it("keeps keys that look like JSON or carry quotes and slashes exactly as stocked", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    const odd = ['{"k":1}', "a/b\\c", '"quoted"', "12345", "ключ-🔑"];
    await stock.add("odd", odd);
    expect(await stock.allocate("odd", "ord_odd", 5)).toEqual(odd);
    expect(await stock.issuedTo("odd", "ord_odd")).toEqual(odd);
  });

  it("hands 40 keys to 50 concurrent orders without giving any key twice", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    const keys = Array.from({ length: 40 }, (_, i) => `KEY-${i}`);
    await stock.add("licences", keys);
    const orders = Array.from({ length: 50 }, (_, i) => `ord_${i}`);

    const results = await Promise.all(orders.map((id) => stock.allocate("licences", id, 1)));

    const issued = results.flatMap((r) => r ?? []);
    expect(new Set(issued).size).toBe(40);
    expect(issued.sort()).toEqual([...keys].sort());
    expect(results.filter((r) => r === undefined)).toHaveLength(10);
    expect(await stock.available("licences")).toBe(0);
    // Asking again changes nothing: the same orders hold the same keys.
    expect(await Promise.all(orders.map((id) => stock.allocate("licences", id, 1)))).toEqual(
      results,
    );
  });

  it("hands 3-key orders only whole sets when they race for too few keys", async () => {
    const { redis, prefix } = shop();
    const stock = new StockPool(redis, { prefix });
    const keys = Array.from({ length: 10 }, (_, i) => `KEY-${i}`);
    await stock.add("licences", keys);

    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => stock.allocate("licences", `ord_${i}`, 3)),
    );

    const served = results.filter((r): r is string[] => r !== undefined);
    expect(served).toHaveLength(3);
    for (const set of served) expect(set).toHaveLength(3);
    expect(new Set(served.flat()).size).toBe(9);
    expect(await stock.available("licences")).toBe(1);
  });
});
