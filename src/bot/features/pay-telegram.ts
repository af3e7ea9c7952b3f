import type { I18n } from "@grammyjs/i18n";
import { Composer, type Context } from "grammy";
import { noMetrics, secondsSince } from "../../metrics.js";
import { shippingFor } from "../../payments/telegram/checkout.js";
import { invoiceFor } from "../../payments/telegram/invoice.js";
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
    const order = await orderFromBuyButton(ctx, services, button);
    const product = order && catalog.find(order.productId);
    if (!order || !product) return;
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
    await telegramPayments.refunded(ctx.message.refunded_payment);
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
