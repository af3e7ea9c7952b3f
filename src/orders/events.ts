import { z } from "zod";
import { currencyDecimals, parseUnits } from "../catalog/units.js";
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

const units = z
  .string()
  .regex(/^\d+$/)
  .transform((text) => BigInt(text));
const money = z.object({ units, currency: z.string().min(1) });
const recovered = z.literal("stars-ledger").optional();
const paymentSeen = z.object({ paymentKey: z.string(), amount: money, recovered });
const paidDetail = paymentSeen.extend({ late: z.boolean(), overpaid: z.boolean() });

const orderEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("order.created") }),
  z.object({ type: z.literal("order.payment_received"), detail: paymentSeen }),
  z.object({ type: z.literal("order.underpaid"), detail: paymentSeen.extend({ owed: money }) }),
  z.object({ type: z.literal("order.paid"), detail: paidDetail }),
  z.object({ type: z.literal("order.held"), detail: paidDetail }),
  z.object({ type: z.literal("order.mismatch"), detail: paymentSeen }),
  z.object({ type: z.literal("order.fulfilled") }),
  z.object({
    type: z.literal("order.expired"),
    detail: z.object({ paid: money, amount: money }).optional(),
  }),
  z.object({ type: z.literal("order.refunded"), detail: z.object({ by: z.string() }) }),
  z.object({
    type: z.literal("order.delivery_failed"),
    detail: z.object({ deliverer: z.string(), error: z.string() }),
  }),
]);

const unmatchedEvent = z.object({
  type: z.literal("payment.unmatched"),
  detail: z.object({ reason: z.string(), recovered }),
});

/**
 * Entries written before amounts were base units carried display text ("1.5" beside
 * "currency": "TON"). formatUnits wrote it exactly, so it reads back exactly.
 */
function fromDisplayAmounts(event: unknown): unknown {
  if (typeof event !== "object" || event === null) return event;
  const { detail } = event as { detail?: unknown };
  if (typeof detail !== "object" || detail === null) return event;
  const { currency } = detail as { currency?: unknown };
  if (typeof currency !== "string") return event;
  const read: Record<string, unknown> = { ...detail };
  delete read.currency;
  for (const name of ["amount", "owed", "paid"]) {
    const text = read[name];
    if (typeof text !== "string") continue;
    try {
      read[name] = { units: parseUnits(text, currencyDecimals(currency)).toString(), currency };
    } catch {
      // Left as it was: the schema refuses it, and the entry is skipped with a line.
    }
  }
  return { ...event, detail: read };
}

export type ParsedEntry = { ok: true; entry: EventEntry } | { ok: false; problem: string };

/**
 * Reads one entry of the events stream from its flat field list (`orderId` or `paymentKey`,
 * and `event`). An entry that does not read says why, so the reader can skip it with a line.
 */
export function parseOrderEvent(fields: readonly string[]): ParsedEntry {
  const value = (name: string) => {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
    return undefined;
  };
  const orderId = value("orderId");
  const paymentKey = value("paymentKey");
  let json: unknown;
  try {
    json = JSON.parse(value("event") ?? "");
  } catch {
    return { ok: false, problem: "the event field is not JSON" };
  }
  if (orderId !== undefined) {
    const parsed = orderEvent.safeParse(fromDisplayAmounts(json));
    if (!parsed.success) return { ok: false, problem: describe(parsed.error) };
    return { ok: true, entry: { orderId, ...(parsed.data as OrderEvent) } };
  }
  if (paymentKey !== undefined) {
    const parsed = unmatchedEvent.safeParse(json);
    if (!parsed.success) return { ok: false, problem: describe(parsed.error) };
    return { ok: true, entry: { paymentKey, ...(parsed.data as UnmatchedEvent) } };
  }
  return { ok: false, problem: "the entry names neither an order nor a payment" };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "the event does not read";
  const path = issue.path.join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}
