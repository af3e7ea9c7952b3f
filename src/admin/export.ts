import { stringify } from "csv-stringify/sync";
import { currencyDecimals, formatUnits } from "../catalog/units.js";
import type { Order, Payment } from "../orders/order.js";
import type { OrderStore } from "../orders/store.js";
import { ShopReports } from "./reports.js";

/**
 * The first sixteen columns are the export's contract; the rest were added after them: the
 * payment's own currency (a mismatched payment may differ from the order's) and what the
 * buyer typed at a card checkout.
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
] as const;

type Row = Record<(typeof CSV_COLUMNS)[number], string>;

/**
 * Orders created in [fromMs, toMs) as CSV for a spreadsheet: a header, then one row per payment
 * (one row for an order without any), oldest order first. Amounts are exact decimals in the
 * row's currency ("1.5" TON, "19.99" USD). A "held" late payment shows among the exceptions.
 * Cells that a spreadsheet would run as a formula (= + - @ tab CR, a buyer's name say) are
 * prefixed with "'".
 */
export async function ordersCsv(
  source: ShopReports | OrderStore,
  fromMs: number,
  toMs: number,
): Promise<string> {
  const reports = source instanceof ShopReports ? source : new ShopReports(source);
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
  if (order.payments.length === 0) return [{ ...base, ...paymentCells(undefined) }];
  return order.payments.map((payment) => ({ ...base, ...paymentCells(payment) }));
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

function decimal(amount: bigint, currency: string): string {
  return formatUnits(amount, currencyDecimals(currency));
}
