import { type Metrics, noMetrics } from "../metrics.js";
import {
  orderMismatch,
  orderPaid,
  orderRenewed,
  orderUnderpaid,
  paymentReceived,
} from "../orders/events.js";
import type { Order, Payment } from "../orders/order.js";
import { applyPayment, type LatePaymentPolicy, type PaymentOutcome } from "../orders/state.js";
import type { CommitEffects, OrderStore } from "../orders/store.js";

export interface RecordedPayment {
  order: Order;
  outcome: PaymentOutcome;
}

/** What a caller already knows, to save round trips. */
export interface RecordHints {
  /** The order as the caller already read it (see OrderStore.update). */
  known?: Order;
  /** The payment key is already claimed for this order (see OrderStore.claimPayment). */
  claimed?: boolean;
}

export interface PaymentsCoreOptions {
  latePolicy: LatePaymentPolicy;
  metrics?: Metrics;
}

/**
 * The one entry to "this order received money". Every path — TON comment, TON Connect, Stars,
 * fiat — ends here. Idempotent on `payment.key`; the only code that moves an order to `paid`.
 */
export class PaymentsCore {
  private readonly metrics: Metrics;

  constructor(
    private readonly store: OrderStore,
    private readonly options: PaymentsCoreOptions,
  ) {
    this.metrics = options.metrics ?? noMetrics;
  }

  async recordPayment(
    orderId: string,
    payment: Payment,
    hints: RecordHints = {},
  ): Promise<RecordedPayment> {
    const { known, claimed } = hints;
    let outcome: PaymentOutcome = { kind: "duplicate" };
    const { order, result } = await this.store.update(
      orderId,
      (current) => {
        const applied = applyPayment(current, payment, { latePolicy: this.options.latePolicy });
        outcome = applied.outcome;
        if (applied.outcome.kind === "duplicate") return undefined;
        return {
          order: applied.order,
          effects: { ...effectsOf(applied.order, payment, applied.outcome), claimed },
        };
      },
      known,
    );
    // The payment key was applied by a concurrent writer between our read and our write.
    if (result === "duplicate") outcome = { kind: "duplicate" };
    this.metrics.paymentRecorded(payment.method, outcome.kind);
    return { order, outcome };
  }
}

function effectsOf(order: Order, payment: Payment, outcome: PaymentOutcome): CommitEffects {
  switch (outcome.kind) {
    case "paid":
      return {
        paymentKey: payment.key,
        fulfil: outcome.fulfil,
        event: orderPaid(payment, outcome),
      };
    case "underpaid":
      return {
        paymentKey: payment.key,
        event: orderUnderpaid(payment, outcome.owed, order.currency),
      };
    case "mismatch":
      return { paymentKey: payment.key, event: orderMismatch(payment) };
    case "renewed":
      // The new period's service is a fulfilment job of its own.
      return {
        paymentKey: payment.key,
        fulfil: true,
        event: orderRenewed(payment, outcome.number, outcome.until),
      };
    default:
      return { paymentKey: payment.key, event: paymentReceived(payment) };
  }
}
