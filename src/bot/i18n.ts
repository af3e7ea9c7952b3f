import { fileURLToPath } from "node:url";
import { I18n } from "@grammyjs/i18n";
import type { LocalizedText } from "../catalog/catalog.js";
import type { BotContext } from "./context.js";

export const LOCALES = ["en", "ru", "zh"] as const;

/** Fluent translations in locales/*.ftl; the buyer's Telegram language picks one, /language overrides it. */
export function createI18n(): I18n<BotContext> {
  return new I18n<BotContext>({
    defaultLocale: "en",
    useSession: true,
    directory: fileURLToPath(new URL("./locales", import.meta.url)),
    // Without isolation marks, amounts, addresses and comments copy cleanly.
    fluentBundleOptions: { useIsolating: false },
    localeNegotiator: (ctx) =>
      negotiateLocale(ctx.session?.__language_code ?? ctx.from?.language_code),
  });
}

/** The shop's locale for a Telegram language code ("ru", "zh-hans", "pt-br"…), English otherwise. */
export function negotiateLocale(code: string | undefined): string {
  const base = (code ?? "en").toLowerCase().split("-")[0] ?? "en";
  return (LOCALES as readonly string[]).includes(base) ? base : "en";
}

/** Catalog text in a locale, English when there is none. */
export function localized(text: LocalizedText, locale: string): string {
  return text[locale] ?? text.en;
}
