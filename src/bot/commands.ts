import type { I18n } from "@grammyjs/i18n";
import type { Api } from "grammy";
import type { BotContext } from "./context.js";
import { LOCALES } from "./i18n.js";

export const COMMANDS = [
  "start",
  "shop",
  "orders",
  "help",
  "language",
  "terms",
  "support",
  "paysupport",
] as const;

/** The command menu in every language; English is also the menu for everyone else. */
export async function setCommandMenu(api: Api, i18n: I18n<BotContext>): Promise<void> {
  for (const locale of LOCALES) {
    const commands = COMMANDS.map((command) => ({
      command,
      description: i18n.t(locale, `command-${command}`),
    }));
    await api.setMyCommands(commands, { language_code: locale });
    if (locale === "en") await api.setMyCommands(commands);
  }
}
