import type { Address } from "@ton/core";
import {
  EmulatedChain,
  type EmulatedWallet,
  type FaultPlan,
  startToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import { afterAll, beforeEach } from "vitest";
import type { Order } from "../../src/orders/order.js";
import type { LatePaymentPolicy } from "../../src/orders/state.js";
import {
  type FetchedPage,
  ToncenterClient,
  type TransactionSource,
} from "../../src/payments/ton/client.js";
import type { ObservedTransaction } from "../../src/payments/ton/observed.js";
import { PaymentWatcher, type WatcherOptions } from "../../src/payments/ton/watcher.js";
import type { RedisClient } from "../../src/redis/client.js";
import { redisKeys } from "../../src/redis/keys.js";
import { streamEntries } from "./partitions.js";
import { testRedis } from "./redis.js";
import { shop, tonOrder } from "./shop.js";

/** A merchant wallet on an emulated chain, the toncenter emulator in front of it, and a shop. */
export async function tonWorld(
  redis: RedisClient,
  prefix: string,
  latePolicy: LatePaymentPolicy = "fulfil",
) {
  const chain = await EmulatedChain.create();
  const merchant = await chain.createWallet({ version: "v5r1" });
  const emulator = await startToncenterEmulator({ chain });
  const parts = shop(redis, prefix, latePolicy);
  const keys = redisKeys(prefix);

  function client(overrides: Partial<ConstructorParameters<typeof ToncenterClient>[0]> = {}) {
    return new ToncenterClient({
      endpoint: emulator.endpoint,
      rps: 1000,
      minBackoffMs: 1,
      maxBackoffMs: 5,
      retries: 8,
      ...overrides,
    });
  }

  function watcher(overrides: Partial<WatcherOptions> = {}) {
    return new PaymentWatcher({
      redis,
      prefix,
      source: client(),
      merchant: merchant.address,
      ...parts,
      ...overrides,
    });
  }

  /** Creates `count` TON orders and pays each in full from fabricated senders. */
  async function payOrders(count: number, amount = 1_000_000_000n): Promise<Order[]> {
    const orders = await Promise.all(
      Array.from({ length: count }, () => parts.store.create(tonOrder({ amount }))),
    );
    await chain.injectPayments(
      merchant.address,
      orders.map((order) => ({ amount, comment: order.comment })),
    );
    return orders;
  }

  /** Each order paid exactly once: status, one payment, one fulfilment job. */
  async function settlement(orders: Order[]) {
    const jobs = await streamEntries(redis, keys.fulfilment);
    const jobsPerOrder = new Map<string, number>();
    for (const [, fields] of jobs) {
      const id = fields[1] ?? "";
      jobsPerOrder.set(id, (jobsPerOrder.get(id) ?? 0) + 1);
    }
    const stored = await parts.store.getMany(orders.map((o) => o.id));
    return {
      paid: stored.filter((o) => o.status === "paid" && o.payments.length === 1).length,
      notPaid: stored.filter((o) => o.status !== "paid").length,
      doubled: stored.filter((o) => o.payments.length > 1).length,
      jobs: orders.reduce((sum, o) => sum + (jobsPerOrder.get(o.id) ?? 0), 0),
    };
  }

  /** The chain's newest transaction on the merchant wallet, as the cursor should record it. */
  function newestTransaction() {
    const txs = chain.transactions(merchant.address);
    const last = txs[txs.length - 1];
    return last ? { lt: last.lt.toString(), hash: last.hash().toString("hex") } : undefined;
  }

  /** A watcher that has polled once and so holds a cursor at the wallet's newest transaction. */
  async function initialisedWatcher(overrides: Partial<WatcherOptions> = {}) {
    const created = watcher(overrides);
    const first = await created.pollOnce();
    if (first.kind !== "initialised") throw new Error(`first poll was ${first.kind}`);
    return created;
  }

  /** Moves the cursor over everything on the chain without applying it: what reconcile is for. */
  async function skipCursorToNewest() {
    await redis.set(
      keys.watcherCursor(merchant.address.toRawString()),
      JSON.stringify(newestTransaction()),
    );
  }

  return {
    chain,
    merchant,
    emulator,
    ...parts,
    keys,
    client,
    watcher,
    initialisedWatcher,
    skipCursorToNewest,
    payOrders,
    settlement,
    newestTransaction,
    setFaults: (plan: Partial<FaultPlan>) => emulator.setFaults(plan),
    close: () => emulator.close(),
  };
}

export type TonWorld = Awaited<ReturnType<typeof tonWorld>>;

/**
 * A fresh TonWorld, under a prefix of its own, for every test of the calling file; `use` gets
 * each one. The Redis connection is closed after the file.
 */
export function tonWorldPerTest(use: (world: TonWorld) => void): void {
  const { redis, prefix } = testRedis();
  let run = 0;
  beforeEach(async () => {
    run++;
    const world = await tonWorld(redis, `${prefix}${run}:`);
    use(world);
    return () => world.close();
  });
  afterAll(() => redis.quit());
}

/** Polls until a poll ends without throwing (a fault may exhaust retries), at most `max` times. */
export async function pollUntilSettled(watcher: PaymentWatcher, max = 50) {
  for (let i = 0; i < max; i++) {
    try {
      const result = await watcher.pollOnce();
      if (result.kind === "processed" || result.kind === "idle") return result;
    } catch {
      // A poll that failed moved nothing; try again.
    }
  }
  throw new Error(`watcher did not settle in ${max} polls`);
}

/** A TransactionSource that lets a test tamper with what the watcher sees, page by page. */
export function tamperedSource(
  inner: TransactionSource,
  tamper: (page: ObservedTransaction[], call: number) => ObservedTransaction[],
): TransactionSource & { calls: number } {
  const source = {
    calls: 0,
    getLastTransaction: (address: Address) => inner.getLastTransaction(address),
    async getTransactions(
      address: Address,
      page: Parameters<TransactionSource["getTransactions"]>[1],
    ): Promise<FetchedPage> {
      source.calls++;
      const fetched = await inner.getTransactions(address, page);
      const transactions = tamper(await fetched.transactions, source.calls);
      return {
        ids: transactions.map((tx) => ({ lt: tx.lt, hash: tx.hash })),
        transactions: Promise.resolve(transactions),
      };
    },
  };
  return source;
}

export type { EmulatedWallet };
