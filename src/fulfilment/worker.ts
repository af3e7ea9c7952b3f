import { setTimeout as sleep } from "node:timers/promises";
import { backoff } from "../backoff.js";
import type { Clock } from "../clock.js";
import { type Logger, silentLogger } from "../log.js";
import { type Metrics, noMetrics } from "../metrics.js";
import { orderFulfilled } from "../orders/events.js";
import type { Order } from "../orders/order.js";
import { fulfilOrder } from "../orders/state.js";
import type { OrderStore } from "../orders/store.js";
import type { RedisClient } from "../redis/client.js";
import { allPartitions, type RedisKeys, redisKeys } from "../redis/keys.js";
import { entryKey, fieldOf, type StreamEntry, StreamGroup } from "../redis/stream.js";
import {
  addDeliveryFailed,
  type Deliverer,
  DeliveryFailed,
  DeliveryRejected,
} from "./deliverer.js";

/** How long a loop that failed (Redis trouble) waits before it tries again. */
const LOOP_BACKOFF = backoff(500, 30_000);

export interface FulfilmentWorkerOptions {
  redis: RedisClient;
  store: OrderStore;
  prefix: string;
  /** Unique per running process, e.g. the host name and pid. */
  consumer: string;
  /**
   * The steps an order needs, in order, given the names of those already done. Asked again after
   * every step, so a step can shape the ones after it (the keys taken decide the messages).
   */
  deliverers: (order: Order, done: ReadonlySet<string>) => Deliverer[] | Promise<Deliverer[]>;
  /** Jobs in hand at once, so one slow order never holds up the others. */
  concurrency?: number;
  group?: string;
  /** A job nobody has touched for this long is taken over by any worker. */
  claimIdleMs?: number;
  /** How long one blocking read waits for new jobs; stop() may wait this long at worst. */
  blockMs?: number;
  /** Deliveries of one job before it goes to the dead stream. */
  maxAttempts?: number;
  /** Wait before retrying after failed attempt n; at most claimIdleMs (see scheduleRetry). */
  retryDelayMs?: (attempt: number) => number;
  /**
   * True for a failure that is an outage of the service a deliverer calls (Telegram away), not
   * the job's fault: such a job is retried every claimIdleMs at most, without using up its
   * attempts, until the service is back (and at once after `retryNow()`).
   */
  outage?: (error: unknown) => boolean;
  log?: Logger;
  clock?: Clock;
  metrics?: Metrics;
}

/** How often a busy loop looks for stale jobs (an idle one looks after every blocking read). */
const RECLAIM_EVERY_MS = 250;

interface Job {
  /** The partition's stream the job sits in. */
  stream: string;
  id: string;
  orderId: string | undefined;
  /** Known for fresh reads (1); looked up for reclaimed jobs. */
  attempt: number | undefined;
}

interface Failure {
  deliverer: string;
  error: unknown;
}

/** How a run of an order's steps ended; `delivered` names the steps done in this run. */
type Outcome =
  | { delivered: string[]; failure?: undefined; stopped?: undefined }
  | { delivered: string[]; failure: Failure; stopped?: undefined }
  | { delivered: string[]; failure?: undefined; stopped: true };

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Delivers paid orders from the `fulfilment` stream through a consumer group, several jobs at
 * once. Each step's success is recorded, so a retried or reclaimed job runs only what is left.
 */
export class FulfilmentWorker {
  private readonly redis: RedisClient;
  private readonly jobs: StreamGroup;
  private readonly store: OrderStore;
  private readonly keys: RedisKeys;
  private readonly consumer: string;
  private readonly deliverers: FulfilmentWorkerOptions["deliverers"];
  private readonly concurrency: number;
  private readonly claimIdleMs: number;
  private readonly blockMs: number;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: (attempt: number) => number;
  private readonly outage: (error: unknown) => boolean;
  private readonly log: Logger;
  private readonly now: Clock;

  private stopping = false;
  /** When the loop last looked for stale jobs; 0 makes it look at once. */
  private reclaimedAt = 0;
  private running: Promise<void> | undefined;
  private wake = new AbortController();
  /** Jobs waiting out an outage, with the delivery count each was left at. */
  private readonly waiting = new Map<string, { job: Job; count: number }>();

