import { afterAll, describe, expect, it } from "vitest";
import type { Payment } from "../../src/orders/order.js";
import { OrderNotFound, OrderStore } from "../../src/orders/store.js";
import { redisKeys } from "../../src/redis/keys.js";
import { streamEntries } from "../support/partitions.js";
import { keysMatching, testRedis } from "../support/redis.js";
import { shop, TON, tonOrder } from "../support/shop.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

let n = 0;
function tonPayment(amount: bigint, overrides: Partial<Payment> = {}): Payment {
  n++;
  return {
    key: `ton:${n.toString(16).padStart(64, "0")}`,
    method: "ton",
    currency: "TON",
    amount,
    receivedAt: Date.now(),
    ...overrides,
  };
}

async function jobsFor(streamPrefix: string, orderId: string): Promise<number> {
  const entries = await streamEntries(redis, redisKeys(streamPrefix).fulfilment);
  return entries.filter(([, fields]) => fields[1] === orderId).length;
}

describe("recordPayment", () => {
  it("pays an order once and queues one fulfilment job when 100 calls race with one payment", async () => {
    const p = `${prefix}race:`;
    const { store, payments } = shop(redis, p);
    const order = await store.create(tonOrder());
    const payment = tonPayment(order.amount);
    const results = await Promise.all(
      Array.from({ length: 100 }, () => payments.recordPayment(order.id, payment)),
    );
    expect(results.filter((r) => r.outcome.kind === "paid")).toHaveLength(1);
    expect(results.filter((r) => r.outcome.kind === "duplicate")).toHaveLength(99);
    const stored = await store.require(order.id);
    expect(stored.status).toBe("paid");
    expect(stored.paid).toBe(order.amount);
    expect(stored.payments).toHaveLength(1);
    expect(await jobsFor(p, order.id)).toBe(1);
  });

  it("adds up 100 different partial payments racing on one order, queuing one job", async () => {
    const p = `${prefix}partials:`;
    const { store, payments } = shop(redis, p);
    const order = await store.create(tonOrder({ amount: 100n * TON }));
    await Promise.all(
      Array.from({ length: 100 }, () => payments.recordPayment(order.id, tonPayment(TON))),
    );
    const stored = await store.require(order.id);
    expect(stored.status).toBe("paid");
    expect(stored.paid).toBe(100n * TON);
    expect(stored.payments).toHaveLength(100);
    expect(stored.exceptions).toEqual([]);
    expect(await jobsFor(p, order.id)).toBe(1);
  });

  it("keeps an underpaid order pending until the rest arrives", async () => {
    const p = `${prefix}underpaid:`;
    const { store, payments } = shop(redis, p);
    const order = await store.create(tonOrder());
    const first = await payments.recordPayment(order.id, tonPayment(TON / 2n));
    expect(first.outcome).toEqual({ kind: "underpaid", owed: (3n * TON) / 2n });
    expect((await store.require(order.id)).status).toBe("pending");
    expect(await jobsFor(p, order.id)).toBe(0);
    const second = await payments.recordPayment(order.id, tonPayment((3n * TON) / 2n));
    expect(second.outcome.kind).toBe("paid");
    expect(await jobsFor(p, order.id)).toBe(1);
    // No longer waiting to expire.
    expect(await store.dueForExpiry(Number.MAX_SAFE_INTEGER)).not.toContain(order.id);
  });

  it("fulfils an overpaid order and shows the excess", async () => {
    const p = `${prefix}overpaid:`;
    const { store, payments } = shop(redis, p);
    const order = await store.create(tonOrder());
    await payments.recordPayment(order.id, tonPayment(5n * TON));
    const stored = await store.require(order.id);
    expect(stored.status).toBe("paid");
    expect(stored.exceptions).toEqual(["overpaid"]);
    expect(stored.paid - stored.amount).toBe(3n * TON);
    expect(await jobsFor(p, order.id)).toBe(1);
  });

  it("fulfils a payment after expiry under the fulfil policy", async () => {
    const p = `${prefix}late-fulfil:`;
    const { store, payments } = shop(redis, p, "fulfil");
    const order = await store.create(tonOrder({ ttlMs: 1000 }));
    const result = await payments.recordPayment(
      order.id,
      tonPayment(order.amount, { receivedAt: order.expiresAt + 5000 }),
    );
    expect(result.outcome).toEqual({ kind: "paid", late: true, overpaid: false, fulfil: true });
    expect((await store.require(order.id)).exceptions).toEqual(["late"]);
    expect(await jobsFor(p, order.id)).toBe(1);
  });

  it("holds a payment after expiry under the hold policy: paid, no fulfilment job", async () => {
    const p = `${prefix}late-hold:`;
    const { store, payments } = shop(redis, p, "hold");
    const order = await store.create(tonOrder({ ttlMs: 1000 }));
    const result = await payments.recordPayment(
      order.id,
      tonPayment(order.amount, { receivedAt: order.expiresAt + 5000 }),
    );
    expect(result.outcome).toEqual({ kind: "paid", late: true, overpaid: false, fulfil: false });
    const stored = await store.require(order.id);
    expect(stored.status).toBe("paid");
    expect(stored.held).toBe(true);
    expect(await jobsFor(p, order.id)).toBe(0);
  });

  it("refuses a payment for an order that does not exist and writes nothing", async () => {
    const p = `${prefix}missing:`;
    const { payments } = shop(redis, p);
    await expect(payments.recordPayment("ord_nope", tonPayment(TON))).rejects.toBeInstanceOf(
      OrderNotFound,
    );
    expect(await keysMatching(redis, `${p}*`)).toEqual([]);
  });

  it("applies a payment whose key a crashed process claimed for another order, once", async () => {
    const p = `${prefix}stale-claim:`;
    const { store, payments } = shop(redis, p);
    const left = await store.create(tonOrder());
    const order = await store.create(tonOrder());
    const payment = tonPayment(order.amount);
    // The claim was written for `left`, then the process died before its commit.
    await redis.set(redisKeys(p).payment(payment.key), left.id);

    const first = await payments.recordPayment(order.id, payment);
    expect(first.outcome.kind).toBe("paid");
    expect((await payments.recordPayment(order.id, payment)).outcome.kind).toBe("duplicate");
    expect((await payments.recordPayment(left.id, payment)).outcome.kind).toBe("duplicate");
    expect(await store.orderIdByPayment(payment.key)).toBe(order.id);
    expect((await store.require(left.id)).payments).toEqual([]);
    expect(await jobsFor(p, order.id)).toBe(1);
  });

  it("claims a payment key ahead of its commit, but not one another order applied", async () => {
    const p = `${prefix}claim-ahead:`;
    const { store, payments } = shop(redis, p);
    const a = await store.create(tonOrder());
    const b = await store.create(tonOrder());
    const taken = tonPayment(b.amount);
    await payments.recordPayment(b.id, taken);
    const fresh = tonPayment(a.amount);

    expect(await store.claimPayment(fresh.key, a.id)).toBe(true);
    expect(await store.claimPayment(taken.key, a.id)).toBe(false);
    expect(await redis.get(redisKeys(p).payment(taken.key))).toBe(b.id);
    // A claim alone applies nothing.
    expect(await store.orderIdByPayment(fresh.key)).toBeUndefined();

    const paid = await payments.recordPayment(a.id, fresh, { claimed: true });
    expect(paid.outcome.kind).toBe("paid");
    // Not claimed ahead: the commit claims itself and finds `b` holds it.
    expect((await payments.recordPayment(a.id, taken)).outcome.kind).toBe("duplicate");
    expect((await store.require(a.id)).payments.map((x) => x.key)).toEqual([fresh.key]);
    expect(await jobsFor(p, a.id)).toBe(1);
  });

  it("applies a payment claimed ahead by a process that died before its commit, once", async () => {
    const p = `${prefix}claim-ahead-died:`;
    const { store, payments } = shop(redis, p);
    const order = await store.create(tonOrder());
    const other = await store.create(tonOrder());
    const payment = tonPayment(order.amount);
    expect(await store.claimPayment(payment.key, order.id)).toBe(true);
    // The process dies here. The next poll claims again and commits.
    expect(await store.claimPayment(payment.key, order.id)).toBe(true);
    expect((await payments.recordPayment(order.id, payment, { claimed: true })).outcome.kind).toBe(
      "paid",
    );
    expect((await payments.recordPayment(order.id, payment, { claimed: true })).outcome.kind).toBe(
      "duplicate",
    );
    // Another order cannot take the applied payment over.
    expect(await store.claimPayment(payment.key, other.id)).toBe(false);
    expect((await payments.recordPayment(other.id, payment)).outcome.kind).toBe("duplicate");
    expect(await jobsFor(p, order.id)).toBe(1);
    expect(await jobsFor(p, other.id)).toBe(0);
  });

  it("lets the order that applies a payment take over a claim left for another order", async () => {
    const p = `${prefix}claim-ahead-other:`;
    const { store, payments } = shop(redis, p);
    const left = await store.create(tonOrder());
    const order = await store.create(tonOrder());
    const payment = tonPayment(order.amount);
    // Claimed ahead for `left`, whose commit never came.
    expect(await store.claimPayment(payment.key, left.id)).toBe(true);
    expect(await store.claimPayment(payment.key, order.id)).toBe(false);
    expect((await payments.recordPayment(order.id, payment)).outcome.kind).toBe("paid");
    expect(await store.orderIdByPayment(payment.key)).toBe(order.id);
    expect((await payments.recordPayment(left.id, payment)).outcome.kind).toBe("duplicate");
    expect(await jobsFor(p, order.id)).toBe(1);
    expect(await jobsFor(p, left.id)).toBe(0);
  });

  it("takes a subscription's renewal as a new period with a fulfilment job of its own, once", async () => {
    const p = `${prefix}renewal:`;
    const { store, payments } = shop(redis, p);
    const order = await store.create(
      tonOrder({ method: "stars", currency: "XTR", amount: 250n, productId: "club" }),
    );
    const stars = (charge: string, until: number): Payment => ({
      key: `stars:${charge}`,
      method: "stars",
      currency: "XTR",
      amount: 250n,
      receivedAt: Date.now(),
      reference: { telegramChargeId: charge },
      period: { until },
    });
    const until = Date.now() + 30 * 86_400_000;
    await payments.recordPayment(order.id, stars("first", until));
    await store.update(order.id, (current) => ({
      order: { ...current, status: "fulfilled", version: current.version + 1 },
    }));

    const renewal = stars("second", until + 30 * 86_400_000);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => payments.recordPayment(order.id, renewal)),
    );
    expect(results.filter((r) => r.outcome.kind === "renewed")).toHaveLength(1);
    const stored = await store.require(order.id);
    expect(stored).toMatchObject({ status: "paid", paid: 500n });
    expect(stored.subscription).toMatchObject({ chargeId: "first", periods: 2 });
    expect(await jobsFor(p, order.id)).toBe(2);
    const events = await streamEntries(redis, redisKeys(p).events);
    const renewed = events
      .map(([, fields]) => JSON.parse(fields[3] ?? "{}"))
      .filter((event) => event.type === "order.renewed");
    expect(renewed).toEqual([
      {
        type: "order.renewed",
        detail: {
          paymentKey: "stars:second",
          amount: { units: "250", currency: "XTR" },
          period: 2,
          until: until + 30 * 86_400_000,
        },
      },
    ]);
  });

  it("announces each step on the events stream", async () => {
    const p = `${prefix}events:`;
    const { store, payments } = shop(redis, p);
    const order = await store.create(tonOrder());
    await payments.recordPayment(order.id, tonPayment(TON));
    await payments.recordPayment(order.id, tonPayment(TON));
    const events = await streamEntries(redis, redisKeys(p).events);
    const types = events.map(([, fields]) => JSON.parse(fields[3] ?? "{}").type);
    expect(types).toEqual(["order.created", "order.underpaid", "order.paid"]);
  });
});

