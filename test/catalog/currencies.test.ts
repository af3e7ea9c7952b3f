import { describe, expect, it } from "vitest";
import {
  isTelegramCurrency,
  TELEGRAM_CURRENCIES,
  telegramCurrency,
} from "../../src/catalog/currencies.js";

describe("Telegram's currency table", () => {
  it("counts HUF and IDR in hundredths, as Telegram does, and JPY and KRW in whole units", () => {
    expect(telegramCurrency("USD")?.exp).toBe(2);
    expect(telegramCurrency("EUR")?.exp).toBe(2);
    expect(telegramCurrency("HUF")?.exp).toBe(2);
    expect(telegramCurrency("IDR")?.exp).toBe(2);
    expect(telegramCurrency("JPY")?.exp).toBe(0);
    expect(telegramCurrency("KRW")?.exp).toBe(0);
  });

  it("holds Telegram's 84 currencies, whole-unit only where Telegram says so", () => {
    expect(TELEGRAM_CURRENCIES.size).toBe(84);
    const whole = [...TELEGRAM_CURRENCIES].filter(([, c]) => c.exp === 0).map(([code]) => code);
    expect(whole).toEqual(["CLP", "ISK", "JPY", "KRW", "PYG", "UGX", "VND"]);
    const others = [...TELEGRAM_CURRENCIES.values()].filter((c) => c.exp !== 0);
    expect(others.every((c) => c.exp === 2)).toBe(true);
  });

  it("does not take unknown codes, lower case, Stars, TON or object keys for currencies", () => {
    for (const code of ["XYZ", "usd", "XTR", "TON", "", "constructor", "__proto__", "toString"]) {
      expect(isTelegramCurrency(code), code).toBe(false);
      expect(telegramCurrency(code), code).toBeUndefined();
    }
    expect(isTelegramCurrency("HUF")).toBe(true);
  });

  it("keeps invoice limits in minor units, from US$1 to US$10,000", () => {
    expect(telegramCurrency("USD")).toMatchObject({ min: 100n, max: 1_000_000n });
    for (const [code, { min, max }] of TELEGRAM_CURRENCIES) {
      expect(min !== undefined && max !== undefined && 0n < min && min < max, code).toBe(true);
    }
  });

  it("cannot be changed by a caller", () => {
    const usd = telegramCurrency("USD") as { exp: number };
    expect(() => {
      usd.exp = 0;
    }).toThrow(TypeError);
    expect(telegramCurrency("USD")?.exp).toBe(2);
  });
});
