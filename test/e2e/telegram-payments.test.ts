import { type ChatMessage, SAMPLE_ADDRESS } from "@ton-payment-bot/emulators/telegram";
import { afterEach, describe, expect, it } from "vitest";
import { expireOrders } from "../../src/jobs/expire.js";
import { OrderStore } from "../../src/orders/store.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { invoiceFor, orderReaches, startShop } from "../support/sandbox.js";

describe("paying with Telegram Stars", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("sells a digital product for Stars through the same fulfilment as TON", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    buyer.send("/start buy_ton-guide");
    const card = await buyer.waitForButton("Pay with Telegram Stars");
    expect(card.text).toContain("Telegram Stars: 150 ⭐");
    // Digital goods: Stars, and TON because the catalog lists it; no card price, no card button.
    const methods = card.message.reply_markup?.inline_keyboard.flat().map((b) => b.text);
    expect(methods).toEqual(["Pay with Gram (TON)", "Pay with Telegram Stars", "« Back"]);
    buyer.send("/start buy_mug");
    const mug = await buyer.waitForButton("Pay with Card");
    expect(mug.message.reply_markup?.inline_keyboard.flat().map((b) => b.text)).not.toContain(
      "Pay with Telegram Stars",
    );

    const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    expect(invoice.invoice).toMatchObject({ currency: "XTR", totalAmount: 150, providerToken: "" });

    const paid = await buyer.payInvoice(invoice);
    expect(paid.ok).toBe(true);
    await buyer.waitForText("Payment received", { after: invoice.messageId });
    await buyer.waitForText("Your download link", { after: invoice.messageId });
    await buyer.waitForText("Paid: 150 ⭐", { after: invoice.messageId });
    const order = await orderReaches(sandbox, orderId, "fulfilled");
    expect(order.payments).toHaveLength(1);
    expect(order.payments[0]?.key).toBe(`stars:${paid.chargeId}`);
    expect(order.payments[0]?.reference?.telegramChargeId).toBe(paid.chargeId);
    expect(sandbox.telegram.state.starBalance).toBe(150);
  });

  it("refuses at pre-checkout an expired order, someone else's, a changed amount and sold-out stock", async () => {
    sandbox = await startShop({ stock: { "vpn-keys": ["KEY-LAST-0001"] } });
    const owner = sandbox.user();
    const stranger = sandbox.user({ languageCode: "ru" });

    // Someone else's order: the stranger pays the owner's invoice.
    const theirs = await invoiceFor(owner, "ton-guide", "Telegram Stars");
    const notYours = await stranger.payInvoice(theirs.invoice);
    expect(notYours).toMatchObject({
      ok: false,
      errorMessage: expect.stringContaining("чужому заказу"),
    });

    // A changed amount: the total Telegram reports is not the order's.
    const tampered: ChatMessage = {
      ...theirs.invoice,
      invoice: {
        ...(theirs.invoice.invoice as NonNullable<ChatMessage["invoice"]>),
        totalAmount: 1,
      },
    };
    const changed = await owner.payInvoice(tampered);
    expect(changed.errorMessage).toContain("amount does not match");

    // Expired: the expiry job ran as if 31 minutes had passed.
    const later = new OrderStore(sandbox.app.redis, {
      prefix: sandbox.config.redisPrefix,
      clock: () => Date.now() + 31 * 60_000,
    });
    await expireOrders(later);
    const expired = await owner.payInvoice(theirs.invoice);
    expect(expired.errorMessage).toContain("This order expired");

    // Sold out: two buyers hold invoices for the last key; the second is refused.
    const first = await invoiceFor(owner, "vpn-key", "Telegram Stars");
    const second = await invoiceFor(stranger, "vpn-key", "Telegram Stars");
    expect((await owner.payInvoice(first.invoice)).ok).toBe(true);
    await owner.waitForText("Your key: KEY-LAST-0001");
    const soldOut = await stranger.payInvoice(second.invoice);
    expect(soldOut.errorMessage).toContain("закончился");

    // Nothing was taken for any refusal.
    expect(sandbox.telegram.state.starBalance).toBe(250);
    expect((await sandbox.app.store.require(theirs.orderId)).payments).toEqual([]);
    expect((await sandbox.app.store.require(second.orderId)).status).toBe("pending");
  });

  it("refuses to take a second payment for a paid order", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    expect((await buyer.payInvoice(invoice)).ok).toBe(true);
    await orderReaches(sandbox, orderId, "fulfilled");
    const again = await buyer.payInvoice(invoice);
    expect(again.errorMessage).toContain("already paid");
    expect(sandbox.telegram.state.starBalance).toBe(150);
  });

  it("refunds a Stars order, and the buyer is told", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    expect((await buyer.payInvoice(invoice)).ok).toBe(true);
    await orderReaches(sandbox, orderId, "fulfilled");

    const bot = sandbox.app.bot;
    const payments = sandbox.app.telegramPayments;
    if (!bot) throw new Error("the shop has no bot");
    const refunded = await payments.refundStars(bot.api, orderId);
    expect(refunded.status).toBe("refunded");
    expect(sandbox.telegram.state.starBalance).toBe(0);
    await buyer.waitForText(`Order ${orderId} was refunded`);
    // Telegram's refunded_payment update arrives too; the order is refunded once.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const order = await sandbox.app.store.require(orderId);
    expect(order.status).toBe("refunded");
    expect(buyer.fromBot().filter((m) => m.text?.includes("was refunded"))).toHaveLength(1);
    await expect(payments.refundStars(bot.api, orderId)).rejects.toThrow(/is refunded, not paid/);
  });

  it("takes no money when the bot's answer comes too late", async () => {
    sandbox = await startShop({ telegram: { preCheckoutTimeoutMs: 1 } });
    const buyer = sandbox.user();
    const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    const late = await buyer.payInvoice(invoice);
    expect(late.ok).toBe(false);
    expect(sandbox.telegram.state.starBalance).toBe(0);
    const order = await sandbox.app.store.require(orderId);
    expect(order.status).toBe("pending");
    expect(order.payments).toEqual([]);
  });
});

