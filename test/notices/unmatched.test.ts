import { Address } from "@ton/core";
import { htmlToPlainText } from "@ton-payment-bot/emulators/telegram";
import { describe, expect, it } from "vitest";
import { createI18n, LOCALES } from "../../src/bot/i18n.js";
import { shortRef, unmatchedNotice } from "../../src/notices/unmatched.js";
import type { UnmatchedPayment, UnmatchedReason } from "../../src/payments/unmatched.js";

const i18n = createI18n();
const translator = (locale: string) => (key: string, variables?: Record<string, string | number>) =>
  i18n.t(locale, key, variables);
const en = translator("en");

const payer = new Address(0, Buffer.alloc(32, 7));
const HASH = "9f3a1c2b".padEnd(64, "0");
const tonPayment: UnmatchedPayment = {
  key: `ton:${HASH}`,
  method: "ton",
  currency: "TON",
  amount: 500_000_000n,
  receivedAt: 1_700_000_000_000,
  reason: "unknown-comment",
  from: payer.toRawString(),
  comment: "my order please",
  reference: { lt: "100", hash: HASH },
};
const REASONS: (UnmatchedReason | "dust")[] = [
  "no-comment",
  "unknown-comment",
  "encrypted-comment",
  "binary-comment",
  "order-not-found",
  "dust",
  "fake-jetton",
];

describe("the admins' notice for an unmatched payment", () => {
  it("names the amount, comment, sender, explorer link and the /attach command to copy", () => {
    const html = unmatchedNotice(tonPayment, en, true);
    const text = htmlToPlainText(html);
    const short = payer.toString({ urlSafe: true, bounceable: false, testOnly: true });
    expect(text).toBe(
      [
        `❓ A payment matched no order: 0.5 GRAM from ${short.slice(0, 4)}…${short.slice(-4)}, comment “my order please”.`,
        "Why: its comment is not the comment of any order. See it on Tonviewer",
        "Put it on an order: /attach ton:9f3a1c2b ‹order id or comment› — or /refund ton:9f3a1c2b, /resolve ton:9f3a1c2b",
      ].join("\n"),
    );
    expect(html).toContain(`<a href="https://testnet.tonviewer.com/transaction/${HASH}">`);
    expect(html).toContain("<code>/attach ton:9f3a1c2b</code>");
    expect(unmatchedNotice(tonPayment, en, false)).toContain(
      `<a href="https://tonviewer.com/transaction/${HASH}">`,
    );
  });

  it("shows money in USDT that matched no order in USDT, with its sender and explorer link", () => {
    const html = unmatchedNotice(
      { ...tonPayment, key: `usdt:${HASH}`, method: "usdt", currency: "USDT", amount: 12_500_000n },
      en,
      true,
    );
    const short = payer.toString({ urlSafe: true, bounceable: false, testOnly: true });
    expect(htmlToPlainText(html).split("\n")[0]).toBe(
      `❓ A payment matched no order: 12.5 USDT from ${short.slice(0, 4)}…${short.slice(-4)}, comment “my order please”.`,
    );
    expect(html).toContain(`<a href="https://testnet.tonviewer.com/transaction/${HASH}">`);
    expect(html).toContain("<code>/attach usdt:9f3a1c2b</code>");
  });

  it("says there was no comment, or none that is text, when there was no readable one", () => {
    const { comment: _, ...bare } = tonPayment;
    expect(htmlToPlainText(unmatchedNotice({ ...bare, reason: "no-comment" }, en, true))).toContain(
      ", no comment.\nWhy: it carries no comment, so nothing names the order.",
    );
    expect(
      htmlToPlainText(unmatchedNotice({ ...bare, reason: "encrypted-comment" }, en, true)),
    ).toContain(
      ", a comment that is not text.\nWhy: its comment is encrypted, so the shop cannot read it.",
    );
  });

  it("has a readable reason for every reason in every language, and fits one message", () => {
    const long = "<b>spam</b> ".repeat(400);
    for (const locale of LOCALES) {
      const t = translator(locale);
      const texts = new Set<string>();
      for (const reason of REASONS) {
        const html = unmatchedNotice(
          { ...tonPayment, reason: reason as UnmatchedReason, comment: long },
          t,
          true,
        );
        const text = htmlToPlainText(html);
        expect(text.length, `${locale} ${reason}`).toBeLessThanOrEqual(4096);
        // Not the bare code, as a reason without a text would show.
        const why = text.split("\n")[1] ?? "";
        expect(why, `${locale} ${reason}`).not.toMatch(new RegExp(`[:：] ?${reason}[.。]`));
        expect(text).toContain("/attach ton:9f3a1c2b");
        // The comment is escaped, never markup of its own, and cut short.
        expect(html).not.toContain("<b>spam</b>");
        texts.add(why);
      }
      expect(texts.size, locale).toBe(REASONS.length);
    }
  });

  it("names the USDT a fake-jetton notification claimed, and the TON it brought", () => {
    const html = unmatchedNotice(
      {
        ...tonPayment,
        amount: 1n,
        reason: "fake-jetton",
        reference: { lt: "100", hash: HASH, claimedAmount: "5000000", claimedSender: "" },
      },
      en,
      true,
    );
    const [first, why] = htmlToPlainText(html).split("\n");
    expect(first).toContain("0.000000001 GRAM");
    expect(why).toBe(
      "Why: it is a fake USDT transfer: a jetton notification claiming 5 USDT that did not come from the shop's own USDT wallet, so no USDT arrived. Do not deliver anything for it. See it on Tonviewer",
    );
  });

  it("shows a reason it does not know as recorded, rather than nothing", () => {
    const text = htmlToPlainText(
      unmatchedNotice({ ...tonPayment, reason: "new-reason" as UnmatchedReason }, en, true),
    );
    expect(text).toContain("Why: new-reason.");
  });

  it("names a Telegram payer and links no explorer for Stars", () => {
    const stars: UnmatchedPayment = {
      key: "stars:charge-abcdef123",
      method: "stars",
      currency: "XTR",
      amount: 250n,
      receivedAt: 1_700_000_000_000,
      reason: "order-not-found",
      from: "123456",
      reference: { telegramChargeId: "charge-abcdef123" },
    };
    const html = unmatchedNotice(stars, en, true);
    expect(htmlToPlainText(html)).toBe(
      [
        "❓ A payment matched no order: 250 ⭐ from Telegram user 123456, no comment.",
        "Why: the order it names does not exist.",
        "Put it on an order: /attach stars:charge-a ‹order id or comment› — or /refund stars:charge-a, /resolve stars:charge-a",
      ].join("\n"),
    );
    expect(html).not.toContain("<a ");
    expect(shortRef(stars.key)).toBe("stars:charge-a");
  });
});
