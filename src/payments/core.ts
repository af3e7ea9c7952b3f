import { currencyDecimals, formatUnits } from "../catalog/units.js";
import type { Order, Payment } from "../orders/order.js";
import { applyPayment, type LatePaymentPolicy, type PaymentOutcome } from "../orders/state.js";
import type { CommitEffects, OrderEvent, OrderStore } from "../orders/store.js";

export interface RecordedPayment {
  order: Order;
  outcome: PaymentOutcome;
}

export interface PaymentsCoreOptions {
  latePolicy: LatePaymentPolicy;
}

/**
 * The one entry to "this order received money". Every path — TON comment, TON Connect, Stars,
 * fiat — ends here. Idempotent on `payment.key`; the only code that moves an order to `paid`.
 */
export class PaymentsCore {
  constructor(
    private readonly store: OrderStore,
    private readonly options: PaymentsCoreOptions,
  ) {}

  /** `known`: the order as the caller already read it, to save a round trip (see OrderStore.update). */
  async recordPayment(orderId: string, payment: Payment, known?: Order): Promise<RecordedPayment> {
    let outcome: PaymentOutcome = { kind: "duplicate" };
    const { order, result } = await this.store.update(
      orderId,
      (current) => {
        const applied = applyPayment(current, payment, { latePolicy: this.options.latePolicy });
        outcome = applied.outcome;
        if (applied.outcome.kind === "duplicate") return undefined;
        return {
          order: applied.order,
          effects: effectsOf(applied.order, payment, applied.outcome),
        };
      },
      known,
    );
    // The payment key was applied by a concurrent writer between our read and our write.
    if (result === "duplicate") outcome = { kind: "duplicate" };
    return { order, outcome };
  }
}

function effectsOf(order: Order, payment: Payment, outcome: PaymentOutcome): CommitEffects {
  const amount = formatUnits(payment.amount, currencyDecimals(payment.currency));
  const detail = {
    paymentKey: payment.key,
    amount,
    currency: payment.currency,
    ...(payment.recovered ? { recovered: payment.recovered } : {}),
  };
  let event: OrderEvent;
  let fulfil = false;
  switch (outcome.kind) {
    case "paid":
      fulfil = outcome.fulfil;
      event = {
        type: outcome.fulfil ? "order.paid" : "order.held",
        detail: { ...detail, late: outcome.late, overpaid: outcome.overpaid },
      };
      break;
    case "underpaid":
      event = {
        type: "order.underpaid",
        detail: { ...detail, owed: formatUnits(outcome.owed, currencyDecimals(order.currency)) },
      };
      break;
    case "mismatch":
      event = { type: "order.mismatch", detail };
      break;
    default:
      event = { type: "order.payment_received", detail };
  }
  return { paymentKey: payment.key, fulfil, event };
}
