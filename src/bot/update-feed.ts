import type { UpdateSupplier } from "@grammyjs/runner";
import { type Api, GrammyError } from "grammy";
import type { Update } from "grammy/types";
import { backoff } from "../backoff.js";
import type { Logger } from "../log.js";
import { telegramUnreachable } from "./api/errors.js";

/**
 * An update that carries money, or a subscription's renewal: Telegram must keep it until the shop
 * has recorded it.
 */
export function isPaymentUpdate(update: Update): boolean {
  const message = update.message;
  return (
    message?.successful_payment !== undefined ||
    message?.refunded_payment !== undefined ||
    update.subscription !== undefined
  );
}

/** The correlation fields of a payment update, for log lines. */
export function paymentFields(update: Update | undefined): { orderId?: string; chargeId?: string } {
  const payment = update?.message?.successful_payment ?? update?.message?.refunded_payment;
  if (payment === undefined) return {};
  return { orderId: payment.invoice_payload, chargeId: payment.telegram_payment_charge_id };
}

/** Long-poll timeout while nothing is held. */
const POLL_TIMEOUT_SECONDS = 30;
/** While a payment update is held, how often newer updates are fetched past it. */
const HELD_POLL_MS = 1000;

export interface UpdateFeedOptions {
  /** Passed on every getUpdates call. */
  allowedUpdates: ReadonlyArray<Exclude<keyof Update, "update_id">>;
  log: Logger;
  /** Wait before handling a failed payment update again, after its n-th failure. */
  retryDelayMs?: (failures: number) => number;
}

/** The AbortSignal type the runner and grammY declare (a polyfill's); Node's is the same at run time. */
type Signal = Parameters<UpdateSupplier<Update>["supply"]>[1];

interface HeldUpdate {
  update: Update;
  running: boolean;
  failures: number;
  retryAt: number;
}

const BATCH_LIMIT = 100;
/** A payment update still not recorded after this long gets a log line. */
const SLOW_PAYMENT_MS = 5000;
/** While getUpdates fails, it is tried again at most this far apart: Telegram back, updates flow. */
const FETCH_RETRY_MAX_MS = 5000;

/** 1 s, 2 s, 4 s… at most a minute: the pace the Bot API itself retries a failed webhook at. */
const defaultRetryDelay = backoff(1000, 60_000);

/**
 * Long polling that never confirms a payment update before it is recorded. The getUpdates
 * `offset` is what tells Telegram to drop updates; here it stops at the oldest payment update
 * whose handling has not succeeded, so a crash, a kill or a Redis outage leaves that update with
 * Telegram to be delivered again. Updates after it still flow: they come back on every fetch
 * while the offset waits, and are handed to the bot once per process. A payment update whose
 * handler throws is handled again after a backoff, until it succeeds.
 *
 * It is the runner's update supplier (`createSource(feed)`), and `handle` wraps the sink's
 * consumer so the feed knows when a payment update has settled.
 */
export class UpdateFeed implements UpdateSupplier<Update> {
  /** One past the newest update fetched. */
  private next = 0;
  private readonly held = new Map<number, HeldUpdate>();
  /** Ids at or above the last confirming offset that were already handed to the bot. */
  private readonly delivered = new Set<number>();
  private waiters: (() => void)[] = [];
  /** The offset last reported as holding up a full batch, so it is said once. */
  private saturatedAt: number | undefined;
  private readonly retryDelay: (failures: number) => number;

  constructor(
    private readonly api: Api,
    private readonly options: UpdateFeedOptions,
  ) {
    this.retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  }

  /** The getUpdates offset: everything fetched, but no payment update that is not recorded. */
  get offset(): number {
    let offset = this.next;
    for (const id of this.held.keys()) offset = Math.min(offset, id);
    return offset;
  }

  /** Payment updates taken from Telegram and not recorded yet. */
  get heldCount(): number {
    return this.held.size;
  }

  async supply(batchSize: number, signal: Signal): Promise<Update[]> {
    for (;;) {
      const due = this.takeDue();
      if (due.length > 0) return due;
      // A held update is still pending with Telegram, so a long poll would return at once.
      if (this.held.size > 0) await this.pause(signal);
      if (signal.aborted) throw new Error("polling stopped");
      const offset = this.offset;
      const limit = Math.max(1, Math.min(batchSize, BATCH_LIMIT));
      const holding = this.held.size > 0;
      const updates = await this.fetch(offset, limit, holding ? 0 : POLL_TIMEOUT_SECONDS, signal);
      for (const id of this.delivered) if (id < offset) this.delivered.delete(id);
      const fresh = this.takeDue();
      for (const update of updates) {
        const id = update.update_id;
        this.next = Math.max(this.next, id + 1);
        if (this.delivered.has(id)) continue;
        this.delivered.add(id);
        if (isPaymentUpdate(update)) {
          this.held.set(id, { update, running: true, failures: 0, retryAt: 0 });
        }
        fresh.push(update);
      }
      if (holding && updates.length === limit && fresh.length === 0) this.saturated(offset);
      if (fresh.length > 0) return fresh;
    }
  }

