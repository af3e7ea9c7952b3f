import { Composer, GrammyError, InlineKeyboard } from "grammy";
import { escapeHtml, formatPrice, formatTime } from "../../notices/format.js";
import { renewalChanged } from "../../orders/events.js";
import type { Order } from "../../orders/order.js";
import { setRenewal } from "../../orders/state.js";
import { onPress, subscriptionData } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { localized } from "../i18n.js";
import type { ShopServices } from "../services.js";

/**
 * /subscriptions: the buyer's subscriptions, each with when it renews or ends, and a button to
 * stop its renewal (editUserStarSubscription). Telegram lets a bot stop a renewal, and undo its
 * own stop, but only the buyer turns renewal back on, in Telegram: the button for that says so.
 */
export function subscriptionsFeature(services: ShopServices) {
  const feature = new Composer<BotContext>();
  const { subscriptions, catalog, store, log } = services;

  function line(ctx: BotContext, order: Order, locale: string): string {
    const product = catalog.find(order.productId);
    const subscription = order.subscription;
    const base = {
      title: escapeHtml(product ? localized(product.title, locale) : order.productId),
      amount: formatPrice(order.amount, order.currency),
      until: formatTime(subscription?.paidUntil ?? 0),
      orderId: order.id,
    };
    if (subscription?.endedAt !== undefined) {
      return ctx.t("subscriptions-line-ended", {
        ...base,
        until: formatTime(subscription.endedAt),
      });
    }
    return ctx.t(`subscriptions-line-${subscription?.renewal ?? "on"}`, base);
  }

  async function show(ctx: BotContext) {
    if (!ctx.from) return;
    const list = await subscriptions.of(ctx.from.id);
    if (list.length === 0) return ctx.reply(ctx.t("subscriptions-none"));
    const locale = await ctx.i18n.getLocale();
    // A button a row, for each subscription whose access lasts.
    const rows = list.flatMap((order) => {
      const subscription = order.subscription;
      if (!subscription || subscription.endedAt !== undefined) return [];
      const title = catalog.find(order.productId)?.title;
      const name = title ? localized(title, locale) : order.productId;
      const action = subscription.renewal === "on" ? "cancel" : "renew";
      const label = ctx.t(`button-subscription-${action}`, { title: name });
      return [[InlineKeyboard.text(label, subscriptionData.pack({ action, orderId: order.id }))]];
    });
    const keyboard = InlineKeyboard.from(rows);
    const lines = [ctx.t("subscriptions-title"), ...list.map((o) => line(ctx, o, locale))];
    return ctx.reply(lines.join("\n\n"), { parse_mode: "HTML", reply_markup: keyboard });
  }

  const press = onPress(subscriptionData, {}, async (ctx, { action, orderId }) => {
    const order = await store.get(orderId);
    const subscription = order?.subscription;
    if (!order || !subscription || order.userId !== ctx.from.id || subscription.endedAt) {
      log.warn({ userId: ctx.from.id, orderId, action }, "refused a subscription button");
      return ctx.answerCallbackQuery({ text: ctx.t("subscriptions-gone"), show_alert: true });
    }
    await ctx.answerCallbackQuery();
    try {
      await ctx.api.editUserStarSubscription(
        order.userId,
        subscription.chargeId,
        action === "cancel",
      );
    } catch (error) {
      if (!(error instanceof GrammyError)) throw error;
      log.warn(
        { userId: ctx.from.id, orderId, action, description: error.description },
        "Telegram did not change the subscription",
      );
      return ctx.reply(ctx.t("subscriptions-not-changed"));
    }
    const until = formatTime(subscription.paidUntil);
    if (action === "renew") {
      // Telegram now lets the buyer turn it back on; its subscription update says when they do.
      log.info({ orderId }, "subscription renewal allowed again");
      return ctx.reply(ctx.t("subscriptions-renew-in-telegram", { until }));
    }
    const { order: after } = await store.update(orderId, (current) => {
      const next = setRenewal(current, "canceled", store.now());
      return next && { order: next, effects: { event: renewalChanged("canceled") } };
    });
    await subscriptions.track(after);
    log.info({ orderId }, "subscription renewal canceled by the buyer");
    return ctx.reply(ctx.t("subscriptions-canceled", { until }));
  });

  feature.command("subscriptions", show);
  feature.use(press);
  return { feature, show };
}
