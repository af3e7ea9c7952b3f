import { afterAll, describe, expect, it, vi } from "vitest";
import { DeliveryFailed, DeliveryRejected, forPeriod } from "../../src/fulfilment/deliverer.js";
import { FulfilmentWorker, type FulfilmentWorkerOptions } from "../../src/fulfilment/worker.js";
import { ShopMetrics } from "../../src/http/metrics.js";
import type { Order } from "../../src/orders/order.js";
import { fulfilOrder, refundOrder } from "../../src/orders/state.js";
import { OrderStore } from "../../src/orders/store.js";
import { PaymentsCore } from "../../src/payments/record.js";
import { partitionOf } from "../../src/redis/keys.js";
import { streamEntries } from "../support/partitions.js";
import { closeConnections, connectKillable, deferred, Outbox, shop } from "./helpers.js";

afterAll(closeConnections);

type Shop = ReturnType<typeof shop>;

function worker(s: Shop, options: Partial<FulfilmentWorkerOptions> = {}) {
  return new FulfilmentWorker({
    redis: s.redis,
    store: s.store,
    prefix: s.prefix,
    consumer: "worker-a",
    deliverers: () => [],
    ...options,
  });
}

async function deadJobs(s: Shop) {
  const entries = await streamEntries(s.redis, s.keys.fulfilmentDead);
  return entries.map(([, fields]) => {
    const record: Record<string, string> = {};
    for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i] ?? ""] = fields[i + 1] ?? "";
    return record;
  });
}

/** A paid order whose one delivery fails as an outage of its service until `back()`. */
async function whileServiceAway(options: Partial<FulfilmentWorkerOptions>) {
  const s = shop();
  const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
  const order = await s.paidOrder();
  let away = true;
  const w = worker(s, {
    deliverers: () => [
      outbox.deliverer("text", async () => {
        if (away) throw new DeliveryFailed("the service is away");
      }),
    ],
    outage: (error) => error instanceof DeliveryFailed,
    ...options,
  });
  return { s, outbox, order, w, back: () => (away = false) };
}

