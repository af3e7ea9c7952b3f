import { Composer, InputFile } from "grammy";
import { priceOf } from "../../catalog/catalog.js";
import { outstanding } from "../../orders/order.js";
import { OrderNotFound } from "../../orders/store.js";
import { displayAddress, paymentQrPng } from "../../payments/ton/links.js";
import { buyData, checkOrderData } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { escapeHtml, formatAmount, formatTime } from "../format.js";
import { localized } from "../i18n.js";
import { tonPaymentKeyboard } from "../keyboards.js";
import { availableOf, paymentMessageKey, type ShopServices } from "../services.js";
import { orderStatusText } from "../status.js";

/** Buying for TON: the order, the payment message with links and a QR code, and "I have paid". */
export function payTonFeature(services: ShopServices) {
  const feature = new Composer<BotContext>();
  const { catalog, store, merchantAddress, testnet } = services;

  feature.callbackQuery(buyData.filter({ method: "ton" }), async (ctx) => {
    const { id, quantity } = buyData.unpack(ctx.callbackQuery.data);
    const product = catalog.find(id);
    const valid =
      Number.isInteger(quantity) && quantity >= 1 && quantity <= (product?.maxQuantity ?? 0);
    const price = product && valid ? priceOf(product, "ton", quantity) : undefined;
    if (!product || !price || !services.payMethods.includes("ton")) {
      services.log.warn(
        { userId: ctx.from.id, data: ctx.callbackQuery.data },
        "refused a buy button",
      );
      return ctx.answerCallbackQuery({ text: ctx.t("pay-method-unavailable"), show_alert: true });
    }
    if ((await availableOf(services, product)) < quantity) {
      return ctx.answerCallbackQuery({ text: ctx.t("product-sold-out"), show_alert: true });
    }
    await ctx.answerCallbackQuery();
    const locale = await ctx.i18n.getLocale();
    const order = await store.create({
      userId: ctx.from.id,
      chatId: ctx.chat?.id ?? ctx.from.id,
      productId: product.id,
      quantity,
      method: "ton",
      currency: price.currency,
      amount: price.amount,
      lang: locale,
      ttlMs: services.orderTtlMs,
    });
    const comment = order.comment ?? "";
    const amount = formatAmount(order.amount, "TON");
    const sent = await ctx.reply(
      ctx.t("pay-ton", {
        orderId: order.id,
        title: escapeHtml(localized(product.title, locale)),
        quantity,
        amount,
        address: displayAddress(merchantAddress, testnet),
        comment,
        expires: formatTime(order.expiresAt),
      }),
      {
        parse_mode: "HTML",
        reply_markup: tonPaymentKeyboard(order, merchantAddress, testnet, ctx.t),
        link_preview_options: { is_disabled: true },
      },
    );
    await services.redis.set(
      paymentMessageKey(services.prefix, order.id),
      String(sent.message_id),
      "PX",
      services.orderTtlMs + 7 * 86_400_000,
    );
    const qr = await paymentQrPng({
      address: merchantAddress,
      amount: order.amount,
      comment,
      testnet,
    });
    await ctx.replyWithPhoto(new InputFile(qr, `${order.id}.png`), {
      caption: ctx.t("pay-ton-qr", { amount, comment }),
    });
    services.log.info({ orderId: order.id, userId: ctx.from.id }, "TON order created");
  });

  // The watcher decides whether money arrived; this button only reports what it decided.
  feature.callbackQuery(checkOrderData.filter(), async (ctx) => {
    const { orderId } = checkOrderData.unpack(ctx.callbackQuery.data);
    const order = await store.require(orderId).catch((error: unknown) => {
      if (error instanceof OrderNotFound) return undefined;
      throw error;
    });
    if (!order) return ctx.answerCallbackQuery({ text: ctx.t("error-forged"), show_alert: true });
    if (order.userId !== ctx.from.id) {
      services.log.warn({ userId: ctx.from.id, orderId }, "status asked for someone else's order");
      return ctx.answerCallbackQuery({ text: ctx.t("error-not-your-order"), show_alert: true });
    }
    const text = orderStatusText(order, ctx.t, outstanding(order));
    return ctx.answerCallbackQuery({ text: text.replace(/<[^>]+>/g, ""), show_alert: true });
  });

  return feature;
}
