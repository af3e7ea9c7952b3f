import type { I18n } from "@grammyjs/i18n";
import type { Api } from "grammy";
import type { BotContext } from "./context.js";
import { LOCALES } from "./i18n.js";

export const COMMANDS = [
  "start",
  "shop",
  "orders",
  "subscriptions",
  "help",
  "language",
  "terms",
  "support",
  "paysupport",
  "wallet",
] as const;

/**
 * The command menu in every language; English is also the menu for everyone else. /wallet is
 * listed only when the shop takes payments through TON Connect.
 */
export async function setCommandMenu(
  api: Api,
  i18n: I18n<BotContext>,
  options: { wallet: boolean },
): Promise<void> {
  const shown = COMMANDS.filter((command) => command !== "wallet" || options.wallet);
  for (const locale of LOCALES) {
    const commands = shown.map((command) => ({
      command,
      description: i18n.t(locale, `command-${command}`),
    }));
    await api.setMyCommands(commands, { language_code: locale });
    if (locale === "en") await api.setMyCommands(commands);
  }
}