  /** A full batch brought nothing new: later updates wait behind the payment update. */
  private saturated(offset: number): void {
    if (this.saturatedAt === offset) return;
    this.saturatedAt = offset;
    this.options.log.error(
      { updateId: offset, ...paymentFields(this.held.get(offset)?.update) },
      "newer updates wait behind a payment update that is not recorded yet",
    );
  }

  /** Runs the bot on one update; a payment update is released only when `run` succeeds. */
  async handle(update: Update, run: () => Promise<void>): Promise<void> {
    const id = update.update_id;
    // A handler waiting on an unreachable Redis says nothing; this line does.
    const slow = this.held.has(id)
      ? setTimeout(() => {
          this.options.log.warn(
            { updateId: id, ...paymentFields(update), waitedMs: SLOW_PAYMENT_MS },
            "payment update still being recorded; Telegram keeps it until it is",
          );
        }, SLOW_PAYMENT_MS)
      : undefined;
    try {
      await run();
    } catch (error) {
      const held = this.held.get(id);
      if (held !== undefined) {
        held.running = false;
        held.failures++;
        const retryInMs = this.retryDelay(held.failures);
        held.retryAt = Date.now() + retryInMs;
        this.options.log.warn(
          { updateId: id, ...paymentFields(update), failures: held.failures, retryInMs },
          "payment update not recorded; Telegram keeps it and it is handled again",
        );
        this.wake();
      }
      throw error;
    } finally {
      clearTimeout(slow);
    }
    if (this.held.delete(id)) this.wake();
  }

  /** Resolves once no payment update is being handled, or after `ms`. */
  async settled(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while ([...this.held.values()].some((held) => held.running) && Date.now() < deadline) {
      await this.changeOrTimeout(deadline - Date.now());
    }
  }

  /**
   * Confirms to Telegram what was handled, up to the oldest payment update still held; used on
   * the way out, since a getUpdates offset is the only way to confirm.
   */
  async confirm(timeoutMs: number): Promise<void> {
    if (this.next === 0) return;
    const signal = AbortSignal.timeout(timeoutMs) as unknown as Signal;
    await this.api.getUpdates({ offset: this.offset, limit: 1, timeout: 0 }, signal);
  }

  private takeDue(): Update[] {
    const now = Date.now();
    const due: Update[] = [];
    for (const held of this.held.values()) {
      if (held.running || held.retryAt > now) continue;
      held.running = true;
      due.push(held.update);
    }
    return due;
  }

  /** Waits while updates are held: until one settles, a retry is due, or the poll interval. */
  private async pause(signal: Signal): Promise<void> {
    let ms = HELD_POLL_MS;
    for (const held of this.held.values()) {
      if (!held.running) ms = Math.min(ms, held.retryAt - Date.now());
    }
    if (ms <= 0) return;
    const aborted = () => this.wake();
    signal.addEventListener("abort", aborted);
    try {
      await this.changeOrTimeout(ms);
    } finally {
      signal.removeEventListener("abort", aborted);
    }
  }

  private changeOrTimeout(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  private async fetch(offset: number, limit: number, timeout: number, signal: Signal) {
    let retryInMs = 100;
    for (;;) {
      try {
        return await this.api.getUpdates(
          { offset, limit, timeout, allowed_updates: this.options.allowedUpdates },
          signal,
        );
      } catch (error) {
        if (signal.aborted) throw error;
        // A revoked token or a second instance polling: retrying cannot help.
        if (error instanceof GrammyError && [401, 409].includes(error.error_code)) throw error;
        // While Telegram is away, one line says so for every call that fails.
        const level = telegramUnreachable(error) ? "debug" : "warn";
        this.options.log[level]({ err: error, retryInMs }, "getUpdates failed; trying again");
        await delay(retryInMs, signal);
        if (signal.aborted) throw error;
        retryInMs = Math.min(retryInMs * 2, FETCH_RETRY_MAX_MS);
      }
    }
  }
}

function delay(ms: number, signal: Signal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
