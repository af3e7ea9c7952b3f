import { type Clock, systemClock } from "../clock.js";
import { type Logger, silentLogger } from "../log.js";
import type { PaymentWatcher, ReconcileResult } from "../payments/ton/watcher.js";

export interface ReconcileOptions {
  /** How far back to re-read the wallet, by transaction time. */
  windowMs: number;
  /** The clock the window is measured from; the shop's clock in the app. */
  clock?: Clock;
  log?: Logger;
}

// The run in progress for each watcher, so a slow pass is not started twice in one process.
const running = new WeakMap<PaymentWatcher, Promise<ReconcileResult>>();

/**
 * Re-reads the last `windowMs` of the merchant wallet and records anything the watcher's cursor
 * path missed (DESIGN §9). It should find nothing; a recovery is logged as a warning because it
 * means a payment was late. Returns undefined without doing anything when a pass for this
 * watcher is already running in this process.
 */
export async function reconcilePayments(
  watcher: PaymentWatcher,
  options: ReconcileOptions,
): Promise<ReconcileResult | undefined> {
  if (running.has(watcher)) return undefined;
  const log = options.log ?? silentLogger;
  const sinceMs = (options.clock ?? systemClock)() - options.windowMs;
  const pass = watcher.reconcile(sinceMs);
  running.set(watcher, pass);
  try {
    const result = await pass;
    if (result.recovered > 0 || result.unmatched > 0) {
      log.warn({ ...result, sinceMs }, "reconcile recorded payments the watcher had missed");
    } else {
      log.info({ ...result, sinceMs }, "reconcile found nothing missed");
    }
    return result;
  } finally {
    running.delete(watcher);
  }
}
