import type { PaymentMethod } from "../catalog/catalog.js";
import { currencyDecimals, formatUnits } from "../catalog/units.js";

/** An amount in base units as a person reads it: 1_500_000_000n TON → "1.5". */
export function formatAmount(amount: bigint, currency: string): string {
  return formatUnits(amount, currencyDecimals(currency));
}

/** A price with its unit: "1.5 GRAM", "150 ⭐", "9.99 USD". */
export function formatPrice(amount: bigint, currency: string): string {
  return `${formatAmount(amount, currency)} ${currencyLabel(currency)}`;
}

/** The coin's name since June 2026; "TON" stays its currency code in orders, events and exports. */
export const DEFAULT_COIN_LABEL = "GRAM";

let coin = DEFAULT_COIN_LABEL;

/** Names the coin as COIN_LABEL says, once at start-up, for every text shown from then on. */
export function showCoinAs(label: string): void {
  coin = label;
}

/** The coin's name as people read it after an amount ("GRAM", or "TON" where kept). */
export function coinLabel(): string {
  return coin;
}

/**
 * How a currency is written after an amount: the coin (code TON) by its label, Telegram Stars
 * as ⭐, others by their code.
 */
export function currencyLabel(currency: string): string {
  if (currency === "TON") return coin;
  return currency === "XTR" ? "⭐" : currency;
}

type Translate = (key: string, variables?: Record<string, string | number>) => string;

/** "(formerly Toncoin)" while the name Gram is new to people; "" when the merchant kept another. */
export function coinHint(t: Translate): string {
  return coin === DEFAULT_COIN_LABEL ? t("coin-formerly") : "";
}

/** The coin's label where a buyer first meets it: "GRAM (formerly Toncoin)", or the label alone. */
export function coinLabelIntroduced(t: Translate): string {
  const hint = coinHint(t);
  return hint ? `${coin} ${hint}` : coin;
}

/** A payment method's name: the coin's reads "Gram (TON)", or the label a merchant kept. */
export function methodName(method: PaymentMethod, t: Translate): string {
  return t(methodKey(method), { coin });
}

/** "2026-11-23 10:27" in UTC, unambiguous for buyers anywhere. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Locale key of a payment method's name. */
export function methodKey(method: PaymentMethod): string {
  return `method-${method}`;
}