  private readonly metrics: Metrics;

  constructor(options: FulfilmentWorkerOptions) {
    this.metrics = options.metrics ?? noMetrics;
    this.redis = options.redis;
    this.store = options.store;
    this.keys = redisKeys(options.prefix);
    this.consumer = options.consumer;
    this.jobs = new StreamGroup({
      redis: options.redis,
      streams: allPartitions.map(this.keys.fulfilment),
      group: options.group ?? "fulfilment",
      consumer: options.consumer,
      startAt: "0",
    });
    this.deliverers = options.deliverers;
    this.concurrency = Math.max(1, options.concurrency ?? 10);
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.blockMs = options.blockMs ?? 2_000;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.retryDelayMs = options.retryDelayMs ?? backoff(1000, 60_000);
    this.outage = options.outage ?? (() => false);
    this.log = options.log ?? silentLogger;
    this.now = options.clock ?? options.store.now;
  }

  /** Creates the group if needed and runs the loop in the background until stop(). */
  async start(): Promise<void> {
    if (this.running) throw new Error("fulfilment worker is already running");
    await this.jobs.ensure();
    await this.jobs.open();
    this.stopping = false;
    this.wake = new AbortController();
    this.running = this.loop();
  }

  /**
   * Lets each job in hand finish the step it is on, hands the jobs back (claimable by any worker
   * at once), then resolves.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.wake.abort();
    await this.jobs.interrupt();
    await this.running;
    await this.jobs.close();
    this.running = undefined;
  }

  /** Jobs waiting out an outage are retried now (the service they need is back). */
  async retryNow(): Promise<void> {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    this.reclaimedAt = 0;
    for (const { job, count } of waiting) {
      // Claimable at once, unless handed out again meanwhile.
      await this.jobs.setIdle(job, this.claimIdleMs, count).catch(() => undefined);
    }
    if (waiting.length > 0) await this.jobs.interrupt();
  }

  /**
   * One pass without blocking: reclaim stale jobs, read new ones, handle them all; returns how
   * many. Not for use while start() runs.
   */
  async processOnce(): Promise<number> {
    await this.jobs.ensure();
    const stale = await this.claimStale(this.concurrency);
    // Up to `concurrency` from every partition: a pass drains what is there, not a share of it.
    const fresh = await this.readNew(this.concurrency * allPartitions.length);
    const jobs = [...stale, ...fresh];
    await Promise.all(jobs.map((job) => this.handle(job)));
    return jobs.length;
  }

