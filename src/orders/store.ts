import type { Redis } from "ioredis";
import { newComment, normalizeComment, randomCode } from "./comment.js";
import { encodeEvent, type OrderEvent, orderCreated } from "./events.js";
import { type RedisKeys, redisKeys } from "./keys.js";
import { deserializeOrder, type Order, serializeOrder } from "./order.js";

export class OrderNotFound extends Error {
  override name = "OrderNotFound";
  constructor(readonly orderId: string) {
    super(`order ${orderId} does not exist`);
  }
}

/** What the store writes beside the order, in the same atomic step. */
export interface CommitEffects {
  /** Marks this payment key as applied; the commit fails as "duplicate" if it already was. */
  paymentKey?: string;
  /** Appends a fulfilment job for the order. */
  fulfil?: boolean;
  /** Appends an event for notifications (payment seen, paid, expired…). */
  event?: OrderEvent;
}

export type CommitResult = "ok" | "conflict" | "duplicate";

/** What a caller decides about a new order; the store fills in the rest. */
export type NewOrder = Pick<
  Order,
  "userId" | "chatId" | "productId" | "quantity" | "method" | "currency" | "amount" | "lang"
> & {
  /** How long the order waits for payment. */
  ttlMs: number;
};

// Compare-and-set: writes the new version only if nobody wrote since we read, and only if the
// payment key is new. Index, job and event go in the same step, so no reader ever sees half.
const COMMIT = `
if ARGV[6] == '1' and redis.call('EXISTS', KEYS[5]) == 1 then return 'duplicate' end
local v = redis.call('HGET', KEYS[1], 'v')
if v ~= ARGV[1] then return 'conflict' end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'json', ARGV[3])
if ARGV[6] == '1' then redis.call('SET', KEYS[5], ARGV[4]) end
if ARGV[5] == 'pending' then
  redis.call('ZADD', KEYS[2], ARGV[9], ARGV[4])
else
  redis.call('ZREM', KEYS[2], ARGV[4])
end
if ARGV[7] == '1' then redis.call('XADD', KEYS[3], '*', 'orderId', ARGV[4]) end
if ARGV[8] ~= '' then
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', '100000', '*', 'orderId', ARGV[4], 'event', ARGV[8])
end
return 'ok'
`;

// Creation: the comment must be new (SET NX) and the order id unused.
const CREATE = `
if ARGV[5] ~= '' and redis.call('SET', KEYS[2], ARGV[1], 'NX') == false then return 'comment-taken' end
if redis.call('HSETNX', KEYS[1], 'v', ARGV[2]) == 0 then return 'id-taken' end
redis.call('HSET', KEYS[1], 'json', ARGV[3])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[6], ARGV[1])
redis.call('XADD', KEYS[6], 'MAXLEN', '~', '100000', '*', 'orderId', ARGV[1], 'event', ARGV[7])
return 'ok'
`;

type StoreRedis = Redis & {
  tpbCommit(...args: (string | number)[]): Promise<CommitResult>;
  tpbCreate(...args: (string | number)[]): Promise<"ok" | "comment-taken" | "id-taken">;
};

export interface OrderStoreOptions {
  prefix: string;
  /** The clock; tests move it. */
  now?: () => number;
}

/** Orders in Redis. Every write is one Lua script, so concurrent paths cannot race. */
export class OrderStore {
  readonly keys: RedisKeys;
  private readonly redis: StoreRedis;
  readonly now: () => number;

  constructor(redis: Redis, options: OrderStoreOptions) {
    this.keys = redisKeys(options.prefix);
    this.now = options.now ?? Date.now;
    if (!("tpbCommit" in redis)) {
      redis.defineCommand("tpbCommit", { numberOfKeys: 5, lua: COMMIT });
      redis.defineCommand("tpbCreate", { numberOfKeys: 6, lua: CREATE });
    }
    this.redis = redis as StoreRedis;
  }

