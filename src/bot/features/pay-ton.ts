import { Composer, InputFile } from "grammy";
import { orderStatusText } from "../../notices/status.js";
import { tonPaymentMessage } from "../../notices/ton-payment.js";
import { outstanding } from "../../orders/order.js";
import { OrderNotFound } from "../../orders/store.js";
import {
  type ButtonValues,
  buyData,
  checkOrderData,
  onPress,
  type Press,
} from "../callback-data.js";
import type { BotContext } from "../context.js";
import type { ShopServices } from "../services.js";
import { orderFromBuyButton } from "./buy.js";

/**
 * Buying for TON or USDT on TON: the order, the payment message with links and a QR code, and
 * "I have paid". Both are transfers to the merchant that the watcher finds by their comment.
 */
export function payTonFeature(services: ShopServices) {
  const feature = new Composer<BotContext>();
  const { catalog, store, merchantAddress, usdtMaster, testnet } = services;

  const buy = async (ctx: Press, button: ButtonValues<typeof buyData>) => {
    const order = await orderFromBuyButton(ctx, services, button);
    if (!order) return;
    const product = catalog.find(order.productId);
    if (!product) return;
    const message = await tonPaymentMessage(
      order,
      product,
      { merchant: merchantAddress, testnet, walletPay: services.wallets !== undefined, usdtMaster },
      ctx.t,
    );
    const keep = services.orderTtlMs + 7 * 86_400_000;
    const sent = await ctx.reply(message.text, {
      parse_mode: "HTML",
      reply_markup: message.keyboard,
      link_preview_options: { is_disabled: true },
    });
    await services.paymentMessages.remember(order.id, { messageId: sent.message_id }, keep);
    const qr = await ctx.replyWithPhoto(new InputFile(message.qr, `${order.id}.png`), {
      caption: message.qrCaption,
    });
    await services.paymentMessages.remember(order.id, { qrId: qr.message_id }, keep);
    services.log.info(
      { orderId: order.id, userId: ctx.from.id, method: order.method },
      "order to pay on chain created",
    );
  };

  // The watcher decides whether money arrived; this button only reports what it decided.
  const check = onPress(checkOrderData, {}, async (ctx, { orderId }) => {
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

  feature.use(onPress(buyData, { method: "ton" }, buy), onPress(buyData, { method: "usdt" }, buy));
  feature.use(check);
  return { feature, buy };
}
