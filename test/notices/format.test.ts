import { Address } from "@ton/core";
import { afterEach, describe, expect, it } from "vitest";
import { createI18n } from "../../src/bot/i18n.js";
import { PAYMENT_METHODS } from "../../src/catalog/catalog.js";
import {
  coinHint,
  coinLabelIntroduced,
  currencyLabel,
  DEFAULT_COIN_LABEL,
  escapeHtml,
  formatAmount,
  formatPrice,
  formatTime,
  methodKey,
  methodName,
  showCoinAs,
} from "../../src/notices/format.js";
import { displayAddress, tonkeeperLink, tonTransferLink } from "../../src/payments/ton/links.js";

describe("formatAmount", () => {
  it("shows nanotons as TON without trailing zeros", () => {
    expect(formatAmount(1_500_000_000n, "TON")).toBe("1.5");
    expect(formatAmount(2_000_000_000n, "TON")).toBe("2");
    expect(formatAmount(1_230_000_000n, "TON")).toBe("1.23");
    expect(formatAmount(3_250_000_000n, "TON")).toBe("3.25");
  });

  it("shows zero and a single nanoton exactly", () => {
    expect(formatAmount(0n, "TON")).toBe("0");
    expect(formatAmount(1n, "TON")).toBe("0.000000001");
    expect(formatAmount(10n, "TON")).toBe("0.00000001");
    expect(formatAmount(999_999_999n, "TON")).toBe("0.999999999");
  });

  it("keeps every digit of amounts beyond Number's precision", () => {
    expect(formatAmount(123_456_789_012_123_456_789n, "TON")).toBe("123456789012.123456789");
    expect(formatAmount(5_000_000_000_000_000_000_000n, "TON")).toBe("5000000000000");
    expect(formatAmount(2n ** 64n, "TON")).toBe("18446744073.709551616");
  });

  it("shows Telegram Stars as whole numbers", () => {
    expect(formatAmount(150n, "XTR")).toBe("150");
    expect(formatAmount(0n, "XTR")).toBe("0");
    expect(formatAmount(1_000_000n, "XTR")).toBe("1000000");
  });

  it("shows fiat minor units with the currency's decimals", () => {
    expect(formatAmount(999n, "USD")).toBe("9.99");
    expect(formatAmount(1000n, "USD")).toBe("10");
    expect(formatAmount(1050n, "EUR")).toBe("10.5");
    expect(formatAmount(5n, "USD")).toBe("0.05");
    expect(formatAmount(1500n, "JPY")).toBe("1500");
    // Telegram counts forint in fillér (2 decimals) although Intl shows none.
    expect(formatAmount(499000n, "HUF")).toBe("4990");
  });

  it("shows millionths of a USDT with up to six decimals, trailing zeros trimmed", () => {
    expect(formatAmount(12_500_000n, "USDT")).toBe("12.5");
    expect(formatAmount(1n, "USDT")).toBe("0.000001");
    expect(formatAmount(1_000_000n, "USDT")).toBe("1");
    expect(formatAmount(0n, "USDT")).toBe("0");
    expect(formatAmount(999_999n, "USDT")).toBe("0.999999");
    // Past 2^53 millionths, still every digit.
    expect(formatAmount(9_007_199_254_740_993n, "USDT")).toBe("9007199254.740993");
  });
});

describe("formatPrice", () => {
  it("puts the unit after the amount, the coin under its name Gram", () => {
    expect(formatPrice(1_500_000_000n, "TON")).toBe("1.5 GRAM");
    expect(formatPrice(0n, "TON")).toBe("0 GRAM");
    expect(formatPrice(1n, "TON")).toBe("0.000000001 GRAM");
    expect(formatPrice(999n, "USD")).toBe("9.99 USD");
    expect(formatPrice(1500n, "JPY")).toBe("1500 JPY");
  });

  it("shows Stars with the star sign instead of the XTR code", () => {
    expect(formatPrice(150n, "XTR")).toBe("150 ⭐");
    expect(formatPrice(1n, "XTR")).toBe("1 ⭐");
  });

  it("writes USDT after the amount by its code", () => {
    expect(formatPrice(12_500_000n, "USDT")).toBe("12.5 USDT");
    expect(formatPrice(1n, "USDT")).toBe("0.000001 USDT");
  });
});

describe("formatTime", () => {
  it("shows UTC date and time to the minute", () => {
    expect(formatTime(Date.UTC(2026, 10, 23, 10, 27))).toBe("2026-11-23 10:27");
    expect(formatTime(0)).toBe("1970-01-01 00:00");
    expect(formatTime(Date.UTC(2026, 0, 1, 23, 59))).toBe("2026-01-01 23:59");
  });

  it("cuts seconds off rather than rounding up to the next minute", () => {
    // A deadline shown a minute late would let a buyer pay after the order expired.
    expect(formatTime(Date.UTC(2026, 10, 23, 10, 27, 59, 999))).toBe("2026-11-23 10:27");
    expect(formatTime(Date.UTC(2026, 11, 31, 23, 59, 59, 999))).toBe("2026-12-31 23:59");
  });
});

