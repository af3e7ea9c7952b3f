/**
 * Exact conversion between decimal text ("1.5") and integer base units (1_500_000_000n nanotons).
 * Money never passes through Number.
 */

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

export class AmountFormatError extends Error {
  override name = "AmountFormatError";
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

/** Base-unit exponent of a currency: TON 9, Stars 0, fiat per ISO 4217 (USD 2, JPY 0). */
export function currencyDecimals(currency: string): number {
  if (currency === "TON") return 9;
  if (currency === "XTR") return 0;
  return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
    .maximumFractionDigits as number;
}