describe("paying by card", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("sells a physical product with shipping options, order info and a tip", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user({ firstName: "Dana" });
    const { invoice, orderId } = await invoiceFor(buyer, "mug", "Card");
    expect(invoice.invoice).toMatchObject({
      currency: "USD",
      totalAmount: 999,
      providerToken: "284685063:TEST:sandbox",
    });

    const paid = await buyer.payInvoice(invoice, {
      tip: 200,
      shippingOptionId: "express",
      orderInfo: {
        name: "Dana Buyer",
        phone_number: "+4915100000000",
        shipping_address: SAMPLE_ADDRESS,
      },
    });
    expect(paid).toMatchObject({ ok: true, totalAmount: 999 + 1499 + 200 });
    await buyer.waitForText("We will write to you about shipping", { after: invoice.messageId });
    const receipt = await buyer.waitForText("Receipt", { after: invoice.messageId });
    expect(receipt.text).toContain("Paid: 26.98 USD");
    const order = await orderReaches(sandbox, orderId, "fulfilled");
    expect(order.paid).toBe(999n);
    expect(order.exceptions).toEqual([]);
    expect(order.payments[0]?.reference).toMatchObject({
      shipping: "1499",
      tip: "200",
      total: "2698",
      shippingOptionId: "express",
    });
    expect(JSON.parse(order.payments[0]?.reference?.orderInfo ?? "{}")).toMatchObject({
      name: "Dana Buyer",
      shipping_address: { city: "Berlin" },
    });
  });

  it("refuses shipping to a country no option reaches, and takes nothing", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    // The example catalog ships everywhere; this shop ships to Germany only.
    for (const option of sandbox.app.catalog.shipping) option.countries = ["DE"];
    const { invoice, orderId } = await invoiceFor(buyer, "mug", "Card");
    const refused = await buyer.payInvoice(invoice, {
      orderInfo: {
        shipping_address: {
          country_code: "NZ",
          state: "",
          city: "Auckland",
          street_line1: "1 Queen St",
          street_line2: "",
          post_code: "1010",
        },
      },
    });
    expect(refused.ok).toBe(false);
    expect(refused.errorMessage).toContain("cannot ship to this address");
    expect((await sandbox.app.store.require(orderId)).payments).toEqual([]);
  });

  it("counts a successful_payment that Telegram delivers twice once", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    const paid = await buyer.payInvoice(invoice);
    if (!paid.message) throw new Error("no successful_payment message");
    await orderReaches(sandbox, orderId, "fulfilled");
    // The notice comes from the events stream, which need not be read before the job is done.
    await buyer.waitForText("Payment received", { after: invoice.messageId });
    buyer.redeliver(paid.message);
    buyer.redeliver(paid.message);
    const marker = buyer.lastMessageId();
    buyer.send("/help");
    await buyer.waitForText("How to buy", { after: marker });
    const order = await sandbox.app.store.require(orderId);
    expect(order.payments).toHaveLength(1);
    expect(buyer.fromBot().filter((m) => m.text?.startsWith("Receipt"))).toHaveLength(1);
    expect(buyer.fromBot().filter((m) => m.text?.includes("Payment received"))).toHaveLength(1);
  });
});

describe("an invoice link the merchant shares", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("is paid once, by whoever pays first, who then gets the goods", async () => {
    sandbox = await startShop();
    const bot = sandbox.app.bot;
    if (!bot) throw new Error("the shop has no bot");
    const { order, link } = await sandbox.app.telegramPayments.createInvoiceLink(bot.api, {
      productId: "ton-guide",
      quantity: 1,
      method: "stars",
      ttlMs: 7 * 86_400_000,
      lang: "en",
    });
    expect(link).toMatch(/^https:\/\/t\.me\/\$/);

    const first = sandbox.user({ firstName: "Fay", username: "fay_first" });
    const second = sandbox.user();
    const paid = await first.payInvoiceLink(link);
    expect(paid.ok).toBe(true);
    await first.waitForText("Your download link");
    await first.waitForText("Receipt");
    const claimed = await orderReaches(sandbox, order.id, "fulfilled");
    expect(claimed.userId).toBe(first.id);
    // The admins' notices name whoever paid, as for an order made in the bot.
    expect(claimed.buyer).toEqual({ name: "Fay", username: "fay_first" });
    expect((await sandbox.app.store.listByUser(first.id, 10)).map((o) => o.id)).toEqual([order.id]);

    const again = await second.payInvoiceLink(link);
    expect(again.ok).toBe(false);
    expect(again.errorMessage).toContain("already paid");
    expect(sandbox.telegram.state.starBalance).toBe(150);
    expect(second.fromBot()).toEqual([]);
  });
});
