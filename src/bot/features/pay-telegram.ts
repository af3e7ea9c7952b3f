import type { I18n } from "@grammyjs/i18n";
import { Composer, type Context, InlineKeyboard } from "grammy";
import type { Product } from "../../catalog/catalog.js";
import { noMetrics, secondsSince } from "../../metrics.js";
import { escapeHtml, formatPrice, formatTime } from "../../notices/format.js";
import type { Order } from "../../orders/order.js";
import { shippingFor } from "../../payments/telegram/checkout.js";
import { invoiceFor } from "../../payments/telegram/invoice.js";
import { SUBSCRIPTION_PERIOD_S } from "../../payments/telegram/subscriptions.js";
import { type ButtonValues, buyData, onPress, type Press } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { localized, negotiateLocale } from "../i18n.js";
import type { ShopServices } from "../services.js";
import { orderFromBuyButton } from "./buy.js";

/**
 * Buying for Telegram Stars or by card: the order and its invoice, the pre-checkout decision,
 * shipping options, and the successful or refunded payment — which go to the same
 * recordPayment and fulfilment as TON.
 */
export function payTelegramFeature(services: ShopServices) {
  const feature = new Composer<BotContext>();
  const { catalog, store, telegramPayments } = services;

  const sendInvoice = async (ctx: Press, button: ButtonValues<typeof buyData>) => {
    const product = catalog.find(button.id);
    if (product?.kind === "subscription") {
      const running = await services.subscriptions.activeFor(ctx.from.id, product.id);
      if (running?.subscription) {
        await ctx.answerCallbackQuery();
        await ctx.reply(
          ctx.t("subscription-already", { until: formatTime(running.subscription.paidUntil) }),
        );
        return;
      }
    }
    const order = await orderFromBuyButton(ctx, services, button);
    if (!order || !product) return;
    if (product.kind === "subscription") return sendSubscriptionLink(ctx, order, product);
    const termsUrl = catalog.shop.terms.url;
    const invoice = invoiceFor(order, product, {
      catalog,
      providerToken: services.providerToken,
      locale: order.lang,
      termsNote: termsUrl ? ctx.t("invoice-terms", { url: termsUrl }) : undefined,
    });
    const sent = await ctx.replyWithInvoice(
      invoice.title,
      invoice.description,
      invoice.payload,
      invoice.currency,
      invoice.prices,
      invoice.other,
    );
    await services.paymentMessages.remember(
      order.id,
      { messageId: sent.message_id },
      services.orderTtlMs + 7 * 86_400_000,
    );
    services.log.info(
      { orderId: order.id, userId: ctx.from.id, method: order.method },
      "invoice sent",
    );
  };
  /**
   * A subscription is sold by an invoice link Telegram charges every 30 days; the Bot API allows
   * no other way (sendInvoice refuses a subscription_period with SUBSCRIPTION_EXPORT_MISSING).
   */
  const sendSubscriptionLink = async (ctx: Press, order: Order, product: Product) => {
    const invoice = invoiceFor(order, product, {
      catalog,
      providerToken: undefined,
      locale: order.lang,
    });
    const link = await ctx.api.createInvoiceLink(
      invoice.title,
      invoice.description,
      invoice.payload,
      "",
      invoice.currency,
      invoice.prices,
      { subscription_period: SUBSCRIPTION_PERIOD_S },
    );
    await ctx.reply(
      ctx.t("subscription-link", {
        title: escapeHtml(localized(product.title, order.lang)),
        amount: formatPrice(order.amount, order.currency),
        orderId: order.id,
      }),
      {
        parse_mode: "HTML",
        reply_markup: new InlineKeyboard().url(ctx.t("button-subscribe-now"), link),
      },
    );
    services.log.info({ orderId: order.id, userId: ctx.from.id }, "subscription link sent");
  };

  feature.use(onPress(buyData, { method: "stars" }, sendInvoice));
  feature.use(onPress(buyData, { method: "fiat" }, sendInvoice));

  feature.on("shipping_query", async (ctx) => {
    const query = ctx.shippingQuery;
    const order = await store.get(query.invoice_payload);
    const options = shippingFor(catalog, query.shipping_address.country_code);
    const foreign = order !== undefined && order.userId !== 0 && order.userId !== ctx.from.id;
    if (!order || foreign || options.length === 0) {
      return ctx.answerShippingQuery(false, { error_message: ctx.t("shipping-unavailable") });
    }
    const locale = await ctx.i18n.getLocale();
    return ctx.answerShippingQuery(true, {
      shipping_options: options.map((option) => ({
        id: option.id,
        title: localized(option.title, locale),
        prices: [{ label: localized(option.title, locale), amount: Number(option.amount) }],
      })),
    });
  });

  // No reply here: the notifier says "paid" from the order's event, the deliverer sends the goods.
  feature.on("message:successful_payment", async (ctx) => {
    const paid = ctx.message.successful_payment;
    try {
      await telegramPayments.successfulPayment(ctx.from, paid);
    } catch (error) {
      // Thrown on, so the update is not confirmed to Telegram and is handled again; the line
      // carries what a person needs to recover the payment should it never be recorded.
      services.log.error(
        {
          err: error,
          userId: ctx.from.id,
          updateId: ctx.update.update_id,
          orderId: paid.invoice_payload,
          chargeId: paid.telegram_payment_charge_id,
          currency: paid.currency,
          total: paid.total_amount,
        },
        "a successful payment could not be recorded yet",
      );
      throw error;
    }
  });

  feature.on("subscription", async (ctx) => {
    await telegramPayments.subscriptionUpdated(ctx.update.subscription);
  });

  feature.on("message:refunded_payment", async (ctx) => {
    await telegramPayments.refunded(ctx.message.refunded_payment, ctx.api);
  });

  return { feature, buy: sendInvoice };
}

/**
 * The pre-checkout answer, which Telegram waits at most 10 s for while the buyer watches a
 * spinner. It runs ahead of sessions, the flood limit and per-chat ordering: it needs none of
 * them, and a refusal is worded in the language of the buyer's Telegram app, which shows it.
 */
export function preCheckoutFeature(services: ShopServices, i18n: I18n<BotContext>) {
  const feature = new Composer<Context>();
  const { telegramPayments } = services;
  const metrics = services.metrics ?? noMetrics;
  feature.on("pre_checkout_query", async (ctx) => {
    const started = performance.now();
    const verdict = await telegramPayments.preCheckout(ctx.preCheckoutQuery);
    if (verdict.ok) await ctx.answerPreCheckoutQuery(true);
    else {
      const locale = negotiateLocale(ctx.from.language_code);
      await ctx.answerPreCheckoutQuery(false, {
        error_message: i18n.t(locale, `checkout-${verdict.reason}`),
      });
    }
    metrics.preCheckoutAnswered(secondsSince(started));
  });
  return feature;
}
