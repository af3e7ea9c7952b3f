import { randomBytes } from "node:crypto";
import { Composer, InlineKeyboard } from "grammy";
import type { Terms } from "../../catalog/shop.js";
import { escapeHtml, formatTime } from "../../notices/format.js";
import type { TermsAgreement } from "../../support/terms.js";
import {
  agreeData,
  type ButtonValues,
  type buyData,
  onPress,
  type Press,
} from "../callback-data.js";
import type { BotContext, PendingPurchase } from "../context.js";
import { localized } from "../i18n.js";
import type { ShopServices } from "../services.js";

type Purchase = ButtonValues<typeof buyData>;

/** Carries on a purchase the buyer asked for before agreeing: the same product, quantity, method. */
export type CarryOnPurchase = (ctx: Press, purchase: Purchase) => Promise<unknown>;

/**
 * The terms of sale as a buyer reads them: the merchant's text in their language, a line with
 * the merchant's page, or both; without terms of the merchant's, the bot's own.
 */
async function termsText(ctx: BotContext, terms: Terms): Promise<string> {
  if (terms.text === undefined && terms.url === undefined) return ctx.t("terms");
  const lines = [ctx.t("terms-title")];
  if (terms.text) lines.push(escapeHtml(localized(terms.text, await ctx.i18n.getLocale())));
  if (terms.url) lines.push(ctx.t("terms-link", { url: escapeHtml(terms.url) }));
  return lines.join("\n");
}

/** "Read the terms" when the merchant has a page for them, and "I agree" when `agree` is given. */
function termsKeyboard(
  ctx: BotContext,
  terms: Terms,
  agree?: ButtonValues<typeof agreeData>,
): InlineKeyboard | undefined {
  if (terms.url === undefined && agree === undefined) return undefined;
  const keyboard = new InlineKeyboard();
  if (terms.url) keyboard.url(ctx.t("button-terms-read"), terms.url).row();
  if (agree) keyboard.text(ctx.t("button-terms-agree"), agreeData.pack(agree));
  return keyboard;
}

/**
 * Shows a buyer who has not agreed to the current terms what they are, with "I agree", and keeps
 * the purchase they asked for in their session until they do. Nothing is ordered meanwhile.
 */
export async function askForTerms(
  ctx: Press,
  services: ShopServices,
  purchase: Purchase,
  agreed: TermsAgreement | undefined,
): Promise<void> {
  const terms = services.catalog.shop.terms;
  const pending: PendingPurchase = { ref: randomBytes(4).toString("hex"), ...purchase };
  ctx.session.pendingPurchase = pending;
  const intro = ctx.t(agreed ? "terms-changed-before-buying" : "terms-before-buying");
  await ctx.reply(`${intro}\n\n${await termsText(ctx, terms)}`, {
    parse_mode: "HTML",
    reply_markup: termsKeyboard(ctx, terms, { version: terms.version, ref: pending.ref }),
    link_preview_options: { is_disabled: true },
  });
  services.log.info(
    {
      userId: ctx.from.id,
      version: terms.version,
      productId: purchase.id,
      method: purchase.method,
    },
    "terms shown before a purchase",
  );
}

/**
 * /terms and "I agree": the current terms at any time, and the buyer's agreement to them —
 * recorded only for the version they were shown, then the purchase that waited for it goes on.
 */
export function termsFeature(services: ShopServices, carryOn: CarryOnPurchase) {
  const feature = new Composer<BotContext>();
  const { catalog, log } = services;

  async function showTerms(ctx: BotContext) {
    const terms = catalog.shop.terms;
    const agreed = ctx.from ? await services.terms.agreementOf(ctx.from.id) : undefined;
    const current = agreed?.version === terms.version;
    const lines = [await termsText(ctx, terms)];
    if (agreed && current) lines.push(ctx.t("terms-agreed", { date: formatTime(agreed.at) }));
    else if (agreed) lines.push(ctx.t("terms-agreed-earlier", { date: formatTime(agreed.at) }));
    else lines.push(ctx.t("terms-agree-now"));
    await ctx.reply(lines.join("\n\n"), {
      parse_mode: "HTML",
      reply_markup: termsKeyboard(
        ctx,
        terms,
        current ? undefined : { version: terms.version, ref: "" },
      ),
      link_preview_options: { is_disabled: true },
    });
  }

  feature.command("terms", showTerms);

  feature.use(
    onPress(agreeData, {}, async (ctx, { version, ref }) => {
      const terms = catalog.shop.terms;
      const pending = ctx.session.pendingPurchase;
      const waiting = ref !== "" && pending?.ref === ref ? pending : undefined;
      if (ref !== "" && waiting === undefined) {
        // An older terms message, or data no button of ours carried: nothing to carry on.
        log.info({ userId: ctx.from.id, ref }, "stale terms agreement refused");
        await ctx.answerCallbackQuery({ text: ctx.t("terms-stale"), show_alert: true });
        return;
      }
      if (version !== terms.version) {
        // The buyer read other terms than those in force: show these, record nothing.
        log.info({ userId: ctx.from.id, shown: version, current: terms.version }, "terms changed");
        await ctx.answerCallbackQuery({ text: ctx.t("terms-changed"), show_alert: true });
        const agreed = await services.terms.agreementOf(ctx.from.id);
        if (waiting) {
          const { ref: _ref, ...purchase } = waiting;
          await askForTerms(ctx, services, purchase, agreed);
        } else {
          await showTerms(ctx);
        }
        return;
      }
      try {
        await services.terms.agree(ctx.from.id, version);
      } catch (error) {
        log.error({ err: error, userId: ctx.from.id, version }, "terms agreement not recorded");
        await ctx.answerCallbackQuery({ text: ctx.t("terms-not-recorded"), show_alert: true });
        return;
      }
      log.info({ userId: ctx.from.id, version }, "buyer agreed to the terms");
      // The terms stay readable; their "I agree" is done with.
      await ctx
        .editMessageReplyMarkup({ reply_markup: termsKeyboard(ctx, terms) })
        .catch((error: unknown) =>
          log.debug({ err: error, userId: ctx.from.id }, "terms message not updated"),
        );
      if (waiting === undefined) {
        await ctx.answerCallbackQuery({ text: ctx.t("terms-agreed-now") });
        return;
      }
      ctx.session.pendingPurchase = undefined;
      const { ref: _ref, ...purchase } = waiting;
      await carryOn(ctx, purchase);
    }),
  );

  return { feature, showTerms };
}
