import type { OrderEvent } from "../orders/events.js";
import type { Order } from "../orders/order.js";
import { currencyLabel, formatAmount } from "./format.js";

type Translate = (key: string, variables?: Record<string, string | number>) => string;

/** What the buyer is told about an order as it stands. */
export function orderStatusText(order: Order, t: Translate, owed: bigint): string {
  const common = {
    orderId: order.id,
    amount: formatAmount(order.amount, order.currency),
    paid: formatAmount(order.paid, order.currency),
    owed: formatAmount(owed, order.currency),
    currency: currencyLabel(order.currency),
    comment: order.comment ?? "",
  };
  switch (order.status) {
    case "pending":
      return order.paid > 0n ? t("status-underpaid", common) : t("status-pending", common);
    case "paid":
      return order.held ? t("status-held", common) : t("status-paid", common);
    case "fulfilled":
      return t("status-fulfilled", common);
    case "expired":
      return order.paid > 0n ? t("status-expired-underpaid", common) : t("status-expired", common);
    case "refunded":
      return t("status-refunded", common);
  }
}

/** The locale key a buyer is sent for an order event, or undefined when the event is not theirs. */
export function eventMessageKey(event: OrderEvent): string | undefined {
  switch (event.type) {
    case "order.underpaid":
      return "status-underpaid";
    case "order.paid":
      return "status-paid";
    case "order.held":
      return "status-held";
    case "order.expired":
      // Money received for it: the buyer learns how much, and that the shop will be in touch.
      return event.detail === undefined ? "status-expired" : "status-expired-underpaid";
    case "order.refunded":
      return "status-refunded";
    case "order.mismatch":
      return "status-mismatch";
    case "order.subscription_ended":
      return "status-subscription-ended";
    default:
      // Created: the buyer is looking at it. Fulfilled: the goods and receipt say it.
      return undefined;
  }
}
