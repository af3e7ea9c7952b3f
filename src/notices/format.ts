import type { PaymentMethod } from "../catalog/catalog.js";
import { currencyDecimals, formatUnits } from "../catalog/units.js";

/** An amount in base units as a person reads it: 1_500_000_000n TON → "1.5". */
export function formatAmount(amount: bigint, currency: string): string {
  return formatUnits(amount, currencyDecimals(currency));
}

/** A price with its unit: "1.5 TON", "150 ⭐", "9.99 USD". */
export function formatPrice(amount: bigint, currency: string): string {
  return `${formatAmount(amount, currency)} ${currencyLabel(currency)}`;
}

/** How a currency is written after an amount: Telegram Stars as ⭐, others by their code. */
export function currencyLabel(currency: string): string {
  return currency === "XTR" ? "⭐" : currency;
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