describe("FulfilmentWorker", () => {
  it("delivers a paid order once, marks it fulfilled and acknowledges the job", async () => {
    const s = shop();
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    const order = await s.paidOrder();
    const w = worker(s, { deliverers: () => [outbox.deliverer("text")] });

    expect(await w.processOnce()).toBe(1);
    expect(await w.processOnce()).toBe(0);

    expect(await outbox.sent()).toEqual([`text:${order.id}`]);
    expect(await s.status(order.id)).toBe("fulfilled");
    expect(await s.pendingJobs()).toBe(0);
    const events = await streamEntries(s.redis, s.keys.events);
    expect(events.filter(([, f]) => f.includes('{"type":"order.fulfilled"}'))).toHaveLength(1);
  });

  it("runs jobs of two partitions that carry the same entry id, both at once", async () => {
    const s = shop();
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    const first = await s.paidOrder();
    let second = await s.paidOrder();
    while (partitionOf(second.id) === partitionOf(first.id)) second = await s.paidOrder();
    // Each partition's stream numbers its own entries: the same id in two of them is common.
    const id = `${Date.now() + 60_000}-0`;
    for (const order of [first, second]) {
      const stream = s.keys.fulfilment(partitionOf(order.id));
      await s.redis.del(stream);
      await s.redis.xadd(stream, id, "orderId", order.id);
    }
    // A job skipped now would only come back after claimIdleMs, long after this test gives up.
    const w = worker(s, { deliverers: () => [outbox.deliverer("text")], claimIdleMs: 600_000 });
    await w.start();
    try {
      await expect.poll(() => s.status(second.id)).toBe("fulfilled");
      await expect.poll(() => s.status(first.id)).toBe("fulfilled");
    } finally {
      await w.stop();
    }
  });

  it("reclaims the job of a worker that died mid-delivery and delivers it exactly once", async () => {
    const s = shop();
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    const order = await s.paidOrder();

    // Worker A, on its own connection, takes the job and hangs inside the deliverer.
    const redisA = await connectKillable();
    const started = deferred();
    const hang = deferred();
    const a = new FulfilmentWorker({
      redis: redisA,
      store: new OrderStore(redisA, { prefix: s.prefix }),
      prefix: s.prefix,
      consumer: "worker-a",
      deliverers: () => [
        outbox.deliverer("text", async () => {
          started.resolve();
          await hang.promise;
        }),
      ],
    });
    const runA = a.processOnce().catch(() => 0);
    await started.promise;
    redisA.disconnect(); // the process is gone: no ack, no renewals

    const b = worker(s, {
      consumer: "worker-b",
      claimIdleMs: 50,
      deliverers: () => [outbox.deliverer("text")],
    });
    await vi.waitFor(async () => expect(await b.processOnce()).toBe(1), { timeout: 10_000 });

    expect(await outbox.sent()).toEqual([`text:${order.id}`]);
    expect(await s.status(order.id)).toBe("fulfilled");
    expect(await s.pendingJobs()).toBe(0);
    expect(await b.processOnce()).toBe(0);

    hang.reject(new Error("worker A was killed"));
    await runA;
    expect(await outbox.sent()).toEqual([`text:${order.id}`]);
  });

  it("keeps a slow delivery from being reclaimed while its worker is alive", async () => {
    const s = shop();
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    const order = await s.paidOrder();
    const started = deferred();
    const slow = deferred();
    const a = worker(s, {
      claimIdleMs: 600,
      deliverers: () => [
        outbox.deliverer("text", async () => {
          started.resolve();
          await slow.promise;
        }),
      ],
    });
    const b = worker(s, {
      consumer: "worker-b",
      claimIdleMs: 600,
      deliverers: () => [outbox.deliverer("text")],
    });

    const runA = a.processOnce();
    await started.promise;
    // Poll for well over claimIdleMs while A is still delivering.
    let takenByB = 0;
    const until = Date.now() + 1_500;
    while (Date.now() < until) {
      takenByB += await b.processOnce();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    slow.resolve();
    await runA;

    expect(takenByB).toBe(0);
    expect(await outbox.sent()).toEqual([`text:${order.id}`]);
    expect(await s.status(order.id)).toBe("fulfilled");
    expect(await s.pendingJobs()).toBe(0);
  });

  it("does not repeat a deliverer that succeeded when the job is retried", async () => {
    const s = shop();
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    const order = await s.paidOrder();
    let outages = 1;
    const deliverers = [
      outbox.deliverer("text"),
      outbox.deliverer("key", async () => {
        if (outages-- > 0) throw new DeliveryFailed("telegram is down");
      }),
    ];
    const w = worker(s, { deliverers: () => deliverers, claimIdleMs: 20, retryDelayMs: () => 0 });

    expect(await w.processOnce()).toBe(1);
    expect(await outbox.sent()).toEqual([`text:${order.id}`]);
    expect(await s.status(order.id)).toBe("paid");
    expect(await s.pendingJobs()).toBe(1);
    expect(await s.redis.hkeys(s.keys.delivery(order.id))).toEqual(["text"]);

    await vi.waitFor(async () => expect(await w.processOnce()).toBe(1), { timeout: 10_000 });

    expect(await outbox.sent()).toEqual([`text:${order.id}`, `key:${order.id}`]);
    expect(await s.status(order.id)).toBe("fulfilled");
    expect(await s.pendingJobs()).toBe(0);
    expect(await deadJobs(s)).toEqual([]);
  });

  it("delivers other orders while one order's step hangs", async () => {
    const s = shop();
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    const stuck = await s.paidOrder();
    const started = deferred();
    const hang = deferred();
    const w = worker(s, {
      concurrency: 2,
      blockMs: 50,
      deliverers: (order) => [
        outbox.deliverer("goods", async () => {
          if (order.id !== stuck.id) return;
          started.resolve();
          await hang.promise;
        }),
      ],
    });
    await w.start();
    await started.promise;

    const others = [await s.paidOrder(), await s.paidOrder(), await s.paidOrder()];
    await vi.waitFor(async () => {
      for (const order of others) expect(await s.status(order.id)).toBe("fulfilled");
    });
    expect(await s.status(stuck.id)).toBe("paid");

    hang.resolve();
    await vi.waitFor(async () => expect(await s.status(stuck.id)).toBe("fulfilled"));
    await w.stop();
    expect((await outbox.sent()).sort()).toEqual(
      [stuck, ...others].map((order) => `goods:${order.id}`).sort(),
    );
  });

  it("delivers a subscription's renewal recorded while the period before is still being delivered", async () => {
    const s = shop();
    const payments = new PaymentsCore(s.store, { latePolicy: "fulfil" });
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    const created = await s.store.create({
      userId: 42,
      chatId: 42,
      productId: "club",
      quantity: 1,
      method: "stars",
      currency: "XTR",
      amount: 250n,
      lang: "en",
      ttlMs: 15 * 60_000,
    });
    const charge = (n: number) => ({
      key: `stars:c${n}`,
      method: "stars" as const,
      currency: "XTR",
      amount: 250n,
      receivedAt: Date.now(),
      reference: { telegramChargeId: `c${n}` },
      period: { until: Date.now() + n * 30 * 86_400_000 },
    });
    await payments.recordPayment(created.id, charge(1));
    const started = deferred();
    const hang = deferred();
    const w = worker(s, {
      blockMs: 50,
      deliverers: (order) => [
        forPeriod(
          order,
          outbox.deliverer("issue", async () => {
            if (order.subscription?.periods !== 1) return;
            started.resolve();
            await hang.promise;
          }),
        ),
      ],
    });
    await w.start();
    await started.promise;

    // Telegram charges the next period while the first one's issue is on its way.
    expect((await payments.recordPayment(created.id, charge(2))).outcome.kind).toBe("renewed");
    hang.resolve();

    // Each period's issue sent once, under its own step.
    await vi.waitFor(async () =>
      expect((await s.redis.hkeys(s.keys.delivery(created.id))).sort()).toEqual([
        "issue",
        "issue@2",
      ]),
    );
    expect(await outbox.sent()).toEqual([`issue:${created.id}`, `issue:${created.id}`]);
    await vi.waitFor(async () => expect(await s.status(created.id)).toBe("fulfilled"));
    await vi.waitFor(async () => expect(await s.pendingJobs()).toBe(0));
    await w.stop();
  });

  it("leaves a job alone for as long as the other side asked before anyone retries it", async () => {
    const s = shop();
    const told = await s.paidOrder();
    const plain = await s.paidOrder();
    const failing = (order: Order) => [
      {
        name: "goods",
        deliver: async () => {
          throw order.id === told.id
            ? new DeliveryFailed("Too Many Requests: retry after 5", { retryAfterMs: 5_000 })
            : new DeliveryFailed("Internal Server Error");
        },
      },
    ];
    const a = worker(s, { claimIdleMs: 10_000, retryDelayMs: () => 0, deliverers: failing });
    expect(await a.processOnce()).toBe(2);

    // Retried at once: only the job that was not asked to wait is claimable now.
    const b = worker(s, { consumer: "worker-b", claimIdleMs: 10_000, deliverers: () => [] });
    expect(await b.processOnce()).toBe(1);
    expect(await s.status(plain.id)).toBe("fulfilled");
    expect(await s.status(told.id)).toBe("paid");
  });

  it("moves a job to the dead stream after maxAttempts failures", async () => {
    const s = shop();
    const order = await s.paidOrder();
    const metrics = new ShopMetrics({ defaultMetrics: false });
    const w = worker(s, {
      metrics,
      deliverers: () => [
        {
          name: "text",
          deliver: async () => {
            throw new DeliveryFailed("telegram is down");
          },
        },
      ],
      claimIdleMs: 20,
      retryDelayMs: () => 0,
      maxAttempts: 3,
    });

    await vi.waitFor(
      async () => {
        await w.processOnce();
        expect(await deadJobs(s)).toHaveLength(1);
      },
      { timeout: 10_000 },
    );

    expect(await deadJobs(s)).toEqual([
      expect.objectContaining({
        orderId: order.id,
        deliverer: "text",
        error: "telegram is down",
        attempts: "3",
      }),
    ]);
    expect(await s.pendingJobs()).toBe(0);
    expect(await s.status(order.id)).toBe("paid");
    const { body } = await metrics.text();
    expect(body).toContain("tpb_fulfilment_job_attempts_total 3");
    expect(body).toContain("tpb_fulfilment_jobs_dead_total 1");
  });

  it("waits out an outage of the deliverer's service without using up the job's attempts", async () => {
    const { s, outbox, order, w, back } = await whileServiceAway({
      claimIdleMs: 20,
      retryDelayMs: () => 0,
      maxAttempts: 3,
    });

    // Twice as many tries as maxAttempts allows for failures that are the job's own.
    let tries = 0;
    await vi.waitFor(
      async () => {
        tries += await w.processOnce();
        expect(tries).toBeGreaterThanOrEqual(6);
      },
      { timeout: 10_000 },
    );
    expect(await deadJobs(s)).toEqual([]);
    expect(await s.status(order.id)).toBe("paid");

    back();
    await vi.waitFor(async () => expect(await w.processOnce()).toBe(1), { timeout: 10_000 });
    expect(await outbox.sent()).toEqual([`text:${order.id}`]);
    expect(await s.status(order.id)).toBe("fulfilled");
    expect(await deadJobs(s)).toEqual([]);
  });

  it("retries a job that waits out an outage at once when told the service is back", async () => {
    // Left alone, the retry would come a minute later.
    const { s, outbox, order, w, back } = await whileServiceAway({ claimIdleMs: 60_000 });

    expect(await w.processOnce()).toBe(1);
    expect(await w.processOnce()).toBe(0);
    back();
    await w.retryNow();

    expect(await w.processOnce()).toBe(1);
    expect(await outbox.sent()).toEqual([`text:${order.id}`]);
    expect(await s.status(order.id)).toBe("fulfilled");
  });

  it("sends a rejected delivery to the dead stream at once, leaving the order paid", async () => {
    const s = shop();
    const order = await s.paidOrder();
    const w = worker(s, {
      deliverers: () => [
        {
          name: "stock",
          deliver: async () => {
            throw new DeliveryRejected('stock pool "keys" is empty');
          },
        },
      ],
    });

    expect(await w.processOnce()).toBe(1);

    expect(await deadJobs(s)).toEqual([
      expect.objectContaining({ orderId: order.id, deliverer: "stock", attempts: "1" }),
    ]);
    expect(await s.pendingJobs()).toBe(0);
    expect(await s.status(order.id)).toBe("paid");
  });

  it("acknowledges jobs for refunded, already fulfilled and missing orders without delivering", async () => {
    const s = shop();
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    const refunded = await s.paidOrder();
    await s.store.update(refunded.id, (o) => {
      const next = refundOrder(o, Date.now());
      return next && { order: next };
    });
    const fulfilled = await s.paidOrder();
    await s.store.update(fulfilled.id, (o) => {
      const next = fulfilOrder(o, Date.now());
      return next && { order: next };
    });
    await s.redis.xadd(
      s.keys.fulfilment(partitionOf("ord_missing")),
      "*",
      "orderId",
      "ord_missing",
    );
    const w = worker(s, { deliverers: () => [outbox.deliverer("text")] });

    expect(await w.processOnce()).toBe(3);

    expect(await outbox.sent()).toEqual([]);
    expect(await s.pendingJobs()).toBe(0);
    expect(await deadJobs(s)).toEqual([]);
    expect(await s.status(refunded.id)).toBe("refunded");
    expect(await s.status(fulfilled.id)).toBe("fulfilled");
  });

  it("runs as a loop on a blocking read until stopped", async () => {
    const s = shop();
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    const w = worker(s, { deliverers: () => [outbox.deliverer("text")], blockMs: 10_000 });
    await w.start();

    const order = await s.paidOrder();
    await vi.waitFor(async () => expect(await s.status(order.id)).toBe("fulfilled"), {
      timeout: 10_000,
    });
    await w.stop();

    expect(await outbox.sent()).toEqual([`text:${order.id}`]);
    expect(await s.pendingJobs()).toBe(0);
    // The shared connection stays usable after stop().
    expect(await s.redis.ping()).toBe("PONG");
  });

  it("never runs one job twice at once, even when its hold lapses before the first step", async () => {
    const s = shop();
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    // The first read of the order is slow (Redis busy, say): the job sits idle past claimIdleMs
    // before its hold is first renewed, so the worker's own reclaim offers it again.
    let reads = 0;
    const store = new Proxy(s.store, {
      get(target, name, receiver) {
        if (name !== "get") return Reflect.get(target, name, receiver);
        return async (orderId: string) => {
          if (reads++ === 0) await new Promise((resolve) => setTimeout(resolve, 700));
          return target.get(orderId);
        };
      },
    });
    const w = worker(s, {
      store,
      claimIdleMs: 300,
      blockMs: 50,
      deliverers: () => [
        outbox.deliverer("text", () => new Promise((resolve) => setTimeout(resolve, 1000))),
      ],
    });
    const order = await s.paidOrder();
    await w.start();
    await vi.waitFor(async () => expect(await s.status(order.id)).toBe("fulfilled"), {
      timeout: 10_000,
    });
    await w.stop();

    expect(await outbox.sent()).toEqual([`text:${order.id}`]);
    expect(await s.pendingJobs()).toBe(0);
  });

  it("does not count a stop against the job's attempts", async () => {
    const s = shop();
    const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
    const order = await s.paidOrder();
    const started = deferred();
    const slow = deferred();
    const steps = () => [
      outbox.deliverer("goods", async () => {
        started.resolve();
        await slow.promise;
      }),
      outbox.deliverer("receipt"),
    ];
    // One attempt allowed: a stop in the middle must not use it up.
    const a = worker(s, { maxAttempts: 1, claimIdleMs: 200, blockMs: 50, deliverers: steps });
    await a.start();
    await started.promise;
    const stopping = a.stop();
    slow.resolve();
    await stopping;
    expect(await outbox.sent()).toEqual([`goods:${order.id}`]);

    const b = worker(s, {
      consumer: "worker-b",
      maxAttempts: 1,
      claimIdleMs: 200,
      deliverers: steps,
    });
    await vi.waitFor(async () => expect(await b.processOnce()).toBe(1), { timeout: 5_000 });

    expect(await outbox.sent()).toEqual([`goods:${order.id}`, `receipt:${order.id}`]);
    expect(await s.status(order.id)).toBe("fulfilled");
    expect(await deadJobs(s)).toEqual([]);
  });
});
