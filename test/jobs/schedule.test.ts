import cron, { type ScheduledTask } from "node-cron";
import { afterAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { createJobs, type JobsDeps, scheduleJobs } from "../../src/jobs/schedule.js";
import { silentLogger } from "../../src/log.js";
import { OrderStore } from "../../src/orders/store.js";
import { PaymentsCore } from "../../src/payments/record.js";
import type { PaymentWatcher } from "../../src/payments/ton/watcher.js";
import { UnmatchedPayments } from "../../src/payments/unmatched.js";
import type { RedisClient } from "../../src/redis/client.js";
import { capturedLog } from "../support/log.js";
import { streamEntries } from "../support/partitions.js";
import { testRedis } from "../support/redis.js";
import { tonOrder } from "../support/shop.js";
import { starsWorld } from "../support/stars-world.js";
import { type TonWorld, tonWorld } from "../support/ton-world.js";

const { redis, prefix: base } = testRedis();
// Each "process" has its own connection, as separate bot processes would.
const connections: RedisClient[] = [redis];
let world: TonWorld;
let prefix: string;
let run = 0;
/** The shared clock of every process's store; the jobs read the time from it. */
let clock = 0;
/** Daily reports that went out, by day. */
let sent: string[] = [];

beforeEach(async () => {
  run++;
  prefix = `${base}${run}:`;
  world = await tonWorld(redis, prefix);
  clock = world.chain.now * 1000;
  sent = [];
  return () => world.close();
});
afterAll(async () => {
  for (const connection of connections) await connection.quit();
});

/** One bot process: its own Redis connection, store, toncenter client, watcher and jobs. */
function botProcess(overrides: Partial<JobsDeps> = {}) {
  const { redis: connection } = testRedis();
  connections.push(connection);
  const store = new OrderStore(connection, { prefix, clock: () => clock });
  const client = world.client();
  const watcher = world.watcher({
    redis: connection,
    source: client,
    store,
    payments: new PaymentsCore(store, { latePolicy: "fulfil" }),
    unmatched: new UnmatchedPayments(connection, prefix),
  });
  const deps = {
    store,
    log: silentLogger,
    redis: connection,
    prefix,
    watchers: () => [watcher],
    dailyReport: async () => {
      sent.push(new Date(clock).toISOString().slice(0, 10));
    },
    ...overrides,
  } as JobsDeps;
  return { jobs: createJobs(deps), deps, client, store, watcher };
}

/** Payments the cursor jumped past, so only a reconcile pass can record them. */
async function missedPayments(count: number) {
  await world.initialisedWatcher();
  const orders = await world.payOrders(count);
  await world.skipCursorToNewest();
  return orders;
}

/** The cron tasks a call registers, by name. */
function tasksOf(start: () => void): Map<string, ScheduledTask> {
  const before = new Set(cron.getTasks().keys());
  start();
  const added = new Map<string, ScheduledTask>();
  for (const [id, task] of cron.getTasks()) {
    if (!before.has(id)) added.set(task.name ?? id, task);
  }
  return added;
}

const DAY_MS = 24 * 60 * 60_000;

/** A Stars shop on this test's prefix, and an order whose successful_payment update was lost. */
async function lostStarsPayment() {
  const stars = await starsWorld(redis, prefix);
  onTestFinished(() => stars.close());
  const buyer = stars.buyer();
  const { order, invoice } = await stars.order(buyer);
  await stars.pay(buyer, invoice, "lost");
  const reads = () => stars.emulator.stats.byMethod.getStarTransactions ?? 0;
  return { stars, order, reads };
}

/** Polls until the order has `status`; the job runs on its own timer. */
async function orderReaches(store: OrderStore, orderId: string, status: string) {
  const deadline = Date.now() + 5_000;
  while ((await store.require(orderId)).status !== status) {
    if (Date.now() > deadline) throw new Error(`order ${orderId} never became ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("createJobs", () => {
  it("expires a due order in one of two processes whose ticks coincide", async () => {
    const a = botProcess();
    const b = botProcess();
    const order = await a.store.create(tonOrder({ ttlMs: 60_000 }));
    clock += 60_000;

    const ran = await Promise.all([a.jobs.expireOrders(), b.jobs.expireOrders()]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect((await a.store.require(order.id)).status).toBe("expired");
    const events = await streamEntries(redis, world.keys.events);
    expect(events.filter(([, f]) => f[3]?.includes("order.expired"))).toHaveLength(1);
  });

  it("reconciles in one of two processes, which records what the cursor missed", async () => {
    const orders = await missedPayments(10);
    const a = botProcess();
    const b = botProcess();

    const ran = await Promise.all([a.jobs.reconcilePayments(), b.jobs.reconcilePayments()]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    // Only the process that ran asked toncenter for anything.
    expect([a.client.requests, b.client.requests].filter((n) => n > 0)).toHaveLength(1);
    expect(await world.settlement(orders)).toEqual({ paid: 10, notPaid: 0, doubled: 0, jobs: 10 });
  });

  it("reads the Stars ledger in one of two processes, which records the lost payment", async () => {
    const { stars, order, reads } = await lostStarsPayment();
    const a = botProcess({ starsLedger: stars.ledger() });
    const b = botProcess({ starsLedger: stars.ledger() });

    const ran = await Promise.all([a.jobs.reconcileStars(), b.jobs.reconcileStars()]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(reads()).toBe(1);
    expect((await stars.store.require(order.id)).status).toBe("paid");
    expect(await stars.jobsOf(order.id)).toBe(1);
  });

  it("reconciles the watchers there are at each pass, one known only after start included", async () => {
    const orders = await missedPayments(3);
    const shop = botProcess();
    const known: PaymentWatcher[] = [];
    const jobs = createJobs({ ...shop.deps, watchers: () => known } as JobsDeps);

    expect(await jobs.reconcilePayments()).toBe(false);
    expect((await world.settlement(orders)).paid).toBe(0);

    known.push(shop.watcher);
    expect(await jobs.reconcilePayments()).toBe(true);
    expect(await world.settlement(orders)).toEqual({ paid: 3, notPaid: 0, doubled: 0, jobs: 3 });
  });

  it("reconciles only the last six hours", async () => {
    const orders = await missedPayments(2);
    clock += 6 * 60 * 60_000 + 60_000;
    expect(await botProcess().jobs.reconcilePayments()).toBe(true);
    expect((await world.settlement(orders)).paid).toBe(0);
  });

  it("sends the daily report once a day across processes and restarts", async () => {
    clock = Date.parse("2026-11-23T09:00:00Z");
    const a = botProcess();
    const b = botProcess();

    const ran = await Promise.all([a.jobs.dailyReport(), b.jobs.dailyReport()]);
    expect(ran.filter(Boolean)).toHaveLength(1);
    // A process restarted the same afternoon does not send it again.
    clock += 6 * 60 * 60_000;
    expect(await botProcess().jobs.dailyReport()).toBe(false);
    // The next morning it goes out again.
    clock = Date.parse("2026-11-24T09:00:00Z");
    expect(await b.jobs.dailyReport()).toBe(true);
    expect(sent).toEqual(["2026-11-23", "2026-11-24"]);
  });

  it("without Redis, still expires orders and leaves the guarded jobs off", async () => {
    const store = new OrderStore(redis, { prefix, clock: () => clock });
    const order = await store.create(tonOrder({ ttlMs: 60_000 }));
    clock += 60_000;
    const jobs = createJobs({ store, log: silentLogger });

    expect(await jobs.expireOrders()).toBe(true);
    expect((await store.require(order.id)).status).toBe("expired");
    expect(await jobs.reconcilePayments()).toBe(false);
    expect(await jobs.reconcileStars()).toBe(false);
    expect(await jobs.dailyReport()).toBe(false);
  });
});

describe("scheduleJobs", () => {
  it("schedules expiry every 15 s, reconcile every 10 minutes and the report at 09:00 UTC", async () => {
    let stop: (() => Promise<void>) | undefined;
    const tasks = tasksOf(() => {
      stop = scheduleJobs(botProcess().deps);
    });
    expect(Object.fromEntries([...tasks].map(([name, task]) => [name, task.getPattern()]))).toEqual(
      {
        "expire-orders": "*/15 * * * * *",
        "reconcile-payments": "0 */10 * * * *",
        "daily-report": "0 0 9 * * *",
      },
    );
    const nextReport = tasks.get("daily-report")?.getNextRun();
    expect(nextReport?.toISOString()).toMatch(/T09:00:00\.000Z$/);

    await stop?.();
    for (const task of tasks.values()) expect(cron.getTasks().has(task.id)).toBe(false);
  });

  it("reads the Stars ledger every 10 minutes, and once soon after the schedule starts", async () => {
    const { stars, order } = await lostStarsPayment();
    let stop: (() => Promise<void>) | undefined;
    const tasks = tasksOf(() => {
      stop = scheduleJobs(botProcess({ starsLedger: stars.ledger(), starsFirstRunMs: 50 }).deps);
    });

    expect(tasks.get("reconcile-stars")?.getPattern()).toBe("30 */10 * * * *");
    await orderReaches(stars.store, order.id, "paid");
    await stop?.();
    expect(await stars.jobsOf(order.id)).toBe(1);
  });

  it("keeps the old call working: store and log schedule only the expiry", async () => {
    let stop: (() => Promise<void>) | undefined;
    const tasks = tasksOf(() => {
      stop = scheduleJobs({ store: new OrderStore(redis, { prefix }), log: silentLogger });
    });
    expect([...tasks.keys()]).toEqual(["expire-orders"]);
    await stop?.();
  });

  it("sends the report once when two scheduled processes fire at 09:00 together", async () => {
    clock = Date.parse("2026-11-23T09:00:00Z");
    const stops: (() => Promise<void>)[] = [];
    const reportTasks = [botProcess(), botProcess()].map(({ deps }) => {
      const tasks = tasksOf(() => stops.push(scheduleJobs(deps)));
      return tasks.get("daily-report") as ScheduledTask;
    });

    const ran = await Promise.all(reportTasks.map((task) => task.execute()));
    expect(ran.filter(Boolean)).toHaveLength(1);
    expect(sent).toEqual(["2026-11-23"]);
    for (const stop of stops) await stop();
  });

  it("logs a failed report, keeps the schedule, and does not retry it the same day", async () => {
    const { records, log } = capturedLog();
    const errors = () => records().flatMap((line) => (line.level >= 50 ? [line.job ?? ""] : []));
    clock = Date.parse("2026-11-23T09:00:00Z");
    const { deps } = botProcess({
      log,
      dailyReport: async () => {
        throw new Error("telegram down");
      },
    });
    let stop: (() => Promise<void>) | undefined;
    const tasks = tasksOf(() => {
      stop = scheduleJobs(deps);
    });
    const report = tasks.get("daily-report") as ScheduledTask;

    expect(await report.execute()).toBe(false);
    expect(errors()).toEqual(["daily-report"]);
    // A half-sent report must not go out twice: later that day the claim still stands.
    clock += DAY_MS / 4;
    expect(await report.execute()).toBe(false);
    expect(errors()).toEqual(["daily-report"]);
    expect(report.getStatus()).not.toBe("destroyed");
    await stop?.();
  });
});
