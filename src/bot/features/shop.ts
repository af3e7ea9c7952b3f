import { Composer, GrammyError } from "grammy";
import { type Product, priceOf } from "../../catalog/catalog.js";
import { coinHint, escapeHtml, formatPrice, methodName } from "../../notices/format.js";
import { onPress, productData, quantityData, shopData } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { localized } from "../i18n.js";
import { catalogKeyboard, productKeyboard } from "../keyboards.js";
import type { ShopServices } from "../services.js";
import { availableOf } from "./buy.js";

/** /shop, product cards and quantity: everything before a buyer chooses how to pay. */
export function shopFeature(services: ShopServices) {
  const feature = new Composer<BotContext>();
  const { catalog, payMethods, deliverable } = services;

  const methodsFor = (product: Product) =>
    deliverable(product) ? payMethods().filter((method) => product.prices[method]) : [];
  // A product priced only in ways this shop does not take (cards without a provider token) is
  // left off the list rather than listed and then refused.
  const onSale = () => catalog.products.filter((product) => methodsFor(product).length > 0);

  async function card(ctx: BotContext, product: Product, quantity: number, available: number) {
    const locale = await ctx.i18n.getLocale();
    const prices = methodsFor(product).map((method) => {
      const currency = product.prices[method]?.currency ?? "";
      const amount = formatPrice(priceOf(product, method, quantity)?.amount ?? 0n, currency);
      const line =
        product.kind === "subscription"
          ? ctx.t("product-price-period", { method: methodName(method, ctx.t), amount })
          : ctx.t("product-price-line", { method: methodName(method, ctx.t), amount });
      // The card is where a buyer first meets the coin's new name: "3.25 GRAM (formerly Toncoin)".
      const hint = currency === "TON" ? coinHint(ctx.t) : "";
      return hint ? `${line} ${hint}` : line;
    });
    const lines = [
      ctx.t("product-card", {
        title: escapeHtml(localized(product.title, locale)),
        description: escapeHtml(localized(product.description, locale)),
        prices: prices.join("\n"),
      }),
    ];
    const { deliveryNotes } = catalog.shop;
    // Where a buyer of something shipped decides: how and when it comes.
    if (product.kind === "physical" && deliveryNotes) {
      lines.push(ctx.t("delivery-notes", { notes: escapeHtml(localized(deliveryNotes, locale)) }));
    }
    if (Number.isFinite(available)) lines.push(ctx.t("product-stock", { count: available }));
    if (available === 0) lines.push(ctx.t("product-sold-out"));
    else if (product.maxQuantity > 1) lines.push(ctx.t("product-quantity", { quantity }));
    const methods = available === 0 ? [] : methodsFor(product);
    return {
      text: lines.join("\n"),
      keyboard: productKeyboard(product, quantity, methods, ctx.t),
    };
  }

  /** Shows a product card, as a new message or in place of the one whose button was pressed. */
  async function showProduct(ctx: BotContext, productId: string, quantity?: number) {
    const product = catalog.find(productId);
    if (!product || methodsFor(product).length === 0) {
      if (ctx.callbackQuery)
        await ctx.answerCallbackQuery({ text: ctx.t("product-not-found"), show_alert: true });
      else await ctx.reply(ctx.t("product-not-found"));
      return;
    }
    ctx.session.quantities ??= {};
    const chosen = quantity ?? ctx.session.quantities[productId] ?? 1;
    const available = await availableOf(services, product);
    const limit = Math.max(1, Math.min(product.maxQuantity, available));
    const safe = Math.min(limit, Math.max(1, Math.trunc(chosen) || 1));
    ctx.session.quantities[productId] = safe;
    const { text, keyboard } = await card(ctx, product, safe, available);
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery();
      // "−" at 1, "+" at the limit and the count itself leave the card as it is.
      await ctx
        .editMessageText(text, { parse_mode: "HTML", reply_markup: keyboard })
        .catch(ignoreNotModified);
    } else {
      await ctx.reply(text, { parse_mode: "HTML", reply_markup: keyboard });
    }
  }

  /** The catalog: a new message, or in place of the card whose "Back" was pressed. */
  async function showCatalog(ctx: BotContext, { inPlace = false } = {}) {
    const products = onSale();
    if (products.length === 0) return ctx.reply(ctx.t("shop-empty"));
    const locale = await ctx.i18n.getLocale();
    const keyboard = catalogKeyboard(products, locale);
    const { name } = catalog.shop;
    const title = name
      ? ctx.t("shop-title-named", { shop: escapeHtml(localized(name, locale)) })
      : ctx.t("shop-title");
    if (inPlace && ctx.callbackQuery) {
      await ctx.answerCallbackQuery();
      return ctx.editMessageText(title, { parse_mode: "HTML", reply_markup: keyboard });
    }
    return ctx.reply(title, { parse_mode: "HTML", reply_markup: keyboard });
  }

  feature.command("shop", (ctx) => showCatalog(ctx));
  feature.use(onPress(shopData, {}, (ctx) => showCatalog(ctx, { inPlace: true })));
  feature.use(onPress(productData, {}, (ctx, { id }) => showProduct(ctx, id)));
  feature.use(onPress(quantityData, {}, (ctx, { id, quantity }) => showProduct(ctx, id, quantity)));

  return { feature, showProduct, showCatalog };
}

/** Telegram refuses an edit that changes nothing; for a card shown again that is no failure. */
function ignoreNotModified(error: unknown): void {
  if (error instanceof GrammyError && error.description.includes("message is not modified")) return;
  throw error;
}
