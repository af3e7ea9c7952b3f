import { paidOnChain } from "../catalog/catalog.js";
import type { Clock } from "../clock.js";
import { type Metrics, noMetrics } from "../metrics.js";
import type { RedisClient } from "../redis/client.js";
import { allPartitions, partitionOf, type RedisKeys, redisKeys } from "../redis/keys.js";
import { claimPayment, commitOrder, createOrder } from "../redis/scripts.js";
import { newComment, normalizeComment, randomCode } from "./comment.js";
import { encodeEvent, type OrderEvent, orderCreated } from "./events.js";
import { deserializeOrder, type Order, serializeOrder } from "./order.js";

export class OrderNotFound extends Error {
  override name = "OrderNotFound";
  constructor(readonly orderId: string) {
    super(`order ${orderId} does not exist`);
  }
}

/** What the store writes beside the order, in the same atomic step. */
export interface CommitEffects {
  /** Claims this payment key for the order; the commit is a "duplicate" if another order holds it. */
  paymentKey?: string;
  /** The payment key is already claimed for this order (see `claimPayment`), so the commit skips the claim. */
  claimed?: boolean;
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
> &
  Partial<Pick<Order, "buyer">> & {
    /** How long the order waits for payment. */
    ttlMs: number;
  };

/** Orders read per page from an index. */
const BATCH = 500;

export interface OrderStoreOptions {
  prefix: string;
  clock?: Clock;
  metrics?: Metrics;
}

/**
 * Orders in Redis. Every transition is one Lua script over the order's partition (the order, the
 * partition's indexes and streams), so concurrent paths cannot race, on one Redis or a Cluster.
 */
export class OrderStore {
  readonly keys: RedisKeys;
  readonly now: Clock;
  private readonly metrics: Metrics;

  constructor(
    private readonly redis: RedisClient,
    options: OrderStoreOptions,
  ) {
    this.keys = redisKeys(options.prefix);
    this.now = options.clock ?? Date.now;
    this.metrics = options.metrics ?? noMetrics;
  }

