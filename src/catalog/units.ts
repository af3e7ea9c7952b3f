import { telegramCurrency } from "./currencies.js";

/**
 * Exact conversion between decimal text ("1.5") and integer base units (1_500_000_000n nanotons).
 * Money never passes through Number.
 */

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export class AmountFormatError extends Error {
  override name = "AmountFormatError";
}

export class UnknownCurrencyError extends Error {
  override name = "UnknownCurrencyError";
}

export function parseUnits(text: string, decimals: number): bigint {
  const trimmed = text.trim();
  const match = DECIMAL.exec(trimmed);
  if (!match) {
    throw new AmountFormatError(`"${text}" is not a plain decimal number such as 1.5`);
  }
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > decimals) {
    throw new AmountFormatError(
      decimals === 0
        ? `"${text}" must be a whole number`
        : `"${text}" has more than ${decimals} digits after the point`,
    );
  }
  return BigInt(whole + fraction.padEnd(decimals, "0"));
}

/** Formats base units as decimal text without trailing zeros: 1_500_000_000n, 9 → "1.5". */
export function formatUnits(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`;
}

/**
 * Base-unit exponent of a currency: TON 9, USDT 6 (the jetton's own decimals), Stars 0, fiat as
 * Telegram Payments counts it (USD 2, JPY 0, HUF 2). Intl is not asked: it says 0 for HUF, which
 * would charge a hundredth of the price.
 */
export function currencyDecimals(currency: string): number {
  if (currency === "TON") return 9;
  if (currency === "USDT") return 6;
  if (currency === "XTR") return 0;
  const fiat = telegramCurrency(currency);
  if (!fiat) {
    throw new UnknownCurrencyError(
      `"${currency}" is not a currency Telegram Payments supports, so its decimals are unknown`,
    );
  }
  return fiat.exp;
}
