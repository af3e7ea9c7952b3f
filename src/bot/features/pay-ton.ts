import { Composer, InputFile } from "grammy";
import { outstanding } from "../../orders/order.js";
import { OrderNotFound } from "../../orders/store.js";
import { displayAddress, paymentQrPng } from "../../payments/ton/links.js";
import { buyData, checkOrderData } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { escapeHtml, formatAmount, formatTime } from "../format.js";
import { localized } from "../i18n.js";
import { tonPaymentKeyboard } from "../keyboards.js";
import { paymentMessageKey, type ShopServices } from "../services.js";
import { orderStatusText } from "../status.js";
import { orderFromBuyButton } from "./buy.js";

/** Buying for TON: the order, the payment message with links and a QR code, and "I have paid". */
export function payTonFeature(services: ShopServices) {
  const feature = new Composer<BotContext>();
  const { catalog, store, merchantAddress, testnet } = services;

  feature.callbackQuery(buyData.filter({ method: "ton" }), async (ctx) => {
    const order = await orderFromBuyButton(ctx, services);
    if (!order) return;
    const product = catalog.find(order.productId);
    if (!product) return;
    const comment = order.comment ?? "";
    const amount = formatAmount(order.amount, "TON");
    const sent = await ctx.reply(
      ctx.t("pay-ton", {
        orderId: order.id,
        title: escapeHtml(localized(product.title, order.lang)),
        quantity: order.quantity,
        amount,
        address: displayAddress(merchantAddress, testnet),
        comment,
        expires: formatTime(order.expiresAt),
      }),
      {
        parse_mode: "HTML",
        reply_markup: tonPaymentKeyboard(
          order,
          merchantAddress,
          testnet,
          ctx.t,
          services.wallets !== undefined,
        ),
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
