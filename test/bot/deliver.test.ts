import { describe, expect, it } from "vitest";
import { stockMessages } from "../../src/bot/deliver.js";
import { createI18n } from "../../src/bot/i18n.js";
import { htmlToPlainText } from "../../src/sandbox/telegram/html.js";

const i18n = createI18n();
const t = (key: string, variables?: Record<string, string | number>) =>
  i18n.t("en", key, variables);

describe("stockMessages", () => {
  it("sends one key as before, and several in one message, one per line", () => {
    expect(stockMessages(["K-1"], t)).toEqual(["Your key: <code>K-1</code>"]);
    expect(stockMessages(["K-1", "K-2", "K<3>"], t)).toEqual([
      "Your keys (3):\n<code>K-1</code>\n<code>K-2</code>\n<code>K&lt;3&gt;</code>",
    ]);
  });

  it("splits a thousand long keys over messages Telegram accepts, each key once and in order", () => {
    const keys = Array.from(
      { length: 1000 },
      (_, i) => `${String(i).padStart(4, "0")}-${"X".repeat(60)}`,
    );
    const messages = stockMessages(keys, t);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages)
      expect(htmlToPlainText(message).length).toBeLessThanOrEqual(4096);
    const lines = messages.flatMap((m) => htmlToPlainText(m).split("\n").slice(1));
    expect(lines).toEqual(keys);
    expect(htmlToPlainText(messages[0] ?? "")).toMatch(/^Your keys, 1–\d+ of 1,000:/);
    expect(htmlToPlainText(messages.at(-1) ?? "")).toMatch(/^Your keys, \d+–1,000 of 1,000:/);
  });
});
