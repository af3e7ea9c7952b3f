import type { Catalog, Product, ShippingOption } from "../../catalog/catalog.js";
import type { Order } from "../../orders/order.js";

/** Why a pre-checkout is refused; each has a sentence for the buyer in every language. */
export type CheckoutRefusal =
  | "not-found"
  | "not-yours"
  | "paid-already"
  | "expired"
  | "changed"
  | "sold-out"
  /** Some left in stock, but fewer than the order's quantity. */
  | "not-enough"
  | "shipping"
  /** A shared invoice link someone else is paying for at this moment. */
  | "taken"
  /** A subscription the buyer already has, running on another order. */
  | "subscribed"
  /** A subscription the buyer is paying for in another checkout at this moment. */
  | "subscribing";

/** What Telegram says the buyer is about to pay. */
export interface CheckoutRequest {
  userId: number;
  currency: string;
  /** Minor units, shipping and tip included. */
  totalAmount: bigint;
  shippingOptionId?: string;
}

/** How the total splits: the goods (the order's amount), shipping and a tip. */
export interface CheckoutSplit {
  goods: bigint;
  shipping: bigint;
  tip: bigint;
}

export type CheckoutVerdict =
  | ({ ok: true } & CheckoutSplit)
  | { ok: false; reason: CheckoutRefusal };

export interface CheckoutContext {
  product: Product | undefined;
  catalog: Catalog;
  now: number;
  /** Items the shop can still deliver (Infinity unless from a stock pool). */
  available: number;
}

/**
 * Whether Telegram may take this payment, decided from the order alone: it must be the buyer's
 * own, still pending and in time, in stock, and the total must be the order's amount plus the
 * chosen shipping plus a tip the product allows. Pure.
 */
export function checkCheckout(
  order: Order | undefined,
  request: CheckoutRequest,
  ctx: CheckoutContext,
): CheckoutVerdict {
  if (!order || !ctx.product) return { ok: false, reason: "not-found" };
  if (order.status === "expired") return { ok: false, reason: "expired" };
  if (order.status !== "pending" || order.paid > 0n) return { ok: false, reason: "paid-already" };
  // userId 0: an order behind a shared invoice link, open to whoever pays first.
  if (order.userId !== 0 && order.userId !== request.userId) {
    return { ok: false, reason: "not-yours" };
  }
  if (ctx.now >= order.expiresAt) return { ok: false, reason: "expired" };
  if (ctx.available < order.quantity) {
    return { ok: false, reason: ctx.available > 0 ? "not-enough" : "sold-out" };
  }
  if (request.currency !== order.currency) return { ok: false, reason: "changed" };
  const split = splitTotal(order, request, ctx.catalog, ctx.product);
  if (split === "shipping") return { ok: false, reason: "shipping" };
  if (split === undefined) return { ok: false, reason: "changed" };
  return { ok: true, ...split };
}

/**
 * Splits a paid total into goods, shipping and tip; undefined when it cannot be this order's
 * (wrong amount, or a tip beyond what the product allows), "shipping" for an unknown option.
 */
export function splitTotal(
  order: Order,
  request: Pick<CheckoutRequest, "totalAmount" | "shippingOptionId">,
  catalog: Catalog,
  product: Product,
): CheckoutSplit | "shipping" | undefined {
  let shipping = 0n;
  if (request.shippingOptionId !== undefined) {
    const option = catalog.shipping.find((o) => o.id === request.shippingOptionId);
    if (!option) return "shipping";
    shipping = option.amount;
  }
  const tip = request.totalAmount - order.amount - shipping;
  const maxTip = order.method === "fiat" ? (product.tips?.max ?? 0n) : 0n;
  if (tip < 0n || tip > maxTip) return undefined;
  return { goods: order.amount, shipping, tip };
}

/** The options that reach `country`; none means the shop cannot ship there. */
export function shippingFor(catalog: Catalog, country: string): ShippingOption[] {
  return catalog.shipping.filter((o) => !o.countries || o.countries.includes(country));
}
