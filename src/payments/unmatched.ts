import type { PaymentMethod } from "../catalog/catalog.js";
import { type Metrics, noMetrics } from "../metrics.js";
import { encodeEvent, paymentUnmatched } from "../orders/events.js";
import type { RedisClient } from "../redis/client.js";
import { allPartitions, partitionOf, type RedisKeys, redisKeys } from "../redis/keys.js";
import { recordUnmatched } from "../redis/scripts.js";

/** Why money could not be matched to an order. */
export type UnmatchedReason =
  | "no-comment"
  | "unknown-comment"
  | "encrypted-comment"
  | "binary-comment"
  | "order-not-found"
  /** Too little to be a purchase (below its currency's dust threshold) and matching no order. */
  | "dust"
  /**
   * A jetton transfer_notification that did not come from our own jetton wallet: another
   * master's "USDT", or a notification forged by a plain wallet. No jettons arrived.
   */
  | "fake-jetton";

/** Money that reached the merchant but matches no order: kept for the admin, never dropped. */
export interface UnmatchedPayment {
  key: string;
  method: PaymentMethod;
  currency: string;
  amount: bigint;
  receivedAt: number;
  reason: UnmatchedReason;
  from?: string;
  /** The comment as it arrived, when there was a readable one. */
  comment?: string;
  reference?: Record<string, string>;
  /** Where it was found when its own update never reached the bot; see Payment. */
  recovered?: "stars-ledger";
  /** Set when an admin attached it to an order or closed it. */
  resolved?: { by: number; at: number; orderId?: string };
}

/** Unmatched payments, each kept in the partition of its payment key (see keys.ts). */
export class UnmatchedPayments {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly metrics: Metrics = noMetrics,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** Records the payment; false when this payment key was recorded before. */
  async record(payment: UnmatchedPayment): Promise<boolean> {
    const json = JSON.stringify({ ...payment, amount: payment.amount.toString() });
    const event = encodeEvent(paymentUnmatched(payment.reason, payment.recovered));
    const p = partitionOf(payment.key);
    const added = await recordUnmatched.run(
      this.redis,
      [this.keys.unmatched(p), this.keys.unmatchedByTime(p), this.keys.events(p)],
      [payment.key, json, payment.receivedAt, event],
    );
    if (added === 1) this.metrics.paymentUnmatched(payment.reason);
    return added === 1;
  }

  async get(key: string): Promise<UnmatchedPayment | undefined> {
    const row = await this.redis.hget(this.keys.unmatched(partitionOf(key)), key);
    return row === null ? undefined : parse(row);
  }

  /**
   * Takes a payment off the open list, keeping its record: attached to an order, or closed by
   * an admin (refunded by hand, say). False when it was not open.
   */
  async resolve(
    key: string,
    resolved: NonNullable<UnmatchedPayment["resolved"]>,
  ): Promise<boolean> {
    const payment = await this.get(key);
    if (!payment || payment.resolved) return false;
    const json = JSON.stringify({ ...payment, amount: payment.amount.toString(), resolved });
    const p = partitionOf(key);
    const [[, removed] = []] =
      (await this.redis
        .multi()
        .zrem(this.keys.unmatchedByTime(p), key)
        .hset(this.keys.unmatched(p), key, json)
        .exec()) ?? [];
    return removed === 1;
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.unmatched(partitionOf(key)), key)) === 1;
  }

  /** The open ones, newest first. */
  async list(limit = 20): Promise<UnmatchedPayment[]> {
    const newest = await Promise.all(
      allPartitions.map(async (p) => {
        const flat = await this.redis.zrevrange(
          this.keys.unmatchedByTime(p),
          0,
          limit - 1,
          "WITHSCORES",
        );
        const keys = flat.filter((_, i) => i % 2 === 0);
        const rows = keys.length > 0 ? await this.redis.hmget(this.keys.unmatched(p), ...keys) : [];
        return rows.filter((row): row is string => row !== null).map(parse);
      }),
    );
    return newest
      .flat()
      .sort((a, b) => b.receivedAt - a.receivedAt)
      .slice(0, limit);
  }

  async count(): Promise<number> {
    const counts = await Promise.all(
      allPartitions.map((p) => this.redis.zcard(this.keys.unmatchedByTime(p))),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }
}

function parse(row: string): UnmatchedPayment {
  const parsed = JSON.parse(row) as Omit<UnmatchedPayment, "amount"> & { amount: string };
  return { ...parsed, amount: BigInt(parsed.amount) };
}
