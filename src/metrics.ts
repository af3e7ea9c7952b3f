import type { WalletRole } from "./payments/ton/observed.js";

/**
 * What the shop counts as it works, as the domain code says it. The prom-client side lives in
 * `http/metrics.ts`; the domain sees only this, and `noMetrics` when nothing is counted.
 * Labels are kinds, never ids: no order, user or transaction id becomes a time series.
 */
export interface Metrics {
  /** recordPayment ran: `outcome` is the PaymentOutcome's kind. */
  paymentRecorded(method: string, outcome: string): void;
  /** Money that matched no order was kept, for `reason`. */
  paymentUnmatched(reason: string): void;
  /** An order's status changed in a commit. */
  orderStatusChanged(from: string, to: string): void;
  /**
   * A watcher polled the wallet it follows, the merchant's or our jetton wallet; `failed` when
   * the poll did not go through.
   */
  watcherPolled(failed: boolean, wallet: WalletRole): void;
  /**
   * One HTTP request to toncenter, by its status: "200", "429", "502"…, "network" when no answer
   * came, "invalid" when an answer came that holds no result.
   */
  toncenterRequest(status: string): void;
  /** A Bot API call failed: its method, and Telegram's error code or "network". */
  telegramError(method: string, code: string): void;
  /** A fulfilment job was taken up for delivery. */
  jobAttempted(): void;
  /** A fulfilment job went to the dead stream. */
  jobDead(): void;
  /** From a pre-checkout query's arrival to Telegram's receipt of the answer. */
  preCheckoutAnswered(seconds: number): void;
  /** How long the bot took over one update. */
  updateHandled(seconds: number): void;
}

const nothing = () => undefined;

/** Counts nothing: the default wherever metrics are optional. */
export const noMetrics: Metrics = {
  paymentRecorded: nothing,
  paymentUnmatched: nothing,
  orderStatusChanged: nothing,
  watcherPolled: nothing,
  toncenterRequest: nothing,
  telegramError: nothing,
  jobAttempted: nothing,
  jobDead: nothing,
  preCheckoutAnswered: nothing,
  updateHandled: nothing,
};

/** Seconds elapsed since `start`, a `performance.now()` reading. */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}
