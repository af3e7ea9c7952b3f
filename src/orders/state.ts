import {
  type Order,
  type OrderException,
  type OrderStatus,
  outstanding,
  type Payment,
  type Subscription,
} from "./order.js";

/**
 * The order state machine, pure: values in, values out. Every write the store makes is one of
 * these transitions applied to the version it read.
 *
 *   pending → paid → fulfilled        pending → expired → (late payment) → paid
 *   paid | fulfilled → refunded
 *
 * A subscription's order goes round again with every renewal: fulfilled → (renewal) → paid →
 * fulfilled, a period at a time, its service delivered for each period.
 */

export type LatePaymentPolicy = "fulfil" | "hold";

export interface PaymentContext {
  latePolicy: LatePaymentPolicy;
}

export type PaymentOutcome =
  /** This payment key was applied before; nothing changes. */
  | { kind: "duplicate" }
  /** Wrong currency or method: kept on the order for the admin, counted toward nothing. */
  | { kind: "mismatch" }
  /** Money arrived but the order is not yet covered. */
  | { kind: "underpaid"; owed: bigint }
  /** This payment completed the order. `fulfil` is false when a late payment is held. */
  | { kind: "paid"; late: boolean; overpaid: boolean; fulfil: boolean }
  /** Money arrived for an order that was already paid, fulfilled or refunded. */
  | { kind: "excess" }
  /** A subscription's renewal paid its next period, `number`, until `until`: deliver it. */
  | { kind: "renewed"; number: number; until: number };

export interface PaymentApplied {
  order: Order;
  outcome: PaymentOutcome;
}

export class InvalidTransition extends Error {
  override name = "InvalidTransition";
  constructor(
    readonly orderId: string,
    readonly from: OrderStatus,
    readonly to: OrderStatus,
  ) {
    super(`order ${orderId} cannot go from ${from} to ${to}`);
  }
}

function withException(exceptions: OrderException[], add: OrderException): OrderException[] {
  return exceptions.includes(add) ? exceptions : [...exceptions, add];
}

function without(exceptions: OrderException[], drop: OrderException): OrderException[] {
  return exceptions.filter((e) => e !== drop);
}

/** Applies one incoming payment to an order. */
export function applyPayment(order: Order, payment: Payment, ctx: PaymentContext): PaymentApplied {
  if (order.payments.some((p) => p.key === payment.key)) {
    return { order, outcome: { kind: "duplicate" } };
  }
  const base: Order = {
    ...order,
    payments: [...order.payments, payment],
    version: order.version + 1,
  };

  if (payment.currency !== order.currency || payment.method !== order.method) {
    return {
      order: { ...base, exceptions: withException(order.exceptions, "mismatch") },
      outcome: { kind: "mismatch" },
    };
  }

  const paid = order.paid + payment.amount;

  const renewal = renewalOf(order, payment);
  if (renewal) {
    return {
      order: {
        ...base,
        paid,
        status: "paid",
        subscription: renewal,
        // The period's service is delivered afresh; the first one stays recorded in fulfilledAt.
        paidAt: payment.receivedAt,
      },
      outcome: { kind: "renewed", number: renewal.periods, until: renewal.paidUntil },
    };
  }

  if (order.status === "paid" || order.status === "fulfilled" || order.status === "refunded") {
    return {
      order: { ...base, paid, exceptions: withException(order.exceptions, "overpaid") },
      outcome: { kind: "excess" },
    };
  }

  // pending or expired
  const late = order.status === "expired" || payment.receivedAt > order.expiresAt;
  if (paid < order.amount) {
    let exceptions = withException(order.exceptions, "underpaid");
    if (late) exceptions = withException(exceptions, "late");
    return {
      order: { ...base, paid, exceptions },
      outcome: { kind: "underpaid", owed: order.amount - paid },
    };
  }

  const overpaid = paid > order.amount;
  let exceptions = without(order.exceptions, "underpaid");
  if (late) exceptions = withException(exceptions, "late");
  if (overpaid) exceptions = withException(exceptions, "overpaid");
  const fulfil = !late || ctx.latePolicy === "fulfil";
  const next: Order = { ...base, paid, exceptions, status: "paid", paidAt: payment.receivedAt };
  if (!fulfil) next.held = true;
  if (payment.period) next.subscription = firstPeriod(payment, payment.period.until);
  return { order: next, outcome: { kind: "paid", late, overpaid, fulfil } };
}

/** A subscription as its first payment starts it. */
function firstPeriod(payment: Payment, until: number): Subscription {
  return {
    chargeId: payment.reference?.telegramChargeId ?? payment.key,
    periods: 1,
    paidUntil: until,
    renewal: "on",
  };
}

/**
 * The subscription after `payment` renews it, or undefined when it is not a renewal: a period
 * beyond the last one paid, for a subscription whose order was paid and not refunded. Renewing
 * turns renewal back on and access with it, even after a failed charge let it run out.
 */
function renewalOf(order: Order, payment: Payment): Subscription | undefined {
  const current = order.subscription;
  if (!current || !payment.period || order.status === "refunded") return undefined;
  if (payment.period.until <= current.paidUntil) return undefined;
  const { endedAt: _, ...rest } = current;
  return { ...rest, periods: current.periods + 1, paidUntil: payment.period.until, renewal: "on" };
}

