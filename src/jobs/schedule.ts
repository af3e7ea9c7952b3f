import cron from "node-cron";
import type { Logger } from "../log.js";
import type { OrderStore } from "../orders/store.js";
import type { StarsLedger } from "../payments/telegram/ledger.js";
import type { Subscriptions } from "../payments/telegram/subscriptions.js";
import type { PaymentWatcher } from "../payments/ton/watcher.js";
import type { RedisClient } from "../redis/client.js";
import { redisKeys } from "../redis/keys.js";
import { runExclusive, runOncePer } from "../redis/lock.js";
import { expireOrders } from "./expire.js";
import { reconcilePayments } from "./reconcile.js";
import { reconcileStars } from "./stars-ledger.js";
import { endSubscriptions } from "./subscriptions.js";

/**
 * What the jobs need. Redis and its prefix make every job run in one process per tick; the
 * reconcile pass and the daily report are only scheduled with them, since two processes must
 * never both send the report.
 */
export type JobsDeps = {
  store: OrderStore;
  log: Logger;
} & (
  | {
      redis: RedisClient;
      prefix: string;
      /**
       * The watchers to reconcile, read at each pass: the merchant wallet's, and our jetton
       * wallet's once it is known. No reconcile pass without it.
       */
      watchers?: () => readonly PaymentWatcher[];
      /** The bot's Stars ledger to reconcile; no Stars pass without it. */
      starsLedger?: StarsLedger;
      /** How soon after the schedule starts the Stars ledger is read once; 30 s by default. */
      starsFirstRunMs?: number;
      /** Sends the daily report to the admins; no report without it. */
      dailyReport?: () => Promise<void>;
      /** Subscriptions whose access is to end on time; no ending pass without it. */
      subscriptions?: Subscriptions;
      /** Ended subscriptions' members still to be removed from their chats, tried with them. */
      accessRemoval?: { retryOwed(): Promise<number> };
    }
  | {
      redis?: undefined;
      prefix?: undefined;
      watchers?: undefined;
      starsLedger?: undefined;
      starsFirstRunMs?: undefined;
      dailyReport?: undefined;
      subscriptions?: undefined;
      accessRemoval?: undefined;
    }
);

/** node-cron patterns, with seconds; the daily report's is in UTC. */
const JOB_SCHEDULES = {
  expireOrders: "*/15 * * * * *",
  reconcilePayments: "0 */10 * * * *",
  reconcileStars: "30 */10 * * * *",
  dailyReport: "0 0 9 * * *",
  endSubscriptions: "5 * * * * *",
} as const;

const TASK_NAMES = {
  expireOrders: "expire-orders",
  reconcilePayments: "reconcile-payments",
  reconcileStars: "reconcile-stars",
  dailyReport: "daily-report",
  endSubscriptions: "end-subscriptions",
} as const;

/**
 * The Stars ledger is also read once this soon after start: late enough that the updates
 * waiting at start were handled as updates, soon enough that a payment lost while the bot was
 * down does not wait ten minutes.
 */
const STARS_FIRST_RUN_MS = 30_000;

/** How far back each reconcile pass re-reads the wallet. */
export const RECONCILE_WINDOW_MS = 6 * 60 * 60_000;

// Long enough to cover a normal run, short enough that a crashed holder costs a tick or two.
// A run that outlives its lock may overlap the next one; both jobs are idempotent.
const EXPIRE_LOCK_MS = 30_000;
const RECONCILE_LOCK_MS = 5 * 60_000;

/** Each job once; true when this process did the work, false when another had it or it is off. */
export interface Jobs {
  expireOrders(): Promise<boolean>;
  reconcilePayments(): Promise<boolean>;
  reconcileStars(): Promise<boolean>;
  /** For the UTC day of the store's clock; at most once per day across processes and restarts. */
  dailyReport(): Promise<boolean>;
  /**
   * Ends the access of subscriptions whose last paid period is over, and tries again the removals
   * from their chats that Telegram refused.
   */
  endSubscriptions(): Promise<boolean>;
}

