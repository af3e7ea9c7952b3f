import { describe, expect, it } from "vitest";
import {
  AmountFormatError,
  currencyDecimals,
  formatUnits,
  parseUnits,
  UnknownCurrencyError,
} from "../../src/catalog/units.js";

describe("parseUnits", () => {
  it("parses decimal text exactly into base units", () => {
    expect(parseUnits("1.5", 9)).toBe(1_500_000_000n);
    expect(parseUnits("0.000000001", 9)).toBe(1n);
    expect(parseUnits("150", 0)).toBe(150n);
    expect(parseUnits(" 9.99 ", 2)).toBe(999n);
    // Beyond Number's 53 bits, still exact.
    expect(parseUnits("123456789012.123456789", 9)).toBe(123_456_789_012_123_456_789n);
  });

  it("refuses text that is not a plain non-negative decimal", () => {
    for (const bad of ["", "abc", "-1", "1e3", "1,5", ".5", "1.", "0x10", "Infinity", "1.2.3"]) {
      expect(() => parseUnits(bad, 9), bad).toThrow(AmountFormatError);
    }
  });

  it("refuses more decimals than the currency has instead of rounding", () => {
    expect(() => parseUnits("0.0000000001", 9)).toThrow(/more than 9 digits/);
    expect(() => parseUnits("1.5", 0)).toThrow(/whole number/);
    expect(() => parseUnits("9.999", 2)).toThrow(AmountFormatError);
  });
});

describe("formatUnits", () => {
  it("formats base units without trailing zeros", () => {
    expect(formatUnits(1_500_000_000n, 9)).toBe("1.5");
    expect(formatUnits(1n, 9)).toBe("0.000000001");
    expect(formatUnits(0n, 9)).toBe("0");
    expect(formatUnits(999n, 2)).toBe("9.99");
    expect(formatUnits(150n, 0)).toBe("150");
    expect(formatUnits(-250n, 2)).toBe("-2.5");
  });

  it("round-trips with parseUnits", () => {
    for (const text of ["0.1", "3.25", "1000000", "0.000000001", "42.424242424"]) {
      expect(formatUnits(parseUnits(text, 9), 9)).toBe(text);
    }
  });
});

describe("currencyDecimals", () => {
  it("knows TON, USDT, Stars and ISO 4217 exponents", () => {
    expect(currencyDecimals("TON")).toBe(9);
    expect(currencyDecimals("USDT")).toBe(6);
    expect(currencyDecimals("XTR")).toBe(0);
    expect(currencyDecimals("USD")).toBe(2);
    expect(currencyDecimals("JPY")).toBe(0);
  });

  it("counts fiat as Telegram Payments does, even where Intl disagrees", () => {
    // Node's Intl says 0 for HUF, IDR, COP and PKR; Telegram's table says 2.
    for (const code of ["HUF", "IDR", "COP", "PKR", "USD"]) {
      expect(currencyDecimals(code), code).toBe(2);
    }
    expect(currencyDecimals("KRW")).toBe(0);
    expect(currencyDecimals("JPY")).toBe(0);
  });

  it("charges a HUF price in fillér and a JPY price in whole yen, and shows them back unchanged", () => {
    expect(parseUnits("4990", currencyDecimals("HUF"))).toBe(499_000n);
    expect(parseUnits("15000.50", currencyDecimals("IDR"))).toBe(1_500_050n);
    expect(parseUnits("1500", currencyDecimals("JPY"))).toBe(1500n);
    expect(parseUnits("12000", currencyDecimals("KRW"))).toBe(12_000n);
    expect(() => parseUnits("1.5", currencyDecimals("JPY"))).toThrow(/whole number/);
    for (const [text, code] of [
      ["9.99", "USD"],
      ["4990", "HUF"],
      ["0.5", "HUF"],
      ["15000.5", "IDR"],
      ["1500", "JPY"],
      ["12000", "KRW"],
    ] as const) {
      const decimals = currencyDecimals(code);
      expect(formatUnits(parseUnits(text, decimals), decimals), code).toBe(text);
    }
  });

  it("refuses a currency Telegram Payments does not support instead of guessing", () => {
    for (const code of ["XYZ", "usd", "BTC", ""]) {
      expect(() => currencyDecimals(code), code).toThrow(UnknownCurrencyError);
    }
    expect(() => currencyDecimals("XYZ")).toThrow(/"XYZ" is not a currency Telegram Payments/);
  });
});
