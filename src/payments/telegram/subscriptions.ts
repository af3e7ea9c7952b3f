import type { Deliverer } from "../../fulfilment/deliverer.js";
import { periodStep } from "../../fulfilment/deliverer.js";
import type { Order } from "../../orders/order.js";
import { accessEndsAt } from "../../orders/state.js";
import type { OrderStore } from "../../orders/store.js";
import type { RedisClient } from "../../redis/client.js";
import { type RedisKeys, redisKeys } from "../../redis/keys.js";

/** Telegram's one subscription period: 30 days, in seconds (`subscription_period`). */
export const SUBSCRIPTION_PERIOD_S = 2_592_000;

/** What the admin's Sales view says of subscriptions. */
export interface SubscriptionStats {
  /** Subscribers per product while their access lasts. */
  active: { productId: string; count: number }[];
  /** Stars a month from the active subscriptions that renew. */
  monthlyStars: bigint;
  renewals: number;
  cancellations: number;
  /** Subscriptions ever sold. */
  total: number;
}

/**
 * The shop's index of subscriptions: each buyer's, by product, and all of them by when access is
 * due to end. Orders hold the truth; the index is written after them (by the subscription's
 * fulfilment step, which is retried until it is done, and again on each change), so it may lag
 * but is never the only record. A reader always checks the order.
 */
export class Subscriptions {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly store: OrderStore,
  ) {
    this.keys = redisKeys(prefix);
  }

  /**
   * Indexes `order` as its subscription now stands: idempotent, so any step may call it. The
   * buyer's entry for the product names their live subscription; an ended one stays named until
   * a new one is bought.
   */
  async track(order: Order): Promise<void> {
    if (!order.subscription) return;
    const endsAt = accessEndsAt(order);
    const entry = this.keys.userSubscriptions(order.userId);
    // An ended one takes the buyer's entry only where there is none (an atomic HSETNX), so it
    // never puts by a newer subscription tracked at the same moment.
    if (live(order)) await this.redis.hset(entry, order.productId, order.id);
    else await this.redis.hsetnx(entry, order.productId, order.id);
    await this.redis.sadd(this.keys.subscriptionOrders, order.id);
    if (endsAt === undefined) await this.redis.zrem(this.keys.subscriptionEnds, order.id);
    else await this.redis.zadd(this.keys.subscriptionEnds, endsAt, order.id);
  }

  /** Drops an order that is gone from the index of ends. */
  async forget(orderId: string): Promise<void> {
    await this.redis.zrem(this.keys.subscriptionEnds, orderId);
  }

  /** The buyer's subscription to `productId` while its access lasts; undefined otherwise. */
  async activeFor(userId: number, productId: string): Promise<Order | undefined> {
    const orderId = await this.redis.hget(this.keys.userSubscriptions(userId), productId);
    const order = orderId ? await this.store.get(orderId) : undefined;
    return order && live(order) ? order : undefined;
  }

  /** Every subscription the buyer ever had, newest period first. */
  async of(userId: number): Promise<Order[]> {
    const ids = Object.values(await this.redis.hgetall(this.keys.userSubscriptions(userId)));
    const orders = await this.store.getMany(ids);
    return orders
      .filter((order) => order.subscription !== undefined)
      .sort((a, b) => (b.subscription?.paidUntil ?? 0) - (a.subscription?.paidUntil ?? 0));
  }

  /**
   * The admin's figures: subscribers per product while access lasts, the Stars a month the
   * renewing ones bring, and renewals and cancellations since `from`.
   */
  async stats(from: number): Promise<SubscriptionStats> {
    const ids = await this.redis.smembers(this.keys.subscriptionOrders);
    const orders = await this.store.getMany(ids);
    const active = new Map<string, number>();
    let monthly = 0n;
    let renewals = 0;
    let cancellations = 0;
    for (const order of orders) {
      const subscription = order.subscription;
      if (!subscription) continue;
      if (live(order)) {
        active.set(order.productId, (active.get(order.productId) ?? 0) + 1);
        if (subscription.renewal === "on") monthly += order.amount;
      }
      // Every period's payment but the first is a renewal.
      const periods = order.payments.filter((payment) => payment.period !== undefined);
      renewals += periods.slice(1).filter((payment) => payment.receivedAt >= from).length;
      if ((subscription.canceledAt ?? -1) >= from) cancellations++;
    }
    return {
      active: [...active].map(([productId, count]) => ({ productId, count })),
      monthlyStars: monthly,
      renewals,
      cancellations,
      total: orders.filter((order) => order.subscription).length,
    };
  }

  /** Orders whose access is due to end by `now`, at most `limit` of them. */
  due(now: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.subscriptionEnds, "-inf", now, "LIMIT", 0, limit);
  }

  /**
   * The fulfilment step that indexes a subscription's period, so the index always catches up
   * with the order even when the process dies right after the payment was recorded.
   */
  deliverer(order: Order): Deliverer | undefined {
    if (!order.subscription) return undefined;
    return {
      name: periodStep(order, "subscription"),
      deliver: async (current) => this.track((await this.store.get(current.id)) ?? current),
    };
  }
}

/** Whether a subscription's access lasts: neither ended nor refunded. */
export function live(order: Order): boolean {
  return order.subscription?.endedAt === undefined && order.status !== "refunded";
}
