import type { Order, Payment } from "./order.js";

/** An amount in a currency's base units: nanotons, Stars, fiat minor units. */
export interface Money {
  units: bigint;
  currency: string;
}

/** The payment an event is about, as it arrived. */
export interface PaymentSeen {
  paymentKey: string;
  amount: Money;
  /** Found by a reconcile pass rather than by its own update; see Payment. */
  recovered?: "stars-ledger";
}

/**
 * What happened to an order, as the events stream carries it to the notices. Each type has its
 * own detail; amounts are base units with their currency, and text is made where it is shown.
 */
export type OrderEvent =
  | { type: "order.created" }
  /** Money for an order that was already paid, fulfilled or refunded. */
  | { type: "order.payment_received"; detail: PaymentSeen }
  | { type: "order.underpaid"; detail: PaymentSeen & { owed: Money } }
  | { type: "order.paid"; detail: PaymentSeen & PaidFlags }
  /** Paid late under LATE_PAYMENT_POLICY=hold: the goods wait for an admin. */
  | { type: "order.held"; detail: PaymentSeen & PaidFlags }
  | { type: "order.mismatch"; detail: PaymentSeen }
  /** Telegram's word on a subscription's renewal: canceled, failed, or on again. */
  | { type: "order.renewal"; detail: { renewal: "on" | "canceled" | "failed" } }
  /** A subscription's access ended: its last period ran out with no renewal, or it was refunded. */
  | { type: "order.subscription_ended" }
  /** The member of an ended subscription could not be removed from its chat; the shop retries. */
  | { type: "order.member_not_removed"; detail: { chatId: number; error: string } }
  /** A subscription's renewal paid period `period`, until `until` (ms): it is delivered anew. */
  | { type: "order.renewed"; detail: PaymentSeen & { period: number; until: number } }
  | { type: "order.fulfilled" }
  /** With what had arrived and the price, when money came for it. */
  | { type: "order.expired"; detail?: { paid: Money; amount: Money } }
  | { type: "order.refunded"; detail: { by: string } }
  /** A deliverer gave up on a paid order; the job is in the dead stream for the admin. */
  | { type: "order.delivery_failed"; detail: { deliverer: string; error: string } };

interface PaidFlags {
  late: boolean;
  overpaid: boolean;
}

/** Money that matched no order; its record is in UnmatchedPayments under the entry's key. */
export interface UnmatchedEvent {
  type: "payment.unmatched";
  detail: { reason: string; recovered?: "stars-ledger" };
}

export type OrderEventType = OrderEvent["type"];

/** One entry of the events stream as read: an order's event, or an unmatched payment's. */
export type EventEntry =
  | ({ orderId: string; paymentKey?: undefined } & OrderEvent)
  | ({ paymentKey: string; orderId?: undefined } & UnmatchedEvent);

export function orderCreated(): OrderEvent {
  return { type: "order.created" };
}

function seen(payment: Payment): PaymentSeen {
  return {
    paymentKey: payment.key,
    amount: { units: payment.amount, currency: payment.currency },
    ...(payment.recovered ? { recovered: payment.recovered } : {}),
  };
}

/** A payment that completed the order: "order.paid", or "order.held" when it is not fulfilled. */
export function orderPaid(
  payment: Payment,
  outcome: { late: boolean; overpaid: boolean; fulfil: boolean },
): OrderEvent {
  const detail = { ...seen(payment), late: outcome.late, overpaid: outcome.overpaid };
  return outcome.fulfil ? { type: "order.paid", detail } : { type: "order.held", detail };
}

export function subscriptionEnded(): OrderEvent {
  return { type: "order.subscription_ended" };
}

export function memberNotRemoved(chatId: number, error: string): OrderEvent {
  return { type: "order.member_not_removed", detail: { chatId, error } };
}

export function renewalChanged(renewal: "on" | "canceled" | "failed"): OrderEvent {
  return { type: "order.renewal", detail: { renewal } };
}

export function orderRenewed(payment: Payment, period: number, until: number): OrderEvent {
  return { type: "order.renewed", detail: { ...seen(payment), period, until } };
}

export function orderUnderpaid(payment: Payment, owed: bigint, currency: string): OrderEvent {
  return { type: "order.underpaid", detail: { ...seen(payment), owed: { units: owed, currency } } };
}

export function orderMismatch(payment: Payment): OrderEvent {
  return { type: "order.mismatch", detail: seen(payment) };
}

export function paymentReceived(payment: Payment): OrderEvent {
  return { type: "order.payment_received", detail: seen(payment) };
}

export function orderFulfilled(): OrderEvent {
  return { type: "order.fulfilled" };
}

/** For an order paid in part, with the sum received and the price. */
export function orderExpired(order: Order): OrderEvent {
  if (order.paid === 0n) return { type: "order.expired" };
  const { currency } = order;
  return {
    type: "order.expired",
    detail: { paid: { units: order.paid, currency }, amount: { units: order.amount, currency } },
  };
}

/** `by`: "admin" for a refund from /admin, "telegram" for one Telegram reported. */
export function orderRefunded(by: string): OrderEvent {
  return { type: "order.refunded", detail: { by } };
}

export function deliveryFailed(deliverer: string, error: string): OrderEvent {
  return { type: "order.delivery_failed", detail: { deliverer, error } };
}

export function paymentUnmatched(reason: string, recovered?: "stars-ledger"): UnmatchedEvent {
  return { type: "payment.unmatched", detail: { reason, ...(recovered ? { recovered } : {}) } };
}

/** The `event` field of a stream entry: JSON, with base units as decimal strings. */
export function encodeEvent(event: OrderEvent | UnmatchedEvent): string {
  return JSON.stringify(event, (_, value) =>
    typeof value === "bigint" ? value.toString() : value,
  );
}
