import { type Product, priceOf } from "../../catalog/catalog.js";
import { buyerOf, type Order } from "../../orders/order.js";
import type { ButtonValues, buyData, Press } from "../callback-data.js";
import type { ShopServices } from "../services.js";
import { askForTerms } from "./terms.js";

/**
 * A "Pay with …" press, checked as if forged — the product, the quantity against its limit, the
 * method and the stock — and answered; the order it creates, or undefined after a polite refusal.
 * A buyer who has not agreed to the current terms of sale is shown them instead, and nothing is
 * ordered: their "I agree" brings the same purchase back here.
 */
export async function orderFromBuyButton(
  ctx: Press,
  services: ShopServices,
  { id, quantity, method }: ButtonValues<typeof buyData>,
): Promise<Order | undefined> {
  const from = ctx.from;
  const product = services.catalog.find(id);
  const valid =
    quantity <= (product?.maxQuantity ?? 0) &&
    product !== undefined &&
    services.deliverable(product);
  const offered = services.payMethods().includes(method);
  const price = product && valid && offered ? priceOf(product, method, quantity) : undefined;
  if (!product || !price) {
    services.log.warn({ userId: from.id, data: ctx.callbackQuery.data }, "refused a buy button");
    await ctx.answerCallbackQuery({ text: ctx.t("pay-method-unavailable"), show_alert: true });
    return undefined;
  }
  const available = await availableOf(services, product);
  if (available < quantity) {
    services.log.info({ userId: from.id, productId: id, quantity, available }, "too few in stock");
    const text =
      available > 0 ? ctx.t("product-not-enough", { count: available }) : ctx.t("product-sold-out");
    await ctx.answerCallbackQuery({ text, show_alert: true });
    return undefined;
  }
  const terms = services.catalog.shop.terms;
  const agreed = await services.terms.agreementOf(from.id);
  if (agreed?.version !== terms.version) {
    await ctx.answerCallbackQuery();
    await askForTerms(ctx, services, { id, quantity, method }, agreed);
    return undefined;
  }
  await ctx.answerCallbackQuery();
  try {
    return await services.store.create({
      userId: from.id,
      buyer: buyerOf(from),
      chatId: ctx.chat?.id ?? from.id,
      productId: product.id,
      quantity,
      method: price.method,
      currency: price.currency,
      amount: price.amount,
      lang: await ctx.i18n.getLocale(),
      ttlMs: services.orderTtlMs,
    });
  } catch (error) {
    // The press is answered already, so the bot's error handler could not tell the buyer.
    await ctx.reply(ctx.t("error-generic")).catch(() => undefined);
    throw error;
  }
}

/** How many a buyer can still get: the pool's size for stock products, otherwise unlimited. */
export async function availableOf(services: ShopServices, product: Product): Promise<number> {
  const { delivery } = product;
  return delivery?.type === "stock" ? services.stock.available(delivery.pool) : Infinity;
}