  async create(input: NewOrder): Promise<Order> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const now = this.now();
      const order: Order = {
        id: `ord_${randomCode(12).toLowerCase()}`,
        userId: input.userId,
        ...(input.buyer ? { buyer: input.buyer } : {}),
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
      if (paidOnChain(input.method)) order.comment = newComment();
      // Each write below stands alone (other slots), ordered so a crash between them leaves
      // only an entry that points at no order, which every reader skips.
      if (order.comment) {
        const taken = await this.redis.set(this.keys.comment(order.comment), order.id, "NX");
        // A 40-bit collision is rare but possible; draw again.
        if (taken !== "OK") continue;
      }
      await this.redis.zadd(this.keys.userOrders(order.userId), order.createdAt, order.id);
      const p = partitionOf(order.id);
      const result = await createOrder.run(
        this.redis,
        [
          this.keys.order(order.id),
          this.keys.pending(p),
          this.keys.allOrders(p),
          this.keys.events(p),
        ],
        [
          order.id,
          order.version,
          serializeOrder(order),
          order.expiresAt,
          order.createdAt,
          encodeEvent(orderCreated()),
        ],
      );
      if (result === "ok") return order;
      // The id was taken (60 random bits): give the comment and the listing back, draw again.
      if (order.comment) await this.redis.del(this.keys.comment(order.comment));
      await this.redis.zrem(this.keys.userOrders(order.userId), order.id);
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

  /** The order a payment key was applied to, if it was (a claim alone is not enough). */
  async orderIdByPayment(paymentKey: string): Promise<string | undefined> {
    const orderId = await this.redis.get(this.keys.payment(paymentKey));
    if (orderId === null) return undefined;
    const order = await this.get(orderId);
    return order?.payments.some((p) => p.key === paymentKey) ? orderId : undefined;
  }

  async listByUser(userId: number, limit = 10): Promise<Order[]> {
    const ids = await this.redis.zrevrange(this.keys.userOrders(userId), 0, limit - 1);
    return this.getMany(ids);
  }

  /** The orders that exist among `ids`, in that order. */
  async getMany(ids: string[]): Promise<Order[]> {
    // One command each: on a Cluster the orders sit on several nodes (auto-pipelined anyway).
    const rows = await Promise.all(ids.map((id) => this.redis.hget(this.keys.order(id), "json")));
    return rows.filter((json): json is string => json !== null).map(deserializeOrder);
  }

  /** Lists an order under its buyer (and no longer under `previousUserId`), e.g. once a shared invoice link's order has one. */
  async index(order: Order, previousUserId?: number): Promise<void> {
    await this.redis.zadd(this.keys.userOrders(order.userId), order.createdAt, order.id);
    if (previousUserId !== undefined) {
      await this.redis.zrem(this.keys.userOrders(previousUserId), order.id);
    }
  }

  /** Ids of pending orders whose expiry time has passed, up to about `limit`. */
  async dueForExpiry(now: number, limit = 500): Promise<string[]> {
    const share = Math.max(1, Math.ceil(limit / allPartitions.length));
    const due = await Promise.all(
      allPartitions.map((p) =>
        this.redis.zrangebyscore(this.keys.pending(p), "-inf", now, "LIMIT", 0, share),
      ),
    );
    return due.flat();
  }

  /** Ids of the pending orders, a page at a time (a repeat is possible while orders change). */
  async *pendingIds(): AsyncGenerator<string[]> {
    for (const p of allPartitions) {
      let cursor = "0";
      do {
        const [next, flat] = await this.redis.zscan(this.keys.pending(p), cursor, "COUNT", BATCH);
        cursor = next;
        const ids = flat.filter((_, i) => i % 2 === 0);
        if (ids.length > 0) yield ids;
      } while (cursor !== "0");
    }
  }

  /** The `limit` newest orders, newest first. */
  async recent(limit: number): Promise<Order[]> {
    const pages = await Promise.all(
      allPartitions.map((p) =>
        this.redis.zrevrange(this.keys.allOrders(p), 0, limit - 1, "WITHSCORES"),
      ),
    );
    const entries = pages.flatMap(entriesOf).sort((a, b) => -compareCreated(a, b));
    return this.getMany(entries.slice(0, limit).map((entry) => entry.id));
  }

  /**
   * Orders by creation time over every partition, up to BATCH at a time: oldest first from
   * `fromMs` until `toMs`, or newest first. Each round asks every partition for what follows the
   * last order given, so each order comes once, and one created meanwhile ahead of the reader
   * comes too.
   */
  async *byCreation(
    direction: "oldest" | "newest",
    fromMs = Number.NEGATIVE_INFINITY,
    toMs = Number.POSITIVE_INFINITY,
  ): AsyncGenerator<Order[]> {
    const sign = direction === "oldest" ? 1 : -1;
    const bound = (ms: number) => (Number.isFinite(ms) ? String(ms) : ms > 0 ? "+inf" : "-inf");
    let last: Created | undefined;
    for (;;) {
      const pages = await Promise.all(
        allPartitions.map((p) => {
          const key = this.keys.allOrders(p);
          return direction === "oldest"
            ? this.redis.zrange(
                key,
                last ? String(last.score) : bound(fromMs),
                `(${bound(toMs)}`,
                "BYSCORE",
                "LIMIT",
                0,
                BATCH,
                "WITHSCORES",
              )
            : this.redis.zrange(
                key,
                last ? String(last.score) : "+inf",
                "-inf",
                "BYSCORE",
                "REV",
                "LIMIT",
                0,
                BATCH,
                "WITHSCORES",
              );
        }),
      );
      const after = last;
      const next = pages
        .flatMap(entriesOf)
        .filter((entry) => !after || sign * compareCreated(entry, after) > 0)
        .sort((a, b) => sign * compareCreated(a, b))
        .slice(0, BATCH);
      if (next.length === 0) return;
      last = next[next.length - 1];
      yield await this.getMany(next.map((entry) => entry.id));
    }
  }

  /**
   * Writes `next` if the order is still at `prev.version`, with its effects, in one step. A
   * payment key is first claimed for this order, unless `effects.claimed` says it was (its own
   * key, so a separate step): a key another order holds makes the commit a "duplicate"; one this
   * order holds already is fine, as the order's own payments tell whether it was applied. A
   * claim whose order never applied the payment (the process died between claim and commit) is
   * taken over.
   */
  async commit(prev: Order, next: Order, effects: CommitEffects = {}): Promise<CommitResult> {
    const { paymentKey } = effects;
    if (paymentKey !== undefined && !effects.claimed) {
      const key = [this.keys.payment(paymentKey)];
      let holder = await this.claim(paymentKey, prev.id);
      if (holder !== prev.id) {
        const held = await this.get(holder);
        if (held?.payments.some((p) => p.key === paymentKey)) return "duplicate";
        holder = await claimPayment.run(this.redis, key, [prev.id, holder]);
        if (holder !== prev.id) return "conflict";
      }
    }
    const p = partitionOf(prev.id);
    const result = await commitOrder.run(
      this.redis,
      [
        this.keys.order(prev.id),
        this.keys.pending(p),
        this.keys.fulfilment(p),
        this.keys.events(p),
      ],
      [
        String(prev.version),
        String(next.version),
        serializeOrder(next),
        prev.id,
        next.status,
        effects.fulfil ? "1" : "0",
        effects.event ? encodeEvent(effects.event) : "",
        next.expiresAt,
      ],
    );
    if (result === "ok" && prev.status !== next.status) {
      this.metrics.orderStatusChanged(prev.status, next.status);
    }
    return result;
  }

  /**
   * Claims a payment key for an order ahead of its commit, which then need not claim it (say
   * `claimed` in the commit's effects). True when the order holds the key now; a key another
   * order holds is left for `commit` to settle. A claim alone changes no order: one whose order
   * never applies the payment is taken over by the commit that does.
   */
  async claimPayment(paymentKey: string, orderId: string): Promise<boolean> {
    return (await this.claim(paymentKey, orderId)) === orderId;
  }

  /** Claims a payment key for an order unless some order holds it; returns the holder. */
  private async claim(paymentKey: string, orderId: string): Promise<string> {
    const key = this.keys.payment(paymentKey);
    // Plain commands rather than a script: most claims are new, and SET NX is the cheapest step.
    for (;;) {
      if ((await this.redis.set(key, orderId, "NX")) === "OK") return orderId;
      const holder = await this.redis.get(key);
      if (holder !== null) return holder;
    }
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

interface Created {
  id: string;
  score: number;
}

/** A WITHSCORES reply as entries. */
function entriesOf(flat: string[]): Created[] {
  const entries: Created[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    entries.push({ id: flat[i] as string, score: Number(flat[i + 1]) });
  }
  return entries;
}

/** Creation order as the sorted sets keep it: by score, then by id. */
function compareCreated(a: Created, b: Created): number {
  return a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