describe("escapeHtml", () => {
  it("escapes the three characters Telegram's HTML parse mode needs escaped", () => {
    expect(escapeHtml("Tom & Jerry <3 > 2")).toBe("Tom &amp; Jerry &lt;3 &gt; 2");
    expect(escapeHtml("<b>bold</b>")).toBe("&lt;b&gt;bold&lt;/b&gt;");
  });

  it("escapes & first, so the entities it writes are not escaped again", () => {
    expect(escapeHtml("<&>")).toBe("&lt;&amp;&gt;");
  });

  it("treats its input as text: an entity typed by a buyer shows as typed", () => {
    expect(escapeHtml("&lt;")).toBe("&amp;lt;");
  });

  it("leaves text without special characters, quotes and non-Latin text unchanged", () => {
    expect(escapeHtml("")).toBe("");
    expect(escapeHtml(`Кружка "TON" 'mug' 马克杯 ⭐`)).toBe(`Кружка "TON" 'mug' 马克杯 ⭐`);
  });

  it("keeps a buyer's name from injecting markup into a message", () => {
    const i18n = createI18n();
    const text = i18n.t("en", "start-welcome", {
      name: escapeHtml("<a href='x'>Eve</a>"),
      method: methodName("ton", (key, variables) => i18n.t("en", key, variables)),
    });
    expect(text).toContain("&lt;a href='x'&gt;Eve&lt;/a&gt;");
    expect(text).not.toMatch(/<a /);
  });
});

describe("methodKey", () => {
  it("names a text every payment method has", () => {
    const i18n = createI18n();
    expect(
      PAYMENT_METHODS.map((method) => i18n.t("en", methodKey(method), { coin: "GRAM" })),
    ).toEqual(["Gram (TON)", "Telegram Stars", "Card", "USDT"]);
  });
});

describe("the coin's name (COIN_LABEL)", () => {
  const i18n = createI18n();
  const t = (locale: string) => (key: string, variables?: Record<string, string | number>) =>
    i18n.t(locale, key, variables);

  afterEach(() => showCoinAs(DEFAULT_COIN_LABEL));

  it("is GRAM by default, with the old name as a hint where a buyer first meets it", () => {
    expect(currencyLabel("TON")).toBe("GRAM");
    expect(coinLabelIntroduced(t("en"))).toBe("GRAM (formerly Toncoin)");
    expect(coinLabelIntroduced(t("ru"))).toBe("GRAM (ранее Toncoin)");
    expect(coinLabelIntroduced(t("zh"))).toBe("GRAM （原 Toncoin）");
    expect(["en", "ru", "zh"].map((locale) => methodName("ton", t(locale)))).toEqual([
      "Gram (TON)",
      "Gram (TON)",
      "Gram (TON)",
    ]);
  });

  it("shows TON with no hint when the merchant keeps the old name, and leaves other units be", () => {
    showCoinAs("TON");
    expect(formatPrice(6_500_000_000n, "TON")).toBe("6.5 TON");
    expect(coinHint(t("en"))).toBe("");
    expect(coinLabelIntroduced(t("en"))).toBe("TON");
    expect(methodName("ton", t("en"))).toBe("TON");
    expect(formatPrice(150n, "XTR")).toBe("150 ⭐");
    expect(formatPrice(999n, "USD")).toBe("9.99 USD");
  });
});

// test/payments/ton/links.test.ts covers the link shapes; these are the amount and comment edges.
describe("payment links at the edges", () => {
  const address = Address.parseRaw(`0:${"cd".repeat(32)}`);
  const request = { address, amount: 1n, comment: "TP-7K3M9Q2D", testnet: false };
  const params = (link: string) => new URL(link.replace("ton://", "https://x/")).searchParams;

  it("carry a single nanoton and a zero amount as plain integers", () => {
    expect(params(tonkeeperLink(request)).get("amount")).toBe("1");
    expect(params(tonTransferLink({ ...request, amount: 0n })).get("amount")).toBe("0");
  });

  it("carry amounts beyond Number's precision digit for digit, never in exponent form", () => {
    const amount = 123_456_789_012_123_456_789n;
    expect(params(tonkeeperLink({ ...request, amount })).get("amount")).toBe(
      "123456789012123456789",
    );
    expect(tonTransferLink({ ...request, amount })).not.toMatch(/e\+|E\+/);
  });

  it("use the testnet form of the address on testnet, in both links", () => {
    const testnet = { ...request, testnet: true };
    const shown = displayAddress(address, true);
    expect(shown).toMatch(/^0Q/);
    expect(tonkeeperLink(testnet)).toContain(`/transfer/${shown}?`);
    expect(tonTransferLink(testnet)).toBe(`ton://transfer/${shown}?amount=1&text=TP-7K3M9Q2D`);
  });

  it("carry a non-ASCII comment intact", () => {
    const comment = "заказ 42 · 订单 ⭐";
    expect(params(tonkeeperLink({ ...request, comment })).get("text")).toBe(comment);
    expect(params(tonTransferLink({ ...request, comment })).get("text")).toBe(comment);
    expect(tonTransferLink({ ...request, comment })).not.toMatch(/[^\x21-\x7e]/);
  });
});
