import { Composer, InlineKeyboard } from "grammy";
import type { LocalizedText } from "../../catalog/catalog.js";
import { escapeHtml, methodName } from "../../notices/format.js";
import { type ButtonValues, languageData, menuData, onPress } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { LOCALES, localized } from "../i18n.js";
import { languageKeyboard } from "../keyboards.js";
import type { ShopServices } from "../services.js";

type Show = (ctx: BotContext) => Promise<unknown>;

/** What the other features show, for /start's deep links and its buttons. */
export interface InfoViews {
  showProduct(ctx: BotContext, productId: string): Promise<unknown>;
  /** /shop */
  showCatalog: Show;
  /** /orders */
  showOrders: Show;
  /** /wallet; undefined without TON Connect. */
  openWallet?: Show;
  /** /support */
  openSupport: Show;
}

/** /start (with `buy_<product>` deep links) and its buttons, /help, /language. */
export function infoFeature(services: ShopServices, views: InfoViews) {
  const feature = new Composer<BotContext>();
  const { shop } = services.catalog;

  /** A merchant's text in the buyer's language, made safe for HTML. */
  const merchant = async (ctx: BotContext, text: LocalizedText) =>
    escapeHtml(localized(text, await ctx.i18n.getLocale()));

  const help = async (ctx: BotContext) => {
    const lines = [ctx.t("help")];
    if (shop.deliveryNotes) {
      lines.push(ctx.t("delivery-notes", { notes: await merchant(ctx, shop.deliveryNotes) }));
    }
    return ctx.reply(lines.join("\n\n"), { parse_mode: "HTML" });
  };

  /** What each button under the welcome opens: the same as its command. */
  const menu: Record<ButtonValues<typeof menuData>["open"], Show | undefined> = {
    shop: views.showCatalog,
    orders: views.showOrders,
    wallet: views.openWallet,
    help,
    support: views.openSupport,
  };

  const welcome = async (ctx: BotContext) => {
    const lines = [ctx.t("start-welcome", { name: escapeHtml(ctx.from?.first_name ?? "") })];
    if (shop.name) lines.push(`<b>${await merchant(ctx, shop.name)}</b>`);
    lines.push(
      shop.welcome
        ? await merchant(ctx, shop.welcome)
        : ctx.t("welcome-default", { method: methodName("ton", ctx.t) }),
    );
    const button = (open: ButtonValues<typeof menuData>["open"]) =>
      InlineKeyboard.text(ctx.t(`button-menu-${open}`), menuData.pack({ open }));
    const keyboard = InlineKeyboard.from([
      [button("shop"), button("orders")],
      views.openWallet ? [button("wallet"), button("help")] : [button("help")],
      [button("support")],
    ]);
    return ctx.reply(lines.join("\n"), { parse_mode: "HTML", reply_markup: keyboard });
  };

  feature.command("start", async (ctx) => {
    const payload = ctx.match.trim();
    if (payload.startsWith("buy_")) return views.showProduct(ctx, payload.slice(4));
    return welcome(ctx);
  });
  feature.command("help", help);
  feature.use(
    onPress(menuData, {}, async (ctx, { open }) => {
      const show = menu[open];
      // Wallet from a welcome sent while the shop still took TON Connect: it no longer does.
      if (show === undefined) return ctx.answerCallbackQuery({ text: ctx.t("error-forged") });
      await ctx.answerCallbackQuery();
      return show(ctx);
    }),
  );

  feature.command("language", (ctx) => {
    const names = Object.fromEntries(
      LOCALES.map((code) => [code, ctx.i18n.fluent.translate(code, "language-name")]),
    );
    return ctx.reply(ctx.t("language-choose"), { reply_markup: languageKeyboard(LOCALES, names) });
  });
  feature.use(
    onPress(languageData, {}, async (ctx, { code }) => {
      await ctx.i18n.setLocale(code);
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(ctx.t("language-set"));
    }),
  );

  return feature;
}
