import { Composer } from "grammy";
import { currencyLabel, escapeHtml, formatAmount } from "../../notices/format.js";
import type { BotContext } from "../context.js";
import { localized } from "../i18n.js";
import type { ShopServices } from "../services.js";

/** /orders: the buyer's recent orders and where each stands. */
export function ordersFeature(services: ShopServices) {
  const feature = new Composer<BotContext>();
  async function showOrders(ctx: BotContext) {
    if (!ctx.from) return;
    const orders = await services.store.listByUser(ctx.from.id, 10);
    if (orders.length === 0) return ctx.reply(ctx.t("orders-empty"));
    const locale = await ctx.i18n.getLocale();
    const lines = orders.map((order) => {
      const product = services.catalog.find(order.productId);
      return ctx.t("orders-line", {
        orderId: order.id,
        title: escapeHtml(product ? localized(product.title, locale) : order.productId),
        amount: formatAmount(order.amount, order.currency),
        currency: currencyLabel(order.currency),
        status: ctx.t(`order-status-${order.status}`),
      });
    });
    return ctx.reply([ctx.t("orders-title"), ...lines].join("\n"), { parse_mode: "HTML" });
  }
  feature.command("orders", showOrders);
  return { feature, showOrders };
}
