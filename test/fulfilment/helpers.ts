import { expect, vi } from "vitest";
import type { Deliverer } from "../../src/fulfilment/deliverer.js";
import { FulfilmentWorker } from "../../src/fulfilment/worker.js";
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

/** Each runs once, the first time its step comes round. */
export interface StepHooks {
  /** Runs before the step named here; may hang, or change the emulator's faults. */
  before?: Record<string, () => Promise<void>>;
  /** Runs after the step took effect, before the worker records it. */
  after?: Record<string, () => Promise<void>>;
}

function runOnce(hooks: Record<string, () => Promise<void>> | undefined, step: string) {
  const hook = hooks?.[step];
  if (hooks) delete hooks[step];
  return hook?.();
}

/** Real workers running `steps`, each step with the hooks a test gives the worker. */
export function hookedWorkers(options: {
  redis: RedisClient;
  store: OrderStore;
  prefix: string;
  steps: (order: Order, done: ReadonlySet<string>) => Promise<Deliverer[]>;
}) {
  const { redis, store, prefix, steps } = options;

  /** A worker, on a connection of its own when `own` (so it can be killed). */
  function worker(consumer: string, hooks: StepHooks = {}, own = false) {
    const connection = own ? connect() : redis;
    const w = new FulfilmentWorker({
      redis: connection,
      store: own ? new OrderStore(connection, { prefix }) : store,
      prefix,
      consumer,
      claimIdleMs: 50,
      blockMs: 50,
      retryDelayMs: () => 0,
      deliverers: async (order, done) =>
        (await steps(order, done)).map((step) => ({
          name: step.name,
          deliver: async (o: Order) => {
            await runOnce(hooks.before, step.name);
            await step.deliver(o);
            await runOnce(hooks.after, step.name);
          },
        })),
    });
    return { worker: w, kill: () => connection.disconnect() };
  }

  /** Runs passes until the order is fulfilled; each pass may find nothing yet to retry. */
  async function finish(w: FulfilmentWorker, orderId: string) {
    await vi.waitFor(
      async () => {
        await w.processOnce();
        expect((await store.get(orderId))?.status).toBe("fulfilled");
      },
      { timeout: 10_000, interval: 20 },
    );
  }

  /**
   * Worker A is killed when it reaches `step` (right before it, or right after it took effect
   * and before it was recorded); worker B then finishes the order.
   */
  async function killedAt(orderId: string, when: "before" | "after", step: string) {
    const reached = deferred();
    const hang = deferred();
    const hook = async () => {
      reached.resolve();
      await hang.promise;
    };
    const a = worker("worker-a", { [when]: { [step]: hook } }, true);
    const runA = a.worker.processOnce().catch(() => 0);
    await reached.promise;
    a.kill();

    const b = worker("worker-b");
    await finish(b.worker, orderId);
    hang.reject(new Error("worker A was killed"));
    await runA;
  }

  return { worker, finish, killedAt };
}
