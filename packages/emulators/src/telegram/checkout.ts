import type { OrderInfo, ShippingAddress, User } from "grammy/types";
import { STARS } from "./methods/payments.js";
import type { ChatMessage, SentInvoice } from "./state.js";

/** What the buyer does in Telegram's payment form. */
export interface PayInvoiceOptions {
  /** Added to the price; refused before anything is sent when above the invoice's max_tip_amount. */
  tip?: number;
  /**
   * What the buyer fills in. Only the fields the invoice asks for reach the bot; a field it asks
   * for and this leaves out gets a made-up value, as if the buyer had typed one.
   */
  orderInfo?: OrderInfo;
  /** The shipping option to choose from the bot's answer to the shipping query; the first if unset. */
  shippingOptionId?: string;
}

/** How a payment attempt ended. */
export interface InvoicePayment {
  ok: boolean;
  /** Why it failed, as the buyer is told: the bot's own text when the bot refused. */
  errorMessage?: string;
  /**
   * Which step stopped the payment and why: "tip refused: …", "shipping refused: …" or
   * "pre-checkout refused: …".
   */
  reason?: string;
  chargeId?: string;
  /** What the buyer paid: the invoice's prices, the shipping option's prices and the tip. */
  totalAmount?: number;
  /** The successful_payment service message in the buyer's chat, e.g. to `redeliver` it. */
  message?: ChatMessage;
}

export type PaymentStep = "tip" | "shipping" | "pre-checkout" | "stars";

export const NO_ANSWER = "the bot did not answer in time";

export function refused(step: PaymentStep, errorMessage: string): InvoicePayment {
  return { ok: false, errorMessage, reason: `${step} refused: ${errorMessage}` };
}

/** Accepts the old `payInvoice(message, tipAmount)` form too. */
export function payOptions(options: PayInvoiceOptions | number | undefined): PayInvoiceOptions {
  if (typeof options === "number") return { tip: options };
  return options ?? {};
}

export const SAMPLE_ADDRESS: ShippingAddress = {
  country_code: "DE",
  state: "",
  city: "Berlin",
  street_line1: "Alexanderplatz 1",
  street_line2: "",
  post_code: "10178",
};

/**
 * The order_info Telegram sends for this invoice: only the fields it asks for, none for Stars
 * (Telegram ignores the need_* flags there). Undefined when nothing is asked.
 */
export function orderInfoFor(
  invoice: SentInvoice,
  given: OrderInfo | undefined,
  user: User,
): OrderInfo | undefined {
  if (invoice.currency === STARS) return undefined;
  const info: OrderInfo = {};
  if (invoice.needName) {
    info.name = given?.name ?? [user.first_name, user.last_name].filter(Boolean).join(" ");
  }
  if (invoice.needPhoneNumber) info.phone_number = given?.phone_number ?? "+4915112345678";
  if (invoice.needEmail) info.email = given?.email ?? `${user.username ?? "buyer"}@example.com`;
  if (invoice.needShippingAddress) {
    info.shipping_address = given?.shipping_address ?? SAMPLE_ADDRESS;
  }
  return Object.keys(info).length === 0 ? undefined : info;
}