/**
 * Telegram's word on a subscription's renewal: the buyer (or the shop) canceled it, the buyer
 * re-enabled it ("on"), or a renewal could not be charged. Access is untouched: it lasts until
 * the period paid ends. Undefined when nothing changes.
 */
export function setRenewal(
  order: Order,
  renewal: Subscription["renewal"],
  now: number,
): Order | undefined {
  const current = order.subscription;
  if (!current || current.renewal === renewal || current.endedAt !== undefined) return undefined;
  const next: Subscription = { ...current, renewal };
  if (renewal === "canceled") next.canceledAt = now;
  return { ...order, subscription: next, version: order.version + 1 };
}

/**
 * How long after a period ends a renewal that is "on" is still waited for before access ends:
 * Telegram charges at the end of the period, and its update may come a little later.
 */
export const RENEWAL_GRACE_MS = 60 * 60_000;

/**
 * When a subscription's access ends: at `paidUntil` when it will not renew, RENEWAL_GRACE_MS
 * later while a renewal is still expected, and at once when the merchant refunded it. Undefined
 * for an order with no subscription, or one already ended.
 */
export function accessEndsAt(order: Order): number | undefined {
  const current = order.subscription;
  if (!current || current.endedAt !== undefined) return undefined;
  if (order.status === "refunded") return order.refundedAt ?? 0;
  return current.paidUntil + (current.renewal === "on" ? RENEWAL_GRACE_MS : 0);
}

/** Ends a subscription's access once accessEndsAt is past: never earlier; undefined until then. */
export function endSubscription(order: Order, now: number): Order | undefined {
  const current = order.subscription;
  const endsAt = accessEndsAt(order);
  if (!current || endsAt === undefined || now < endsAt) return undefined;
  return { ...order, subscription: { ...current, endedAt: now }, version: order.version + 1 };
}

/** pending → expired, once the clock has passed expiresAt. Undefined when it does not apply. */
export function expireOrder(order: Order, now: number): Order | undefined {
  if (order.status !== "pending" || now < order.expiresAt) return undefined;
  return { ...order, status: "expired", version: order.version + 1 };
}

/** paid → fulfilled. Fulfilling twice is a no-op, so redelivered jobs stay harmless. */
export function fulfilOrder(order: Order, now: number): Order | undefined {
  if (order.status === "fulfilled") return undefined;
  if (order.status !== "paid") throw new InvalidTransition(order.id, order.status, "fulfilled");
  return {
    ...order,
    status: "fulfilled",
    fulfilledAt: now,
    held: false,
    version: order.version + 1,
  };
}

/** A held late payment released by an admin: the order may now be fulfilled. */
export function releaseOrder(order: Order): Order | undefined {
  if (order.status !== "paid" || !order.held) return undefined;
  return { ...order, held: false, version: order.version + 1 };
}

/**
 * paid | fulfilled → refunded. `keys` names the payments whose money went back, each then marked
 * refunded; a refunded order still takes the mark of a payment refunded after it. Undefined when
 * nothing changes.
 */
export function refundOrder(
  order: Order,
  now: number,
  keys: readonly string[] = [],
): Order | undefined {
  const marked = refundPayments(order, now, keys);
  const payments = marked?.payments ?? order.payments;
  if (order.status === "refunded") return marked;
  if (order.status !== "paid" && order.status !== "fulfilled") {
    throw new InvalidTransition(order.id, order.status, "refunded");
  }
  return { ...order, payments, status: "refunded", refundedAt: now, version: order.version + 1 };
}

/**
 * The payments `keys` marked refunded, the order's status as it was: money given back that the
 * order does not stand on (see refundEndsOrder). Undefined when none was still unrefunded.
 */
export function refundPayments(
  order: Order,
  now: number,
  keys: readonly string[],
): Order | undefined {
  let marked = false;
  const payments = order.payments.map((payment) => {
    if (payment.refundedAt !== undefined || !keys.includes(payment.key)) return payment;
    marked = true;
    return { ...payment, refundedAt: now };
  });
  return marked ? { ...order, payments, version: order.version + 1 } : undefined;
}

/**
 * Whether giving back the payments `keys` leaves the order unpaid, and so refunds it: for a
 * subscription, when the payment of the period now running is among them (an earlier period's
 * money given back leaves it running); for any other order, when what stays no longer covers its
 * amount (a second charge given back leaves it paid).
 */
export function refundEndsOrder(order: Order, keys: readonly string[]): boolean {
  const kept = order.payments.filter((p) => p.refundedAt === undefined && !keys.includes(p.key));
  const subscription = order.subscription;
  if (subscription) return !kept.some((p) => p.period?.until === subscription.paidUntil);
  const paid = kept
    .filter((p) => p.currency === order.currency && p.method === order.method)
    .reduce((sum, p) => sum + p.amount, 0n);
  return paid < order.amount;
}

/** True while the order can still take its payment in time. */
export function isOpen(order: Order, now: number): boolean {
  return order.status === "pending" && now < order.expiresAt && outstanding(order) > 0n;
}
