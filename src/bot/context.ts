import type { I18nFlavor } from "@grammyjs/i18n";
import type { Context, SessionFlavor } from "grammy";

/** UI state only; orders never live in a session. */
export interface SessionData {
  /** Chosen quantity per product card the buyer is looking at. */
  quantities?: Record<string, number>;
  /** Set by @grammyjs/i18n when the buyer picks a language. */
  __language_code?: string;
}

export type BotContext = Context & SessionFlavor<SessionData> & I18nFlavor;
