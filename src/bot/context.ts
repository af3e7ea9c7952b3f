import type { I18nFlavor } from "@grammyjs/i18n";
import type { Context, SessionFlavor } from "grammy";
import type { PaymentMethod } from "../catalog/catalog.js";

/** A purchase asked for before the buyer agreed to the terms, carried on once they do. */
export interface PendingPurchase {
  /** Names the terms message that asked, so an older one's "I agree" does not carry this on. */
  ref: string;
  id: string;
  quantity: number;
  method: PaymentMethod;
}

/** UI state only; orders never live in a session. */
export interface SessionData {
  /** Chosen quantity per product card the buyer is looking at. */
  quantities?: Record<string, number>;
  /** The purchase waiting for the buyer's "I agree" to the terms. */
  pendingPurchase?: PendingPurchase;
  /** Set by @grammyjs/i18n when the buyer picks a language. */
  __language_code?: string;
}

export type BotContext = Context & SessionFlavor<SessionData> & I18nFlavor;
