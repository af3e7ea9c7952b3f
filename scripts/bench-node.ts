/**
 * One shop process for the reliability benchmark: a watcher and a fulfilment worker sharing
 * Redis with its siblings. The benchmark kills it with SIGKILL at random and starts it again.
 * Configured by BENCH_* variables; delivers by recording the order in a Redis hash, once.
 */
import { hostname } from "node:os";
import { Address } from "@ton/core";
import { Redis } from "ioredis";
import { FulfilmentWorker } from "../src/fulfilment/worker.js";
import { OrderStore } from "../src/orders/store.js";
import { PaymentsCore } from "../src/payments/record.js";
import { ToncenterClient } from "../src/payments/ton/client.js";
import { PaymentWatcher } from "../src/payments/ton/watcher.js";
import { UnmatchedPayments } from "../src/payments/unmatched.js";

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const prefix = env("BENCH_PREFIX");
const redis = new Redis(env("BENCH_REDIS_URL"), { enableAutoPipelining: true });
const store = new OrderStore(redis, { prefix });
const payments = new PaymentsCore(store, { latePolicy: "fulfil" });
const source = new ToncenterClient({
  endpoint: env("BENCH_TONCENTER"),
  rps: 50,
  minBackoffMs: 20,
  maxBackoffMs: 200,
  retries: 10,
  timeoutMs: 2000,
});
const watcher = new PaymentWatcher({
  redis,
  prefix,
  source,
  merchant: Address.parse(env("BENCH_MERCHANT")),
  store,
  payments,
  unmatched: new UnmatchedPayments(redis, prefix),
  leaseTtlMs: 1500,
  pageSize: 50,
});
const deliveries = `${prefix}bench:deliveries`;
const attempts = `${prefix}bench:attempts`;
const worker = new FulfilmentWorker({
  redis,
  store,
  prefix,
  consumer: `${hostname()}-${process.pid}`,
  claimIdleMs: 1500,
  blockMs: 200,
  retryDelayMs: () => 100,
  deliverers: () => [
    {
      name: "bench-record",
      async deliver(order) {
        await redis.hincrby(attempts, order.id, 1);
        // Idempotent like the stock deliverer: the first write wins, a retry finds it done.
        await redis.hsetnx(deliveries, order.id, String(process.pid));
      },
    },
  ],
});

await worker.start();
watcher.start(200);
process.send?.("ready");
