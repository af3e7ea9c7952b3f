import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChatMessage, EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import { afterEach, describe, expect, it } from "vitest";
import { agreeData } from "../../src/bot/callback-data.js";
import { formatTime } from "../../src/notices/format.js";
import { redisKeys } from "../../src/redis/keys.js";
import type { Sandbox, SandboxOptions } from "../../src/sandbox/world.js";
import { startShop } from "../support/sandbox.js";

const EXAMPLE_CATALOG = new URL("../../catalog.example.json", import.meta.url);
const ASKED = "Before your first purchase";
const MERCHANT_TERMS = "Prices are final and shown before you pay.";

let sandbox: Sandbox | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The example catalog with some of the merchant's texts replaced; the new file's path. */
async function catalogWith(shop: { terms?: unknown; [text: string]: unknown }): Promise<string> {
  const catalog = JSON.parse(await readFile(EXAMPLE_CATALOG, "utf8")) as { shop: object };
  // A text given as undefined is left out: JSON has no undefined.
  catalog.shop = { ...catalog.shop, ...shop };
  const dir = await mkdtemp(join(tmpdir(), "tpb-terms-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "catalog.json");
  await writeFile(path, JSON.stringify(catalog));
  return path;
}

/** A shop whose buyers read the terms themselves: nobody presses "I agree" for them. */
async function openShop(options: Omit<SandboxOptions, "redisUrl" | "redisCluster"> = {}) {
  sandbox = await startShop({ buyersAgreeToTerms: false, ...options });
  return sandbox;
}

/** Opens a product card by deep link and presses "Pay with <method>"; the message that follows. */
async function pay(buyer: EmulatedUser, productId: string, method: string) {
  buyer.send(`/start buy_${productId}`);
  const card = await buyer.waitForButton(`Pay with ${method}`, { after: buyer.lastMessageId() });
  const before = buyer.lastMessageId();
  await buyer.press(`Pay with ${method}`, card);
  return { card, before };
}

/** Nothing was ordered or asked to be paid: no order, invoice, payment message or QR code. */
async function nothingOrdered(shop: Sandbox, buyer: EmulatedUser) {
  expect(await shop.app.store.listByUser(buyer.id, 10)).toEqual([]);
  const sent = buyer.fromBot();
  expect(sent.filter((m) => m.invoice !== undefined)).toEqual([]);
  expect(sent.filter((m) => (m.text ?? "").includes("Send exactly"))).toEqual([]);
  const calls = shop.telegram.stats.byMethod;
  expect([calls.sendInvoice ?? 0, calls.sendPhoto ?? 0, calls.createInvoiceLink ?? 0]).toEqual([
    0, 0, 0,
  ]);
}

function agreeButtonOf(buyer: EmulatedUser, message: ChatMessage) {
  const data = buyer.buttonsData(message).find((d) => agreeData.read(d) !== undefined);
  return data === undefined ? undefined : agreeData.read(data);
}

describe("terms of sale before the first purchase", () => {
  it("shows a first-time TON buyer the terms and orders nothing until they agree, then carries on that purchase", async () => {
    const shop = await openShop();
    const buyer = shop.user();
    buyer.send("/start buy_mug");
    let card = await buyer.waitForButton("Pay with Gram (TON)");
    await buyer.press("+", card);
    card = await buyer.waitForText("Quantity: 2");
    const before = buyer.lastMessageId();
    await buyer.press("Pay with Gram (TON)", card);
    const terms = await buyer.waitForText(ASKED, { after: before });
    expect(terms.text).toContain("Terms of sale");
    expect(terms.text).toContain(MERCHANT_TERMS);
    expect(agreeButtonOf(buyer, terms)?.version).toBe("2026-12");
    await nothingOrdered(shop, buyer);
    expect(await shop.app.terms.agreementOf(buyer.id)).toBeUndefined();

    await buyer.press("I agree", terms);
    const payment = await buyer.waitForText("Send exactly", { after: terms.messageId });
    expect(payment.text).toContain("TON mug × 2");
    const [order] = await shop.app.store.listByUser(buyer.id, 10);
    expect(order).toMatchObject({ productId: "mug", quantity: 2, method: "ton" });
    expect((await shop.app.terms.agreementOf(buyer.id))?.version).toBe("2026-12");
    // The terms stay in the chat; their "I agree" is gone.
    const after = buyer.fromBot().find((m) => m.messageId === terms.messageId);
    expect(after && agreeButtonOf(buyer, after)).toBeUndefined();

    // The next purchase asks nothing.
    const next = buyer.lastMessageId();
    await buyer.press("Pay with Gram (TON)", card);
    await buyer.waitForText("Send exactly", { after: next });
    expect(buyer.fromBot().filter((m) => (m.text ?? "").includes(ASKED))).toHaveLength(1);
    expect(await shop.app.store.listByUser(buyer.id, 10)).toHaveLength(2);
  });

  it("sends no Stars invoice before the buyer agrees, and the invoice right after", async () => {
    const shop = await openShop();
    const buyer = shop.user();
    const { before } = await pay(buyer, "ton-guide", "Telegram Stars");
    const terms = await buyer.waitForText(ASKED, { after: before });
    await nothingOrdered(shop, buyer);

    await buyer.press("I agree", terms);
    const invoice = await buyer.waitFor((m) => m.invoice !== undefined, { after: before });
    expect(invoice.invoice).toMatchObject({ currency: "XTR", totalAmount: 150 });
    const order = await shop.app.store.require(invoice.invoice?.payload ?? "");
    expect(order).toMatchObject({ productId: "ton-guide", quantity: 1, method: "stars" });
    expect((await buyer.payInvoice(invoice)).ok).toBe(true);
    await buyer.waitForText("Payment received", { after: invoice.messageId });

    const next = buyer.lastMessageId();
    await pay(buyer, "ton-guide", "Telegram Stars");
    await buyer.waitFor((m) => m.invoice !== undefined, { after: next });
    expect(buyer.fromBot().filter((m) => (m.text ?? "").includes(ASKED))).toHaveLength(1);
  });

  it("sends no card invoice before the buyer agrees, and the invoice right after", async () => {
    // The sandbox shop has a provider token, so it sells by card.
    const shop = await openShop();
    const buyer = shop.user();
    const { before } = await pay(buyer, "mug", "Card");
    const terms = await buyer.waitForText(ASKED, { after: before });
    await nothingOrdered(shop, buyer);

    await buyer.press("I agree", terms);
    const invoice = await buyer.waitFor((m) => m.invoice !== undefined, { after: before });
    expect(invoice.invoice?.providerToken).toBe(shop.config.paymentProviderToken);
    const order = await shop.app.store.require(invoice.invoice?.payload ?? "");
    expect(order).toMatchObject({ productId: "mug", method: "fiat" });
  });

  it("asks again when the merchant publishes a new version of the terms", async () => {
    const v1 = await catalogWith({ terms: { version: "v1", text: "First terms." } });
    const v2 = await catalogWith({ terms: { version: "v2", text: "Second terms." } });
    const shop = await openShop({ config: { catalogPath: v1 } });
    const buyer = shop.user();
    let { before } = await pay(buyer, "ton-guide", "Gram (TON)");
    const first = await buyer.waitForText("First terms.", { after: before });
    await buyer.press("I agree", first);
    await buyer.waitForText("Send exactly", { after: first.messageId });

    await shop.restart({ catalogPath: v2 });
    ({ before } = await pay(buyer, "ton-guide", "Gram (TON)"));
    const second = await buyer.waitForText("Second terms.", { after: before });
    expect(second.text).toContain("have changed since you agreed");
    expect(await shop.app.store.listByUser(buyer.id, 10)).toHaveLength(1);
    expect((await shop.app.terms.agreementOf(buyer.id))?.version).toBe("v1");
    await buyer.press("I agree", second);
    await buyer.waitForText("Send exactly", { after: second.messageId });
    expect((await shop.app.terms.agreementOf(buyer.id))?.version).toBe("v2");
    expect(await shop.app.store.listByUser(buyer.id, 10)).toHaveLength(2);
  });

  it("records no agreement to terms that changed while the buyer read them, and shows the new ones", async () => {
    const v1 = await catalogWith({ terms: { version: "v1", text: "First terms." } });
    const v2 = await catalogWith({ terms: { version: "v2", text: "Second terms." } });
    const shop = await openShop({ config: { catalogPath: v1 } });
    const buyer = shop.user();
    const { before } = await pay(buyer, "mug", "Gram (TON)");
    const old = await buyer.waitForText("First terms.", { after: before });

    await shop.restart({ catalogPath: v2 });
    const answer = await buyer.press("I agree", old);
    expect(answer?.text).toContain("changed a moment ago");
    const fresh = await buyer.waitForText("Second terms.", { after: old.messageId });
    expect(await shop.app.terms.agreementOf(buyer.id)).toBeUndefined();
    await nothingOrdered(shop, buyer);

    // The new terms carry on the same purchase.
    await buyer.press("I agree", fresh);
    await buyer.waitForText("Send exactly", { after: fresh.messageId });
    const [order] = await shop.app.store.listByUser(buyer.id, 10);
    expect(order).toMatchObject({ productId: "mug", method: "ton" });
    expect((await shop.app.terms.agreementOf(buyer.id))?.version).toBe("v2");
  });

  it("refuses an older terms message's button and forged ones politely, and changes nothing", async () => {
    const shop = await openShop();
    const buyer = shop.user();
    let { before } = await pay(buyer, "ton-guide", "Gram (TON)");
    const older = await buyer.waitForText(ASKED, { after: before });
    ({ before } = await pay(buyer, "mug", "Gram (TON)"));
    const newer = await buyer.waitForText(ASKED, { after: before });

    const stale = await buyer.press("I agree", older);
    expect(stale).toMatchObject({ show_alert: true });
    expect(stale?.text).toContain("earlier request");
    const forged = await buyer.pressData(
      agreeData.pack({ version: "2026-12", ref: "deadbeef" }),
      newer,
    );
    expect(forged?.text).toContain("earlier request");
    const unreadable = await buyer.pressData("agree:not a ref!:2026-12", newer);
    expect(unreadable?.text).toContain("not valid any more");
    expect(await shop.app.terms.agreementOf(buyer.id)).toBeUndefined();
    await nothingOrdered(shop, buyer);

    // The newest request still goes through, for what it asked: the mug.
    const agree = buyer.buttonsData(newer).find((d) => agreeData.read(d) !== undefined) ?? "";
    await buyer.pressData(agree, newer);
    await buyer.waitForText("Send exactly", { after: newer.messageId });
    const orders = await shop.app.store.listByUser(buyer.id, 10);
    expect(orders.map((o) => o.productId)).toEqual(["mug"]);
    // Pressed again, the same button carries on nothing a second time.
    const again = await buyer.pressData(agree, newer);
    expect(again?.text).toContain("earlier request");
    expect(await shop.app.store.listByUser(buyer.id, 10)).toHaveLength(1);
  });

  it("shows a page's link when the merchant's terms are a URL, and both when they are text and URL", async () => {
    const url = "https://example.com/terms?lang=en&v=3";
    const linkOnly = await catalogWith({ terms: { version: "3", url } });
    const shop = await openShop({ config: { catalogPath: linkOnly } });
    const buyer = shop.user();
    const { before } = await pay(buyer, "ton-guide", "Telegram Stars");
    const terms = await buyer.waitForText(ASKED, { after: before });
    expect(terms.text).toContain(`The full terms: ${url}`);
    expect(buyer.link("Read the terms", terms)).toBe(url);
    await buyer.press("I agree", terms);
    // The invoice says where the terms are: the description and the line fit in 255 characters.
    const invoice = await buyer.waitFor((m) => m.invoice !== undefined, { after: before });
    expect(invoice.invoice?.description).toContain(`Terms of sale: ${url}`);
    // The link stays under the terms once agreed.
    const kept = buyer.fromBot().find((m) => m.messageId === terms.messageId);
    expect(kept && buyer.link("Read the terms", kept)).toBe(url);

    await shop.restart({
      catalogPath: await catalogWith({ terms: { version: "4", url, text: "Short terms." } }),
    });
    const { before: next } = await pay(buyer, "mug", "Gram (TON)");
    const both = await buyer.waitForText("have changed since you agreed", { after: next });
    expect(both.text).toContain("Short terms.");
    expect(both.text).toContain(`The full terms: ${url}`);
    expect(buyer.link("Read the terms", both)).toBe(url);
  });

  it("uses the bot's own terms when the merchant wrote none", async () => {
    const none = await catalogWith({ terms: undefined });
    const shop = await openShop({ config: { catalogPath: none } });
    const buyer = shop.user({ languageCode: "ru" });
    buyer.send("/start buy_ton-guide");
    const card = await buyer.waitForButton("Telegram Stars");
    await buyer.press("Telegram Stars", card);
    const terms = await buyer.waitForText("Условия продажи", { after: card.messageId });
    expect(terms.text).toContain("Перед первой покупкой");
    expect(agreeButtonOf(buyer, terms)?.version).toBe("default");
    await buyer.press("Согласен", terms);
    await buyer.waitFor((m) => m.invoice !== undefined, { after: terms.messageId });
    expect((await shop.app.terms.agreementOf(buyer.id))?.version).toBe("default");
  });
});

describe("/terms", () => {
  it("shows the terms with I agree, and once agreed, when the buyer agreed", async () => {
    const shop = await openShop();
    const buyer = shop.user();
    buyer.send("/terms");
    const terms = await buyer.waitForText(MERCHANT_TERMS);
    expect(terms.text).toContain("Tap “I agree” to accept them now");
    const answer = await buyer.press("I agree", terms);
    expect(answer?.text).toContain("you agreed to the terms of sale");
    const agreement = await shop.app.terms.agreementOf(buyer.id);
    expect(agreement?.version).toBe("2026-12");

    buyer.send("/terms");
    const again = await buyer.waitForText("You agreed to these terms", { after: terms.messageId });
    expect(again.text).toContain(MERCHANT_TERMS);
    expect(again.text).toContain(`on ${formatTime(agreement?.at ?? 0)} (UTC)`);
    expect(agreeButtonOf(buyer, again)).toBeUndefined();

    // Having agreed through /terms, a purchase goes straight to payment.
    const { before } = await pay(buyer, "ton-guide", "Gram (TON)");
    await buyer.waitForText("Send exactly", { after: before });
    expect(buyer.fromBot().filter((m) => (m.text ?? "").includes(ASKED))).toEqual([]);
  });

  it("tells a buyer who agreed to earlier terms that these are new", async () => {
    const v2 = await catalogWith({ terms: { version: "v2", text: "Second terms." } });
    const shop = await openShop({ config: { catalogPath: v2 } });
    const buyer = shop.user();
    await shop.app.terms.agree(buyer.id, "v1");
    buyer.send("/terms");
    const terms = await buyer.waitForText("Second terms.");
    expect(terms.text).toContain("You agreed to earlier terms");
    expect(agreeButtonOf(buyer, terms)).toEqual({ version: "v2", ref: "" });
  });
});

describe("when the agreement cannot be recorded", () => {
  it("tells the buyer, orders nothing, and carries on once it can", async () => {
    const shop = await openShop();
    const buyer = shop.user();
    const { before } = await pay(buyer, "ton-guide", "Telegram Stars");
    const terms = await buyer.waitForText(ASKED, { after: before });
    // The agreement's key holds another type: Redis refuses the write with WRONGTYPE.
    const key = redisKeys(shop.config.redisPrefix).termsAgreement(buyer.id);
    await shop.app.redis.set(key, "in the way");
    const answer = await buyer.press("I agree", terms);
    expect(answer).toMatchObject({ show_alert: true });
    expect(answer?.text).toContain("could not record your agreement");
    await nothingOrdered(shop, buyer);

    await shop.app.redis.del(key);
    await buyer.press("I agree", terms);
    const invoice = await buyer.waitFor((m) => m.invoice !== undefined, { after: before });
    expect(await shop.app.store.listByUser(buyer.id, 10)).toHaveLength(1);
    expect(invoice.invoice?.payload).toBe((await shop.app.store.listByUser(buyer.id, 10))[0]?.id);
  });

  it("keeps the agreement when the order after it fails, and the next Pay goes straight on", async () => {
    const shop = await openShop();
    const buyer = shop.user();
    const { card, before } = await pay(buyer, "ton-guide", "Telegram Stars");
    const terms = await buyer.waitForText(ASKED, { after: before });
    // The buyer's order index holds another type: creating the order fails right after the
    // agreement is recorded.
    const index = redisKeys(shop.config.redisPrefix).userOrders(buyer.id);
    await shop.app.redis.set(index, "in the way");
    await buyer.press("I agree", terms);
    // The order could not be made, and the buyer is told so.
    await buyer.waitForText("Something went wrong on our side", { after: terms.messageId });
    expect((await shop.app.terms.agreementOf(buyer.id))?.version).toBe("2026-12");
    expect(shop.telegram.stats.byMethod.sendInvoice ?? 0).toBe(0);

    await shop.app.redis.del(index);
    expect(await shop.app.store.listByUser(buyer.id, 10)).toEqual([]);
    const next = buyer.lastMessageId();
    await buyer.press("Pay with Telegram Stars", card);
    await buyer.waitFor((m) => m.invoice !== undefined, { after: next });
    expect(buyer.fromBot().filter((m) => (m.text ?? "").includes(ASKED))).toHaveLength(1);
    expect(await shop.app.store.listByUser(buyer.id, 10)).toHaveLength(1);
  });
});

describe("/start", () => {
  it("opens the shop with the merchant's welcome and a button for each thing to do", async () => {
    const shop = await openShop();
    const buyer = shop.user({ firstName: "Bob" });
    buyer.send("/start");
    const welcome = await buyer.waitForText("Welcome to the shop, Bob!");
    expect(welcome.text).toContain("TON Corner");
    expect(welcome.text).toContain("E-books, VPN keys and mugs");
    const labels = welcome.message.reply_markup?.inline_keyboard.map((row) =>
      row.map((b) => b.text),
    );
    expect(labels).toEqual([["🛍 Shop", "🧾 My orders"], ["👛 Wallet", "❓ Help"], ["💬 Support"]]);

    const open = async (label: string, expected: string) => {
      const after = buyer.lastMessageId();
      await buyer.press(label, welcome);
      return buyer.waitForText(expected, { after });
    };
    const catalog = await open("Shop", "TON Corner — tap a product to see it.");
    // One button per product of the example catalog, the subscription among them.
    const products = catalog.message.reply_markup?.inline_keyboard.flat().map((b) => b.text);
    expect(products).toHaveLength(4);
    expect(products?.some((label) => label.includes("Builders"))).toBe(true);
    await open("My orders", "You have no orders yet");
    await open("Wallet", "Connect your wallet");
    const help = await open("Help", "How to buy");
    expect(help.text).toContain("Delivery: Digital goods arrive in this chat");
    const support = await open("Support", "Ticket #1 is open");
    expect(support.text).toContain("Support hours: We answer every day");
    // The welcome stays as it was, for the next tap.
    expect(buyer.fromBot().find((m) => m.messageId === welcome.messageId)?.text).toBe(welcome.text);
  });

  it("has no Wallet button without TON Connect, and falls back to the bot's own welcome", async () => {
    const plain = await catalogWith({ name: undefined, welcome: undefined });
    const shop = await openShop({
      config: { catalogPath: plain, tonconnectManifestUrl: undefined },
    });
    const buyer = shop.user({ firstName: "Bob", languageCode: "zh" });
    buyer.send("/start");
    const welcome = await buyer.waitForText("欢迎光临本店，Bob！");
    expect(welcome.text).toContain("点击下方按钮开始");
    const labels = welcome.message.reply_markup?.inline_keyboard.flat().map((b) => b.text);
    expect(labels).toEqual(["🛍 商店", "🧾 我的订单", "❓ 帮助", "💬 客服"]);
    const after = buyer.lastMessageId();
    await buyer.press("商店", welcome);
    await buyer.waitForButton("马克杯", { after });
  });

  it("still opens a product card from a buy_ deep link, with delivery notes for goods that ship", async () => {
    const shop = await openShop();
    const buyer = shop.user();
    buyer.send("/start buy_mug");
    const card = await buyer.waitForButton("Pay with Gram (TON)");
    expect(card.text).toContain("Delivery: Digital goods arrive in this chat right after payment.");
    buyer.send("/start buy_ton-guide");
    const digital = await buyer.waitForButton("Pay with Gram (TON)", { after: card.messageId });
    expect(digital.text).not.toContain("Delivery:");
    await nothingOrdered(shop, buyer);
  });
});
