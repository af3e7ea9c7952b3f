import { afterAll, describe, expect, it } from "vitest";
import { expireOrders } from "../../src/jobs/expire.js";
import { OrderStore } from "../../src/orders/store.js";
import { PaymentsCore } from "../../src/payments/core.js";
import { redisKeys } from "../../src/redis/keys.js";
import { streamEntries } from "../support/partitions.js";
import { testRedis } from "../support/redis.js";
import { tonOrder } from "../support/shop.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

describe("expireOrders", () => {
  it("expires only pending orders whose time has passed, and announces each", async () => {
    let now = 1_000_000;
    const store = new OrderStore(redis, { prefix, clock: () => now });
    const payments = new PaymentsCore(store, { latePolicy: "fulfil" });
    const soon = await store.create(tonOrder({ ttlMs: 60_000 }));
    const later = await store.create(tonOrder({ ttlMs: 600_000 }));
    const paid = await store.create(tonOrder({ ttlMs: 60_000 }));
    await payments.recordPayment(paid.id, {
      key: "ton:paid",
      method: "ton",
      currency: "TON",
      amount: paid.amount,
      receivedAt: now,
    });

    expect(await expireOrders(store)).toBe(0);
    now += 60_000;
    expect(await expireOrders(store)).toBe(1);
    expect((await store.require(soon.id)).status).toBe("expired");
    expect((await store.require(later.id)).status).toBe("pending");
    expect((await store.require(paid.id)).status).toBe("paid");
    // Running again changes nothing.
    expect(await expireOrders(store)).toBe(0);

    const events = await streamEntries(redis, redisKeys(prefix).events);
    const expired = events.filter(([, f]) => f[3]?.includes("order.expired")).map(([, f]) => f[1]);
    expect(expired).toEqual([soon.id]);
  });

  it("says what an order paid in part had received when it expired", async () => {
    let now = 2_000_000;
    const own = `${prefix}part:`;
    const store = new OrderStore(redis, { prefix: own, clock: () => now });
    const payments = new PaymentsCore(store, { latePolicy: "fulfil" });
    const part = await store.create(tonOrder({ ttlMs: 60_000, amount: 6_500_000_000n }));
    await payments.recordPayment(part.id, {
      key: "ton:part",
      method: "ton",
      currency: "TON",
      amount: 3_250_000_000n,
      receivedAt: now,
    });

    now += 60_000;
    expect(await expireOrders(store)).toBe(1);

    const events = await streamEntries(redis, redisKeys(own).events);
    const expired = events
      .map(([, fields]) => JSON.parse(fields[3] ?? "{}") as { type: string; detail?: unknown })
      .filter((event) => event.type === "order.expired");
    expect(expired).toEqual([
      { type: "order.expired", detail: { paid: "3.25", amount: "6.5", currency: "TON" } },
    ]);
    expect(await store.require(part.id)).toMatchObject({ status: "expired", paid: 3_250_000_000n });
  });
});
