import type { LabeledPrice } from "grammy/types";
import type { Catalog, LocalizedText, Product } from "../../catalog/catalog.js";
import type { Order } from "../../orders/order.js";

/** Telegram's limits on invoice texts. */
const MAX_TITLE = 32;
const MAX_DESCRIPTION = 255;

/** Everything sendInvoice and createInvoiceLink need besides the chat. */
export interface InvoiceParams {
  title: string;
  description: string;
  /** The order id: pre-checkout and the payment find the order by it. */
  payload: string;
  currency: string;
  prices: LabeledPrice[];
  other: {
    provider_token?: string;
    max_tip_amount?: number;
    suggested_tip_amounts?: number[];
    need_name?: boolean;
    need_phone_number?: boolean;
    need_shipping_address?: boolean;
    is_flexible?: boolean;
  };
}

export interface InvoiceContext {
  catalog: Catalog;
  /** PAYMENT_PROVIDER_TOKEN; unused for Stars. */
  providerToken: string | undefined;
  locale: string;
  /**
   * Where the terms of sale are, e.g. "Terms of sale: https://…". The Bot API has no terms_url
   * for invoices, so it goes under the description — only when the whole description still fits.
   */
  termsNote?: string;
}

function text(value: LocalizedText, locale: string): string {
  return value[locale] ?? value.en;
}

/** Shortens to `max` UTF-16 units (Telegram's count) without splitting a character. */
function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  let kept = "";
  for (const char of value) {
    if (kept.length + char.length > max - 1) break;
    kept += char;
  }
  return `${kept}…`;
}

/** The product's description, with the terms note under it when both fit whole. */
function describe(description: string, termsNote: string | undefined): string {
  const noted = termsNote ? `${description}\n\n${termsNote}` : description;
  return noted.length <= MAX_DESCRIPTION ? noted : clip(description, MAX_DESCRIPTION);
}

/**
 * The invoice for a Stars or card order. Stars: one price, no provider token (Telegram's rule).
 * Card: the provider token and the shop's currency; physical goods ask for a name, a phone and an
 * address, and for a shipping option when the catalog lists any; tips where the product allows.
 */
export function invoiceFor(order: Order, product: Product, ctx: InvoiceContext): InvoiceParams {
  const title = text(product.title, ctx.locale);
  // The quantity always shows: the title gives way to it.
  const times = order.quantity > 1 ? ` × ${order.quantity}` : "";
  const label = `${clip(title, MAX_TITLE - times.length)}${times}`;
  const base = {
    title: clip(title, MAX_TITLE),
    description: describe(text(product.description, ctx.locale), ctx.termsNote),
    payload: order.id,
    currency: order.currency,
    prices: [{ label, amount: Number(order.amount) }],
  };
  if (order.method === "stars") return { ...base, other: {} };
  if (order.method !== "fiat" || !ctx.providerToken) {
    throw new Error(`order ${order.id} cannot be paid by invoice (method ${order.method})`);
  }
  const other: InvoiceParams["other"] = { provider_token: ctx.providerToken };
  if (product.tips) {
    other.max_tip_amount = Number(product.tips.max);
    if (product.tips.suggested.length > 0) {
      other.suggested_tip_amounts = product.tips.suggested.map(Number);
    }
  }
  if (product.kind === "physical") {
    other.need_name = true;
    other.need_phone_number = true;
    other.need_shipping_address = true;
    if (ctx.catalog.shipping.length > 0) other.is_flexible = true;
  }
  return { ...base, other };
}
