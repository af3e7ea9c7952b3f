import { afterAll, describe, expect, it } from "vitest";
import { endSubscriptions } from "../../src/jobs/subscriptions.js";
import type { Order, Payment } from "../../src/orders/order.js";
import { RENEWAL_GRACE_MS, setRenewal } from "../../src/orders/state.js";
import { Subscriptions } from "../../src/payments/telegram/subscriptions.js";
import { streamEntries } from "../support/partitions.js";
import { testRedis } from "../support/redis.js";
import { shop, tonOrder } from "../support/shop.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

const MINUTE = 60_000;
let run = 0;

function world() {
  const p = `${prefix}${++run}:`;
  const parts = shop(redis, p);
  return { ...parts, subscriptions: new Subscriptions(redis, p, parts.store) };
}

type World = ReturnType<typeof world>;

/** A subscription paid until `until`, with renewal as given, indexed as the shop indexes it. */
async function subscribed(w: World, until: number, renewal: "on" | "canceled" = "on") {
  const created = await w.store.create(
    tonOrder({ productId: "club", method: "stars", currency: "XTR", amount: 250n }),
  );
  const first: Payment = {
    key: `stars:${created.id}`,
    method: "stars",
    currency: "XTR",
    amount: 250n,
    receivedAt: Date.now(),
    reference: { telegramChargeId: created.id },
    period: { until },
  };
  let { order } = await w.payments.recordPayment(created.id, first);
  if (renewal !== "on") {
    ({ order } = await w.store.update(order.id, (current) => {
      const next = setRenewal(current, renewal, Date.now());
      return next && { order: next };
    }));
  }
  await w.subscriptions.track(order);
  return order;
}

async function endedEvents(w: World, orderId: string): Promise<number> {
  const entries = await streamEntries(redis, w.store.keys.events);
  return entries.filter(
    ([, fields]) =>
      fields[1] === orderId && JSON.parse(fields[3] ?? "{}").type === "order.subscription_ended",
  ).length;
}

describe("ending subscriptions", () => {
  it("ends access when the paid period is over and renewal is off, never earlier, and once", async () => {
    const w = world();
    const now = Date.now();
    const over = await subscribed(w, now - MINUTE, "canceled");
    const running = await subscribed(w, now + 60 * MINUTE, "canceled");
    // Renewal on: Telegram is still given the grace to charge it.
    const renewing = await subscribed(w, now - MINUTE, "on");

    expect(await endSubscriptions(w.store, w.subscriptions)).toBe(1);
    expect(await endSubscriptions(w.store, w.subscriptions)).toBe(0);

    const ended = await w.store.require(over.id);
    expect(ended.subscription?.endedAt).toBeGreaterThanOrEqual(now);
    expect(await endedEvents(w, over.id)).toBe(1);
    expect((await w.subscriptions.activeFor(42, "club"))?.id).not.toBe(over.id);
    for (const order of [running, renewing]) {
      expect((await w.store.require(order.id)).subscription?.endedAt).toBeUndefined();
      expect(await endedEvents(w, order.id)).toBe(0);
    }
    // The renewing one ends a grace after its period: before the canceled one still running.
    expect(await w.subscriptions.due(now - MINUTE + RENEWAL_GRACE_MS)).toEqual([renewing.id]);
  });

  it("keeps a subscription renewed after it was indexed, and moves it to its new end", async () => {
    const w = world();
    const now = Date.now();
    const order = await subscribed(w, now - MINUTE, "canceled");
    // The renewal came, but the process died before the index caught up with it.
    const renewal: Payment = {
      key: `stars:${order.id}:2`,
      method: "stars",
      currency: "XTR",
      amount: 250n,
      receivedAt: now,
      reference: { telegramChargeId: `${order.id}:2` },
      period: { until: now + 30 * 24 * 60 * MINUTE },
    };
    const { order: renewed } = await w.payments.recordPayment(order.id, renewal);
    expect(renewed.subscription?.renewal).toBe("on");

    expect(await endSubscriptions(w.store, w.subscriptions)).toBe(0);
    expect((await w.store.require(order.id)).subscription?.endedAt).toBeUndefined();
    expect(await w.subscriptions.due(now + MINUTE)).toEqual([]);
    const endsAt = (renewed.subscription?.paidUntil ?? 0) + RENEWAL_GRACE_MS;
    expect(await w.subscriptions.due(endsAt)).toEqual([order.id]);
  });

  it("ends a refunded subscription at once, and forgets one whose order is gone", async () => {
    const w = world();
    const now = Date.now();
    const order = await subscribed(w, now + 60 * MINUTE, "on");
    await w.store.update(order.id, (current: Order) => ({
      order: { ...current, status: "refunded", refundedAt: now, version: current.version + 1 },
    }));
    await w.subscriptions.track(await w.store.require(order.id));
    await redis.zadd(w.store.keys.subscriptionEnds, 0, "ord_gone");

    expect(await endSubscriptions(w.store, w.subscriptions)).toBe(1);
    expect(await w.subscriptions.due(now + 365 * 24 * 60 * MINUTE)).toEqual([]);
  });

  it("counts subscribers per product, the Stars a month from those renewing, and this month's renewals and cancellations", async () => {
    const w = world();
    const now = Date.now();
    const renewing = await subscribed(w, now + 60 * MINUTE, "on");
    await subscribed(w, now + 60 * MINUTE, "canceled");
    const over = await subscribed(w, now - MINUTE, "canceled");
    await endSubscriptions(w.store, w.subscriptions);
    await w.payments.recordPayment(renewing.id, {
      key: `stars:${renewing.id}:2`,
      method: "stars",
      currency: "XTR",
      amount: 250n,
      receivedAt: now,
      reference: { telegramChargeId: `${renewing.id}:2` },
      period: { until: now + 31 * 24 * 60 * MINUTE },
    });

    expect(await w.subscriptions.stats(now - MINUTE)).toEqual({
      active: [{ productId: "club", count: 2 }],
      monthlyStars: 250n,
      renewals: 1,
      cancellations: 2,
      total: 3,
    });
    expect((await w.store.require(over.id)).subscription?.endedAt).toBeDefined();
    // Nothing of it happened after now.
    expect(await w.subscriptions.stats(now + MINUTE)).toMatchObject({
      renewals: 0,
      cancellations: 0,
    });
  });
});
