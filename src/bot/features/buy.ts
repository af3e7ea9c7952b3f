import { type PaymentMethod, priceOf } from "../../catalog/catalog.js";
import type { Order } from "../../orders/order.js";
import { buyData } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { availableOf, type ShopServices } from "../services.js";

/**
 * A "Pay with …" press, checked as if forged — the product, the quantity, the method and the
 * stock — and answered; the order it creates, or undefined after a polite refusal.
 */
export async function orderFromBuyButton(
  ctx: BotContext,
  services: ShopServices,
): Promise<Order | undefined> {
  const data = ctx.callbackQuery?.data ?? "";
  const from = ctx.from;
  if (!from) return undefined;
  const { id, quantity, method } = buyData.unpack(data);
  const product = services.catalog.find(id);
  const valid =
    Number.isInteger(quantity) && quantity >= 1 && quantity <= (product?.maxQuantity ?? 0);
  const offered = (services.payMethods as readonly string[]).includes(method);
  const price =
    product && valid && offered ? priceOf(product, method as PaymentMethod, quantity) : undefined;
  if (!product || !price) {
    services.log.warn({ userId: from.id, data }, "refused a buy button");
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
  await ctx.answerCallbackQuery();
  return services.store.create({
    userId: from.id,
    chatId: ctx.chat?.id ?? from.id,
    productId: product.id,
    quantity,
    method: price.method,
    currency: price.currency,
    amount: price.amount,
    lang: await ctx.i18n.getLocale(),
    ttlMs: services.orderTtlMs,
  });
}