describe("order store", () => {
  it("finds an order by the comment as a buyer might type it", async () => {
    const { store } = shop(redis, `${prefix}lookup:`);
    const order = await store.create(tonOrder());
    const comment = order.comment ?? "";
    expect(comment).toMatch(/^TP-/);
    const typed = ` ${comment.toLowerCase().replace("-", " ")} `;
    expect((await store.findByComment(typed))?.id).toBe(order.id);
    expect(await store.findByComment("TP-00000000")).toBeUndefined();
    expect(await store.findByComment("hello")).toBeUndefined();
  });

  it("gives Stars and fiat orders no comment", async () => {
    const { store } = shop(redis, `${prefix}stars:`);
    const order = await store.create(tonOrder({ method: "stars", currency: "XTR", amount: 150n }));
    expect(order.comment).toBeUndefined();
    expect((await store.require(order.id)).amount).toBe(150n);
  });

  it("gives a USDT order a comment of its own, which a TON payment carrying it does not pay", async () => {
    const { store, payments } = shop(redis, `${prefix}usdt:`);
    const order = await store.create(
      tonOrder({ method: "usdt", currency: "USDT", amount: 12_500_000n }),
    );
    expect(order.comment).toMatch(/^TP-/);
    expect((await store.findByComment(order.comment ?? ""))?.id).toBe(order.id);

    const { outcome } = await payments.recordPayment(order.id, tonPayment(12_500_000n));
    expect(outcome.kind).toBe("mismatch");
    const after = await store.require(order.id);
    expect(after).toMatchObject({ status: "pending", paid: 0n, exceptions: ["mismatch"] });
  });

  it("lists a buyer's orders newest first", async () => {
    const { store } = shop(redis, `${prefix}list:`);
    const a = await store.create(tonOrder({ userId: 7 }));
    const b = await store.create(tonOrder({ userId: 7 }));
    await store.create(tonOrder({ userId: 8 }));
    const ids = (await store.listByUser(7)).map((o) => o.id).sort();
    expect(ids).toEqual([a.id, b.id].sort());
  });

  it("lists pending orders once they are due to expire", async () => {
    let now = 1_000_000;
    const p = `${prefix}expiry:`;
    const store = new OrderStore(redis, { prefix: p, clock: () => now });
    const order = await store.create(tonOrder({ ttlMs: 60_000 }));
    expect(await store.dueForExpiry(now)).toEqual([]);
    now += 60_000;
    expect(await store.dueForExpiry(now)).toEqual([order.id]);
  });
});

describe("unmatched payments", () => {
  it("are recorded once per payment key and listed for the admin", async () => {
    const { unmatched } = shop(redis, `${prefix}unmatched:`);
    const entry = {
      key: "ton:ff",
      method: "ton" as const,
      currency: "TON",
      amount: TON,
      receivedAt: 1,
      reason: "unknown-comment" as const,
      comment: "hello",
    };
    expect(await unmatched.record(entry)).toBe(true);
    expect(await unmatched.record(entry)).toBe(false);
    expect(await unmatched.count()).toBe(1);
    expect(await unmatched.list()).toEqual([entry]);
  });
});
