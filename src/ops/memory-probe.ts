/**
 * The memory scenario of `npm run bench`, run in a process of its own: create and pay N orders
 * (argv[2]) in BENCH_REDIS_URL, then print one JSON line of this process's memory: its peak, right
 * after (a full GC first), and once it has idled for SETTLE_MS. Under src/ so
 * that the build holds it too: the bench runs it from the sources under tsx and compiled under
 * plain node, as production runs.
 */
import { Redis } from "ioredis";
import { OrderStore } from "../orders/store.js";
import { PaymentsCore } from "../payments/record.js";

const count = Number(process.argv[2] ?? 100_000);
/** How long the process idles after the burst before its memory at rest is read. */
const SETTLE_MS = 30_000;
const redis = new Redis(process.env.BENCH_REDIS_URL ?? "", { enableAutoPipelining: true });
const store = new OrderStore(redis, { prefix: `bench:${process.pid}:memory:` });
const payments = new PaymentsCore(store, { latePolicy: "fulfil" });

globalThis.gc?.();
const { rss: before, heapUsed: heapBefore } = process.memoryUsage();
for (let i = 0; i < count; i += 1000) {
  await Promise.all(
    Array.from({ length: Math.min(1000, count - i) }, async (_, j) => {
      const order = await store.create({
        userId: 1 + ((i + j) % 5000),
        chatId: 1,
        productId: "mug",
        quantity: 1,
        method: "ton",
        currency: "TON",
        amount: 1_000_000_000n,
        lang: "en",
        ttlMs: 3_600_000,
      });
      await payments.recordPayment(order.id, {
        key: `ton:${order.id}`,
        method: "ton",
        currency: "TON",
        amount: order.amount,
        receivedAt: Date.now(),
      });
    }),
  );
}
// The most the process held at any moment, in KiB.
const peak = process.resourceUsage().maxRSS * 1024;
globalThis.gc?.();
const { rss, heapUsed } = process.memoryUsage();
// Then idle, as a shop does between bursts, with no forced GC: V8's memory reducer gives the
// young generation and freed pages back on its own.
await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
const settled = process.memoryUsage().rss;
const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
process.stdout.write(
  `${JSON.stringify({
    orders: count,
    rss_peak_mb: mb(peak),
    rss_mb: mb(rss),
    rss_settled_mb: mb(settled),
    rss_at_start_mb: mb(before),
    heap_used_at_start_mb: mb(heapBefore),
    // What the process still holds after a full GC: orders live in Redis, not here.
    heap_used_after_gc_mb: mb(heapUsed),
  })}\n`,
);
redis.disconnect();
