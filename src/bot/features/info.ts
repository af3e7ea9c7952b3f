import { Composer } from "grammy";
import { escapeHtml } from "../../notices/format.js";
import { languageData, onPress } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { LOCALES } from "../i18n.js";
import { languageKeyboard } from "../keyboards.js";

/** /start (with `buy_<product>` deep links), /help, /terms, /language. */
export function infoFeature(showProduct: (ctx: BotContext, productId: string) => Promise<unknown>) {
  const feature = new Composer<BotContext>();

  feature.command("start", async (ctx) => {
    const payload = ctx.match.trim();
    if (payload.startsWith("buy_")) return showProduct(ctx, payload.slice(4));
    return ctx.reply(ctx.t("start-welcome", { name: escapeHtml(ctx.from?.first_name ?? "") }), {
      parse_mode: "HTML",
    });
  });
  feature.command("help", (ctx) => ctx.reply(ctx.t("help"), { parse_mode: "HTML" }));
  feature.command("terms", (ctx) => ctx.reply(ctx.t("terms"), { parse_mode: "HTML" }));

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
