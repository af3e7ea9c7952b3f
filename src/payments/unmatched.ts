import type { Redis } from "ioredis";
import type { PaymentMethod } from "../catalog/catalog.js";
import { encodeEvent, paymentUnmatched } from "../orders/events.js";
import { type RedisKeys, redisKeys } from "../orders/keys.js";

/** Why money could not be matched to an order. */
export type UnmatchedReason =
  | "no-comment"
  | "unknown-comment"
  | "encrypted-comment"
  | "binary-comment"
  | "order-not-found"
  /** Too little to be a purchase (below DUST_NANOTONS) and matching no order. */
  | "dust";

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

// HSETNX makes recording idempotent on the payment key; index and event go in the same step.
const RECORD = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', '100000', '*', 'paymentKey', ARGV[1], 'event', ARGV[4])
return 1
`;

type UnmatchedRedis = Redis & { tpbRecordUnmatched(...args: (string | number)[]): Promise<number> };

export class UnmatchedPayments {
  private readonly keys: RedisKeys;
  private readonly redis: UnmatchedRedis;

  constructor(redis: Redis, prefix: string) {
    this.keys = redisKeys(prefix);
    if (!("tpbRecordUnmatched" in redis)) {
      redis.defineCommand("tpbRecordUnmatched", { numberOfKeys: 3, lua: RECORD });
    }
    this.redis = redis as UnmatchedRedis;
  }

  /** Records the payment; false when this payment key was recorded before. */
  async record(payment: UnmatchedPayment): Promise<boolean> {
    const json = JSON.stringify({ ...payment, amount: payment.amount.toString() });
    const event = encodeEvent(paymentUnmatched(payment.reason, payment.recovered));
    const added = await this.redis.tpbRecordUnmatched(
      this.keys.unmatched,
      this.keys.unmatchedByTime,
      this.keys.events,
      payment.key,
      json,
      payment.receivedAt,
      event,
    );
    return added === 1;
  }

  async get(key: string): Promise<UnmatchedPayment | undefined> {
    const row = await this.redis.hget(this.keys.unmatched, key);
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
    const [[, removed] = []] =
      (await this.redis
        .multi()
        .zrem(this.keys.unmatchedByTime, key)
        .hset(this.keys.unmatched, key, json)
        .exec()) ?? [];
    return removed === 1;
  }

  async has(key: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.unmatched, key)) === 1;
  }

  /** Newest first. */
  async list(limit = 20): Promise<UnmatchedPayment[]> {
    const keys = await this.redis.zrevrange(this.keys.unmatchedByTime, 0, limit - 1);
    if (keys.length === 0) return [];
    const rows = await this.redis.hmget(this.keys.unmatched, ...keys);
    return rows.filter((row): row is string => row !== null).map(parse);
  }

  async count(): Promise<number> {
    return this.redis.zcard(this.keys.unmatchedByTime);
  }
}

function parse(row: string): UnmatchedPayment {
  const parsed = JSON.parse(row) as Omit<UnmatchedPayment, "amount"> & { amount: string };
  return { ...parsed, amount: BigInt(parsed.amount) };
}
