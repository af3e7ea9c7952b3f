import type { Deliverer } from "../../src/fulfilment/deliverer.js";
import type { Order } from "../../src/orders/order.js";
import { OrderStore } from "../../src/orders/store.js";
import { PaymentsCore } from "../../src/payments/record.js";
import type { RedisClient } from "../../src/redis/client.js";
import { redisKeys } from "../../src/redis/keys.js";
import { pendingEntries } from "../support/partitions.js";
import { connectTestRedis, testRedis } from "../support/redis.js";

const connections: RedisClient[] = [];

/** A fresh key space with an order store; every connection is closed by closeConnections. */
export function shop() {
  const { redis, prefix, url } = testRedis();
  connections.push(redis);
  const store = new OrderStore(redis, { prefix });
  const payments = new PaymentsCore(store, { latePolicy: "fulfil" });
  const keys = redisKeys(prefix);

  /** An order paid in full, which enqueues its fulfilment job exactly as production does. */
  async function paidOrder(): Promise<Order> {
    const created = await store.create({
      userId: 42,
      chatId: 42,
      productId: "ebook",
      quantity: 1,
      method: "ton",
      currency: "TON",
      amount: 1_500_000_000n,
      lang: "en",
      ttlMs: 15 * 60_000,
    });
    const { order } = await payments.recordPayment(created.id, {
      key: `ton:${created.id}`,
      method: "ton",
      currency: "TON",
      amount: created.amount,
      receivedAt: Date.now(),
    });
    return order;
  }

  /** Jobs read by some consumer and not yet acknowledged. */
  async function pendingJobs(): Promise<number> {
    const [count] = [await pendingEntries(redis, keys.fulfilment, "fulfilment")];
    return Number(count);
  }

  async function status(orderId: string) {
    return (await store.get(orderId))?.status;
  }

  return { redis, prefix, url, store, keys, paidOrder, pendingJobs, status };
}

/** A second connection to the same Redis, e.g. for a worker that will be "killed". */
export function connect(): RedisClient {
  const redis = connectTestRedis({ maxRetriesPerRequest: 1 });
  connections.push(redis);
  return redis;
}

/**
 * A second connection, open, that refuses every command once disconnect() cut it, as a killed
 * worker's would. (A Cluster client keeps commands queued after disconnect(): its nodes draining
 * put it back from "end" to "close", so without an offline queue they fail instead.)
 */
export async function connectKillable(): Promise<RedisClient> {
  const redis = connectTestRedis({
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  connections.push(redis);
  await redis.connect();
  return redis;
}

export async function closeConnections(): Promise<void> {
  await Promise.all(
    connections.splice(0).map((redis) => redis.quit().catch(() => redis.disconnect())),
  );
}

/**
 * Stands in for the Telegram deliverers: what they "send" lands in a Redis list, the buyer's
 * chat as the test sees it. `before` runs first and may throw or hang.
 */
export class Outbox {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
  ) {}

  deliverer(name: string, before?: () => Promise<void>): Deliverer {
    return {
      name,
      deliver: async (order) => {
        await before?.();
        await this.redis.rpush(this.key, `${name}:${order.id}`);
      },
    };
  }

  async sent(): Promise<string[]> {
    return this.redis.lrange(this.key, 0, -1);
  }
}

export interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

export function deferred(): Deferred {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