  private async loop(): Promise<void> {
    const inHand = new Set<Promise<void>>();
    // A job this worker already runs can come back from its own reclaim when its hold lapsed
    // (a slow first read): it must never run twice at once.
    const running = new Set<string>();
    const take = (jobs: Job[]) => {
      for (const job of jobs) {
        if (running.has(entryKey(job))) continue;
        running.add(entryKey(job));
        const task: Promise<void> = this.handle(job).finally(() => {
          inHand.delete(task);
          running.delete(entryKey(job));
        });
        inHand.add(task);
      }
    };
    let failures = 0;
    while (!this.stopping) {
      try {
        if (inHand.size >= this.concurrency) {
          await Promise.race(inHand);
          continue;
        }
        // A reclaim visits every partition, so a busy loop looks a few times a second, not
        // after every job; a full batch means a backlog and another look at once.
        const room0 = this.concurrency - inHand.size;
        const due = Date.now() - this.reclaimedAt >= RECLAIM_EVERY_MS;
        const stale = due ? await this.claimStale(room0) : [];
        if (due) this.reclaimedAt = stale.length >= room0 ? 0 : Date.now();
        take(stale);
        const room = this.concurrency - inHand.size;
        if (this.stopping || room === 0) continue;
        // Block only when nothing was reclaimed, so a backlog of retries drains first.
        take(await this.readNew(room, stale.length > 0 ? undefined : this.blockMs));
        failures = 0;
      } catch (error) {
        failures++;
        this.jobs.forget(error);
        this.log.error({ err: error, failures }, "fulfilment loop failed; pausing");
        await this.pause(LOOP_BACKOFF(failures));
      }
    }
    await Promise.all(inHand);
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.wake.signal }).catch(() => undefined);
  }

  private async claimStale(count: number): Promise<Job[]> {
    return (await this.jobs.claimStale(this.claimIdleMs, count)).map((entry) => jobOf(entry));
  }

  private async readNew(count: number, blockMs?: number): Promise<Job[]> {
    return (await this.jobs.readNew(count, blockMs)).map((entry) => jobOf(entry, 1));
  }

  private async handle(job: Job): Promise<void> {
    const { orderId } = job;
    this.waiting.delete(entryKey(job));
    try {
      if (!orderId) return await this.bury(job, "", "-", "job has no orderId", 1);
      const order = await this.store.get(orderId);
      if (!order) return await this.ack(job, orderId, "order not found");
      if (order.status === "fulfilled" || order.status === "refunded") {
        return await this.ack(job, orderId, `order is already ${order.status}`);
      }
      if (order.status !== "paid") {
        return await this.bury(job, orderId, "-", `order is ${order.status}, not paid`, 1);
      }
      if (order.held) return await this.ack(job, orderId, "order is held for an admin");

      const attempt = job.attempt ?? (await this.jobs.deliveryCount(job));
      if (attempt > this.maxAttempts) {
        // Delivered this often without any outcome: workers keep dying on this job.
        const reason = `no outcome after ${attempt - 1} attempts`;
        return await this.bury(job, orderId, await this.nextStep(order), reason, attempt);
      }

      this.metrics.jobAttempted();
      const outcome = await this.whileHolding(job, () => this.runSteps(order));
      const { delivered } = outcome;
      if (outcome.stopped) return await this.handBack(job, orderId, attempt, delivered);
      if (outcome.failure) return await this.failed(job, orderId, attempt, outcome.failure);

      const { order: after } = await this.store.update(orderId, (current) => {
        // Refunded while we delivered: leave it refunded.
        if (current.status !== "paid") return undefined;
        // Renewed while we delivered: the new period is its own job's to deliver and fulfil.
        if (current.subscription?.periods !== order.subscription?.periods) return undefined;
        const next = fulfilOrder(current, this.now());
        return next && { order: next, effects: { event: orderFulfilled() } };
      });
      await this.jobs.ack(job);
      this.log.info(
        { orderId, jobId: job.id, attempt, delivered, status: after.status },
        "fulfilment job done",
      );
    } catch (error) {
      // Redis or store trouble: the job stays pending and is reclaimed after claimIdleMs.
      this.log.error({ orderId, jobId: job.id, err: error }, "fulfilment job interrupted");
    }
  }

  /** Runs the order's steps not yet done, one at a time, recording each as it succeeds. */
  private async runSteps(order: Order): Promise<Outcome> {
    const record = this.keys.delivery(order.id);
    const done = new Set(await this.redis.hkeys(record));
    const delivered: string[] = [];
    for (;;) {
      if (this.stopping) return { delivered, stopped: true };
      let step: Deliverer | undefined;
      try {
        step = (await this.deliverers(order, done)).find((d) => !done.has(d.name));
        if (!step) return { delivered };
        await step.deliver(order);
      } catch (error) {
        return { delivered, failure: { deliverer: step?.name ?? "-", error } };
      }
      // A crash here, after the step took effect and before it is recorded, makes the retry
      // repeat this one step: the buyer may get this one message twice, never any other.
      await this.redis.hset(record, step.name, String(this.now()));
      done.add(step.name);
      delivered.push(step.name);
    }
  }

  /** The name of the first step not done, for the dead stream; "-" when it cannot be told. */
  private async nextStep(order: Order): Promise<string> {
    try {
      const done = new Set(await this.redis.hkeys(this.keys.delivery(order.id)));
      return (await this.deliverers(order, done)).find((d) => !done.has(d.name))?.name ?? "-";
    } catch {
      return "-";
    }
  }

  // Renews the job's idle clock while deliverers run, so a slow delivery is not mistaken for a
  // crashed worker and delivered twice.
  private async whileHolding<T>(job: Job, work: () => Promise<T>): Promise<T> {
    const renew = () =>
      this.jobs.setIdle(job, 0).catch((error: unknown) => {
        this.log.warn(
          { jobId: job.id, err: error },
          "could not renew the hold on a fulfilment job",
        );
      });
    const timer = setInterval(renew, Math.max(1, Math.floor(this.claimIdleMs / 3)));
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  private async failed(job: Job, orderId: string, attempt: number, failure: Failure) {
    const message = messageOf(failure.error);
    if (this.outage(failure.error) && !(failure.error instanceof DeliveryRejected)) {
      // Not this job's fault: the attempt is given back, and it waits for the service.
      const delay = Math.min(this.claimIdleMs, this.retryDelayMs(this.maxAttempts));
      const count = attempt - 1;
      if ((await this.jobs.setIdle(job, this.claimIdleMs - delay, "", count)) === 1) {
        this.waiting.set(entryKey(job), { job, count });
      }
      this.log.debug(
        { orderId, jobId: job.id, deliverer: failure.deliverer, error: message, delay },
        "delivery waits for its service to be back",
      );
      return;
    }
    if (failure.error instanceof DeliveryRejected || attempt >= this.maxAttempts) {
      return this.bury(job, orderId, failure.deliverer, message, attempt);
    }
    // The job's idle clock is the retry timer, so it survives a crash: the job becomes
    // claimable (by any worker) once it has been idle for claimIdleMs.
    const asked = failure.error instanceof DeliveryFailed ? (failure.error.retryAfterMs ?? 0) : 0;
    const delay = Math.min(this.claimIdleMs, Math.max(0, this.retryDelayMs(attempt), asked));
    await this.jobs.setIdle(job, this.claimIdleMs - delay);
    this.log.warn(
      { orderId, jobId: job.id, attempt, deliverer: failure.deliverer, error: message, delay },
      "delivery failed; will retry",
    );
  }

  /** Stopping: the job is claimable by any worker at once, and resumes after `delivered`. */
  private async handBack(
    job: Job,
    orderId: string,
    attempt: number,
    delivered: string[],
  ): Promise<void> {
    // A stop is not the job's failure: the attempt is given back with it.
    await this.jobs.setIdle(job, this.claimIdleMs, "", attempt - 1);
    this.log.info({ orderId, jobId: job.id, delivered }, "fulfilment job handed back on stop");
  }

  private async ack(job: Job, orderId: string, reason: string): Promise<void> {
    await this.jobs.ack(job);
    this.log.info({ orderId, jobId: job.id, reason }, "fulfilment job skipped");
  }

  private async bury(
    job: Job,
    orderId: string,
    deliverer: string,
    error: string,
    attempt: number,
  ): Promise<void> {
    // The dead letter, the ack and the admins' event sit in the job's partition: one step.
    const partition = partitionOfStream(this.keys, job.stream);
    const multi = this.redis
      .multi()
      .xadd(
        this.keys.fulfilmentDead(partition),
        "*",
        "orderId",
        orderId,
        "deliverer",
        deliverer,
        "error",
        error,
        "attempts",
        String(attempt),
        "jobId",
        job.id,
      )
      .xack(job.stream, this.jobs.group, job.id);
    const results = await addDeliveryFailed(multi, this.keys.events(partition), {
      orderId,
      deliverer,
      error,
    }).exec();
    const failed = results?.find(([err]) => err)?.[0];
    if (!results || failed) throw failed ?? new Error("dead-letter transaction was discarded");
    this.metrics.jobDead();
    this.log.error(
      { orderId, jobId: job.id, attempt, deliverer, error },
      "fulfilment job moved to the dead stream",
    );
  }
}

/** A stream entry as a job; `attempt` when it is known without asking (a fresh read: 1). */
function jobOf(entry: StreamEntry, attempt?: number): Job {
  return { stream: entry.stream, id: entry.id, orderId: fieldOf(entry.fields, "orderId"), attempt };
}

/** Which partition a fulfilment stream key is. */
function partitionOfStream(keys: RedisKeys, stream: string): number {
  const partition = allPartitions.find((p) => keys.fulfilment(p) === stream);
  if (partition === undefined) throw new Error(`not a fulfilment stream: ${stream}`);
  return partition;
}
