import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { within } from "../clock.js";
import type { Metrics } from "../metrics.js";
import type { WalletRole } from "../payments/ton/observed.js";

/** What is read from Redis when Prometheus scrapes, rather than counted as it happens. */
export interface ScrapedState {
  /** Fulfilment jobs not yet delivered: queued and in hand. */
  queueDepth: number;
  /** Jobs in the dead stream. */
  deadJobs: number;
  /** Block time of the newest transaction the merchant wallet's watcher applied, ms since epoch. */
  lastTxAt?: number;
  /**
   * For a shop selling in USDT, our jetton wallet's watcher: the block time of the newest
   * transaction it applied; a string saying why there is none while our jetton wallet is not known.
   */
  usdt?: { lastTxAt?: number } | string;
}

export interface ShopMetricsOptions {
  /** Read at each scrape; a failure, or no answer within a second, shows those gauges as NaN. */
  scrape?: () => Promise<ScrapedState>;
  clock?: () => number;
  /** Node's own figures (heap, event loop lag, GC…), `tpb_`-prefixed. On unless false. */
  defaultMetrics?: boolean;
}

/** With Redis away its commands wait rather than fail; a scrape does not wait with them. */
const SCRAPE_WITHIN_MS = 1000;

/** Answer and handling times: a pre-checkout must be answered within Telegram's 10 s. */
const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The shop's Prometheus metrics on a registry of its own, so two shops in one process (tests)
 * never share a series. Names are `tpb_`-prefixed, in base units, counters ending in `_total`.
 */
export class ShopMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly payments: Counter<"method" | "outcome">;
  private readonly unmatched: Counter<"reason">;
  private readonly transitions: Counter<"from" | "to">;
  private readonly polls: Counter<"wallet">;
  private readonly pollErrors: Counter<"wallet">;
  private readonly toncenter: Counter<"status">;
  private readonly telegram: Counter<"method" | "code">;
  private readonly attempts: Counter;
  private readonly dead: Counter;
  private readonly preCheckout: Histogram;
  private readonly updates: Histogram;
  private reading: Promise<ScrapedState | undefined> | undefined;

  constructor(options: ShopMetricsOptions = {}) {
    const registers = [this.registry];
    this.payments = new Counter({
      name: "tpb_payments_recorded_total",
      help: "Payments recorded against an order, by method and outcome",
      labelNames: ["method", "outcome"],
      registers,
    });
    this.unmatched = new Counter({
      name: "tpb_payments_unmatched_total",
      help: "Payments that matched no order, by reason",
      labelNames: ["reason"],
      registers,
    });
    this.transitions = new Counter({
      name: "tpb_order_transitions_total",
      help: "Order status changes, by the status left and the status reached",
      labelNames: ["from", "to"],
      registers,
    });
    this.polls = new Counter({
      name: "tpb_watcher_polls_total",
      help: "Polls by this process's watchers, by the wallet followed: merchant or jetton-wallet",
      labelNames: ["wallet"],
      registers,
    });
    this.pollErrors = new Counter({
      name: "tpb_watcher_poll_errors_total",
      help: "Polls that failed, by the wallet followed: merchant or jetton-wallet",
      labelNames: ["wallet"],
      registers,
    });
    // Every shop follows the merchant wallet: its series show 0 from the start.
    this.polls.inc({ wallet: "merchant" }, 0);
    this.pollErrors.inc({ wallet: "merchant" }, 0);
    this.toncenter = new Counter({
      name: "tpb_toncenter_requests_total",
      help: "HTTP requests to toncenter, retries included, by status (network: no answer)",
      labelNames: ["status"],
      registers,
    });
    this.telegram = new Counter({
      name: "tpb_telegram_api_errors_total",
      help: "Failed Bot API calls, by method and error code (network: no answer)",
      labelNames: ["method", "code"],
      registers,
    });
    this.attempts = new Counter({
      name: "tpb_fulfilment_job_attempts_total",
      help: "Fulfilment jobs taken up for delivery, retries included",
      registers,
    });
    this.dead = new Counter({
      name: "tpb_fulfilment_jobs_dead_total",
      help: "Fulfilment jobs this process moved to the dead stream",
      registers,
    });
    this.preCheckout = new Histogram({
      name: "tpb_pre_checkout_answer_seconds",
      help: "Time from a pre-checkout query's arrival to its answer being sent",
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.updates = new Histogram({
      name: "tpb_update_handling_seconds",
      help: "Time the bot took over one update",
      buckets: SECONDS_BUCKETS,
      registers,
    });
    const clock = options.clock ?? Date.now;
    const scrape = options.scrape;
    // One read per scrape serves all three gauges; text() starts each scrape afresh.
    const read = () => {
      this.reading ??= within(SCRAPE_WITHIN_MS, scrape?.() ?? Promise.resolve(undefined));
      return this.reading;
    };
    new Gauge({
      name: "tpb_fulfilment_queue_depth",
      help: "Fulfilment jobs not yet delivered: queued and in hand",
      registers,
      async collect() {
        const state = await read();
        // Not known rather than stale: NaN when Redis did not answer.
        this.set(state ? state.queueDepth : Number.NaN);
      },
    });
    new Gauge({
      name: "tpb_fulfilment_dead_jobs",
      help: "Fulfilment jobs in the dead stream, waiting for an admin",
      registers,
      async collect() {
        const state = await read();
        this.set(state ? state.deadJobs : Number.NaN);
      },
    });
    // Set once a scrape shows a shop selling in USDT; from then on a failed scrape shows NaN
    // there too, rather than the last value read.
    let followsJettonWallet = false;
    new Gauge({
      name: "tpb_watcher_lag_seconds",
      help: "Now minus the block time of the newest transaction a watcher applied, by wallet",
      labelNames: ["wallet"],
      registers,
      async collect() {
        const state = await read();
        const lag = (at: number | undefined) =>
          at === undefined ? Number.NaN : Math.max(0, (clock() - at) / 1000);
        this.set({ wallet: "merchant" }, lag(state?.lastTxAt));
        // Only a shop selling in USDT follows our jetton wallet.
        if (state?.usdt !== undefined) followsJettonWallet = true;
        if (followsJettonWallet) {
          this.set(
            { wallet: "jetton-wallet" },
            lag(typeof state?.usdt === "object" ? state.usdt.lastTxAt : undefined),
          );
        }
      },
    });
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: "tpb_" });
    }
  }

  /** The Prometheus text exposition of every metric. */
  async text(): Promise<{ contentType: string; body: string }> {
    this.reading = undefined;
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  paymentRecorded(method: string, outcome: string): void {
    this.payments.inc({ method, outcome });
  }
  paymentUnmatched(reason: string): void {
    this.unmatched.inc({ reason });
  }
  orderStatusChanged(from: string, to: string): void {
    this.transitions.inc({ from, to });
  }
  watcherPolled(failed: boolean, wallet: WalletRole): void {
    this.polls.inc({ wallet });
    if (failed) this.pollErrors.inc({ wallet });
  }
  toncenterRequest(status: string): void {
    this.toncenter.inc({ status });
  }
  telegramError(method: string, code: string): void {
    this.telegram.inc({ method, code });
  }
  jobAttempted(): void {
    this.attempts.inc();
  }
  jobDead(): void {
    this.dead.inc();
  }
  preCheckoutAnswered(seconds: number): void {
    this.preCheckout.observe(seconds);
  }
  updateHandled(seconds: number): void {
    this.updates.observe(seconds);
  }
}
