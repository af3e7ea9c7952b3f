import { stringify } from "csv-stringify/sync";
import { currencyDecimals, formatUnits } from "../catalog/units.js";
import type { Order, Payment } from "../orders/order.js";
import { SUBSCRIPTION_PERIOD_S } from "../payments/telegram/subscriptions.js";
import type { ShopReports } from "./reports.js";

/**
 * The first sixteen columns are the export's contract; the rest were added after them: the
 * payment's own currency (a mismatched payment may differ from the order's), what the buyer
 * typed at a card checkout, and a subscription's state and the period each payment paid for.
 * The subscription's columns are empty for every other order.
 */
export const CSV_COLUMNS = [
  "order_id",
  "created_at",
  "status",
  "exceptions",
  "product_id",
  "quantity",
  "method",
  "currency",
  "amount",
  "paid",
  "payment_key",
  "payment_amount",
  "payment_received_at",
  "payment_from",
  "shipping",
  "tip",
  "payment_currency",
  "buyer_name",
  "buyer_phone",
  "buyer_email",
  "shipping_address",
  "subscription_renewal",
  "subscription_paid_until",
  "subscription_ended_at",
  "period",
  "period_from",
  "period_until",
  "period_refunded_at",
] as const;

type Row = Record<(typeof CSV_COLUMNS)[number], string>;

/**
 * Orders created in [fromMs, toMs) as CSV for a spreadsheet: a header, then one row per payment
 * (one row for an order without any), oldest order first, so each period a subscription paid is
 * a row of its own. Amounts are exact decimals in the row's currency ("1.5" TON, "19.99" USD);
 * times are UTC ISO. A "held" late payment shows among the exceptions. Cells that a spreadsheet
 * would run as a formula (= + - @ tab CR, a buyer's name say) are prefixed with "'".
 */
export async function ordersCsv(
  reports: ShopReports,
  fromMs: number,
  toMs: number,
): Promise<string> {
  let csv = stringify([], { header: true, columns: [...CSV_COLUMNS] });
  for await (const batch of reports.ordersCreated(fromMs, toMs)) {
    const rows = batch.flatMap(orderRows);
    csv += stringify(rows, { columns: [...CSV_COLUMNS], escape_formulas: true });
  }
  return csv;
}

function orderRows(order: Order): Row[] {
  const exceptions = [...order.exceptions, ...(order.held ? ["held"] : [])];
  const base = {
    order_id: order.id,
    created_at: new Date(order.createdAt).toISOString(),
    status: order.status,
    exceptions: exceptions.join(";"),
    product_id: order.productId,
    quantity: String(order.quantity),
    method: order.method,
    currency: order.currency,
    amount: decimal(order.amount, order.currency),
    paid: decimal(order.paid, order.currency),
  };
  const subscription = subscriptionCells(order);
  if (order.payments.length === 0) {
    return [{ ...base, ...paymentCells(undefined), ...subscription, ...periodCells(undefined) }];
  }
  const periods = periodsOf(order);
  return order.payments.map((payment) => ({
    ...base,
    ...paymentCells(payment),
    ...subscription,
    ...periodCells(periods.get(payment.key)),
  }));
}

function subscriptionCells(order: Order) {
  const subscription = order.subscription;
  return {
    subscription_renewal: subscription?.renewal ?? "",
    subscription_paid_until: time(subscription?.paidUntil),
    subscription_ended_at: time(subscription?.endedAt),
  };
}

/** A period of a subscription, as the payment that paid it. */
interface PaidPeriod {
  number: number;
  from: number;
  until: number;
  refundedAt: number | undefined;
}

function periodCells(period: PaidPeriod | undefined) {
  return {
    period: period ? String(period.number) : "",
    period_from: time(period?.from),
    period_until: time(period?.until),
    period_refunded_at: time(period?.refundedAt),
  };
}

const PERIOD_MS = SUBSCRIPTION_PERIOD_S * 1000;

/**
 * The payments that paid a subscription's periods, by key, numbered as the order took them: each
 * ends after the one before and none beyond `paidUntil` (a charge after a refund, or a second one
 * for a period already paid, paid no period). A period starts when the one before it ended, or
 * where Telegram's 30 days begin when a renewal came after access ran out; the first starts when
 * it was paid.
 */
export function periodsOf(order: Order): Map<string, PaidPeriod> {
  const periods = new Map<string, PaidPeriod>();
  const subscription = order.subscription;
  if (!subscription) return periods;
  let previous: number | undefined;
  for (const payment of order.payments) {
    const until = payment.period?.until;
    if (until === undefined || until > subscription.paidUntil) continue;
    if (payment.currency !== order.currency || payment.method !== order.method) continue;
    if (previous !== undefined && until <= previous) continue;
    const from =
      previous === undefined ? payment.receivedAt : Math.max(previous, until - PERIOD_MS);
    periods.set(payment.key, {
      number: periods.size + 1,
      from,
      until,
      refundedAt: payment.refundedAt,
    });
    previous = until;
  }
  return periods;
}

function paymentCells(payment: Payment | undefined) {
  if (!payment) {
    return {
      payment_key: "",
      payment_amount: "",
      payment_received_at: "",
      payment_from: "",
      shipping: "",
      tip: "",
      payment_currency: "",
      buyer_name: "",
      buyer_phone: "",
      buyer_email: "",
      shipping_address: "",
    };
  }
  const reference = payment.reference ?? {};
  const extra = (value: string | undefined) =>
    value !== undefined && /^\d+$/.test(value) ? decimal(BigInt(value), payment.currency) : "";
  const buyer = orderInfo(reference.orderInfo);
  return {
    payment_key: payment.key,
    payment_amount: decimal(payment.amount, payment.currency),
    payment_received_at: new Date(payment.receivedAt).toISOString(),
    payment_from: payment.from ?? "",
    shipping: extra(reference.shipping),
    tip: extra(reference.tip),
    payment_currency: payment.currency,
    ...buyer,
  };
}

/** Telegram's OrderInfo, as the checkout stored it (JSON): what the buyer typed. */
function orderInfo(json: string | undefined) {
  let info: {
    name?: unknown;
    phone_number?: unknown;
    email?: unknown;
    shipping_address?: Record<string, unknown>;
  } = {};
  try {
    if (json) info = JSON.parse(json) ?? {};
  } catch {
    // A record we cannot read leaves the buyer's columns empty rather than failing the export.
  }
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  const address = info.shipping_address ?? {};
  return {
    buyer_name: text(info.name),
    buyer_phone: text(info.phone_number),
    buyer_email: text(info.email),
    shipping_address: [
      address.street_line1,
      address.street_line2,
      address.city,
      address.state,
      address.post_code,
      address.country_code,
    ]
      .map(text)
      .filter((part) => part !== "")
      .join(", "),
  };
}

function time(ms: number | undefined): string {
  return ms === undefined ? "" : new Date(ms).toISOString();
}

function decimal(amount: bigint, currency: string): string {
  return formatUnits(amount, currencyDecimals(currency));
}