/** The periodic jobs, guarded so that processes sharing Redis and a prefix run each one once. */
export function createJobs(deps: JobsDeps): Jobs {
  const { store, log } = deps;
  return {
    async expireOrders() {
      const expire = () => expireOrders(store, log);
      if (!deps.redis) {
        await expire();
        return true;
      }
      return runExclusive(
        deps.redis,
        redisKeys(deps.prefix).jobLock("expire-orders"),
        EXPIRE_LOCK_MS,
        expire,
      );
    },

    async reconcilePayments() {
      const { watchers } = deps;
      if (!deps.redis || !watchers) return false;
      let reconciled = false;
      const ran = await runExclusive(
        deps.redis,
        redisKeys(deps.prefix).jobLock("reconcile-payments"),
        RECONCILE_LOCK_MS,
        async () => {
          // One wallet after another: each pass pages its own wallet's history.
          for (const watcher of watchers()) {
            const result = await reconcilePayments(watcher, {
              windowMs: RECONCILE_WINDOW_MS,
              clock: store.now,
              log,
            });
            reconciled ||= result !== undefined;
          }
        },
      );
      return ran && reconciled;
    },

    async reconcileStars() {
      const { starsLedger } = deps;
      if (!deps.redis || !starsLedger) return false;
      return runExclusive(
        deps.redis,
        redisKeys(deps.prefix).jobLock("reconcile-stars"),
        RECONCILE_LOCK_MS,
        () => reconcileStars(starsLedger, log),
      );
    },

    async endSubscriptions() {
      const { subscriptions } = deps;
      if (!deps.redis || !subscriptions) return false;
      return runExclusive(
        deps.redis,
        redisKeys(deps.prefix).jobLock("end-subscriptions"),
        EXPIRE_LOCK_MS,
        async () => {
          await endSubscriptions(store, subscriptions, log);
          await deps.accessRemoval?.retryOwed();
        },
      );
    },

    async dailyReport() {
      const { dailyReport } = deps;
      if (!deps.redis || !dailyReport) return false;
      const day = new Date(store.now()).toISOString().slice(0, 10);
      const claim = redisKeys(deps.prefix).jobClaim("daily-report", day);
      const sent = await runOncePer(deps.redis, claim, dailyReport);
      if (sent) log.info({ day }, "daily report sent");
      return sent;
    },
  };
}

/** Starts the periodic jobs; returns a function that stops them and waits for runs in hand. */
export function scheduleJobs(deps: JobsDeps): () => Promise<void> {
  const jobs = createJobs(deps);
  const inFlight = new Set<Promise<unknown>>();
  const runJob = (name: keyof Jobs) => {
    const run = jobs[name]().catch((error: unknown) => {
      deps.log.error({ err: error, job: TASK_NAMES[name] }, "job failed");
      return false;
    });
    inFlight.add(run);
    return run.finally(() => inFlight.delete(run));
  };
  const every = (name: keyof Jobs, options: { timezone?: string } = {}) =>
    cron.schedule(JOB_SCHEDULES[name], () => runJob(name), {
      name: TASK_NAMES[name],
      noOverlap: true,
      ...options,
    });

  const tasks = [every("expireOrders")];
  if (deps.watchers) tasks.push(every("reconcilePayments"));
  let firstStarsRun: NodeJS.Timeout | undefined;
  if (deps.starsLedger) {
    tasks.push(every("reconcileStars"));
    firstStarsRun = setTimeout(
      () => void runJob("reconcileStars"),
      deps.starsFirstRunMs ?? STARS_FIRST_RUN_MS,
    );
  }
  if (deps.dailyReport) tasks.push(every("dailyReport", { timezone: "Etc/UTC" }));
  if (deps.subscriptions) tasks.push(every("endSubscriptions"));
  return async () => {
    clearTimeout(firstStarsRun);
    for (const task of tasks) await task.destroy();
    await Promise.all(inFlight);
  };
}