  async create(input: NewOrder): Promise<Order> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const now = this.now();
      const order: Order = {
        id: `ord_${randomCode(12).toLowerCase()}`,
        userId: input.userId,
        chatId: input.chatId,
        productId: input.productId,
        quantity: input.quantity,
        method: input.method,
        currency: input.currency,
        amount: input.amount,
        status: "pending",
        exceptions: [],
        paid: 0n,
        payments: [],
        createdAt: now,
        expiresAt: now + input.ttlMs,
        lang: input.lang,
        version: 1,
      };
      if (input.method === "ton") order.comment = newComment();
      const result = await this.redis.tpbCreate(
        this.keys.order(order.id),
        this.keys.comment(order.comment ?? "-"),
        this.keys.pending,
        this.keys.userOrders(order.userId),
        this.keys.allOrders,
        this.keys.events,
        order.id,
        order.version,
        serializeOrder(order),
        order.expiresAt,
        order.comment ?? "",
        order.createdAt,
        encodeEvent(orderCreated()),
      );
      if (result === "ok") return order;
      // A 40-bit collision is rare but possible; draw again.
    }
    throw new Error("could not allocate a unique order id and comment");
  }

  async get(orderId: string): Promise<Order | undefined> {
    const json = await this.redis.hget(this.keys.order(orderId), "json");
    return json === null ? undefined : deserializeOrder(json);
  }

  async require(orderId: string): Promise<Order> {
    const order = await this.get(orderId);
    if (!order) throw new OrderNotFound(orderId);
    return order;
  }

  /** The order a comment belongs to, accepting the buyer's typing (case, spaces, O/0, I/L/1). */
  async orderIdByComment(text: string): Promise<string | undefined> {
    const comment = normalizeComment(text);
    if (!comment) return undefined;
    return (await this.redis.get(this.keys.comment(comment))) ?? undefined;
  }

  async findByComment(text: string): Promise<Order | undefined> {
    const id = await this.orderIdByComment(text);
    return id ? this.get(id) : undefined;
  }

  /** The order a payment key was applied to, if it was. */
  async orderIdByPayment(paymentKey: string): Promise<string | undefined> {
    return (await this.redis.get(this.keys.payment(paymentKey))) ?? undefined;
  }

  async listByUser(userId: number, limit = 10): Promise<Order[]> {
    const ids = await this.redis.zrevrange(this.keys.userOrders(userId), 0, limit - 1);
    return this.getMany(ids);
  }

  async getMany(ids: string[]): Promise<Order[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(this.keys.order(id), "json");
    const results = (await pipeline.exec()) ?? [];
    const orders: Order[] = [];
    for (const [error, json] of results) {
      if (!error && typeof json === "string") orders.push(deserializeOrder(json));
    }
    return orders;
  }

  /** Ids of pending orders whose expiry time has passed. */
  /** Lists an order under its buyer (and no longer under `previousUserId`), e.g. once a shared invoice link's order has one. */
  async index(order: Order, previousUserId?: number): Promise<void> {
    const multi = this.redis
      .multi()
      .zadd(this.keys.userOrders(order.userId), order.createdAt, order.id);
    if (previousUserId !== undefined) multi.zrem(this.keys.userOrders(previousUserId), order.id);
    await multi.exec();
  }

  async dueForExpiry(now: number, limit = 500): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.pending, "-inf", now, "LIMIT", 0, limit);
  }

  /** Writes `next` if the order is still at `prev.version`; see COMMIT. */
  async commit(prev: Order, next: Order, effects: CommitEffects = {}): Promise<CommitResult> {
    return this.redis.tpbCommit(
      this.keys.order(prev.id),
      this.keys.pending,
      this.keys.fulfilment,
      this.keys.events,
      this.keys.payment(effects.paymentKey ?? "-"),
      String(prev.version),
      String(next.version),
      serializeOrder(next),
      prev.id,
      next.status,
      effects.paymentKey ? "1" : "0",
      effects.fulfil ? "1" : "0",
      effects.event ? encodeEvent(effects.event) : "",
      next.expiresAt,
    );
  }

  /**
   * Read, transform, compare-and-set, retrying when another writer got there first.
   * `transition` returns undefined when there is nothing to do; the order as it is comes back.
   */
  async update(
    orderId: string,
    transition: (order: Order) => { order: Order; effects?: CommitEffects } | undefined,
    /** The order as the caller already read it; saves the first read, and a stale one only costs a retry. */
    known?: Order,
  ): Promise<{ order: Order; changed: boolean; result: CommitResult | "unchanged" }> {
    let preread = known?.id === orderId ? known : undefined;
    for (;;) {
      const current = preread ?? (await this.require(orderId));
      preread = undefined;
      const step = transition(current);
      if (!step) return { order: current, changed: false, result: "unchanged" };
      const result = await this.commit(current, step.order, step.effects);
      if (result === "ok") return { order: step.order, changed: true, result };
      if (result === "duplicate") return { order: current, changed: false, result };
    }
  }
}
