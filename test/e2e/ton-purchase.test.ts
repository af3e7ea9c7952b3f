import { afterEach, describe, expect, it } from "vitest";
import { buyData } from "../../src/bot/callback-data.js";
import { expireOrders } from "../../src/jobs/expire.js";
import { OrderStore } from "../../src/orders/store.js";
import { paymentQrPng } from "../../src/payments/ton/links.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { checkoutTon, orderReaches, startShop } from "../support/sandbox.js";

const HALF_TON = 500_000_000n;
const ADMIN_ID = 900_001;

/** Synchronisation only: polls a condition the bot will make true, failing after a while. */
async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The order store as the expiry job sees it `ms` from now. */
function storeAt(sandbox: Sandbox, ms: number): OrderStore {
  return new OrderStore(sandbox.app.redis, {
    prefix: sandbox.config.redisPrefix,
    clock: () => Date.now() + ms,
  });
}

describe("buying for TON through the bot", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("takes a buyer from /start to the goods and a receipt", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user({ firstName: "Bob" });
    buyer.send("/start");
    await buyer.waitForText("Welcome to the shop, Bob!");

    const { message, comment, orderId } = await checkoutTon(buyer, "TON Developer");
    expect(message.text).toContain("Send exactly 0.5 GRAM");
    const tonkeeper = message.message.reply_markup?.inline_keyboard
      .flat()
      .find((b) => b.text === "Open in Tonkeeper");
    expect(tonkeeper && "url" in tonkeeper ? tonkeeper.url : "").toContain(
      `amount=${HALF_TON}&text=${comment}`,
    );
    const qr = await buyer.waitFor((m) => m.photo !== undefined, { after: message.messageId });
    expect(qr.photo?.bytes?.subarray(1, 4).toString()).toBe("PNG");
    expect(qr.caption).toContain(comment);

    // Before any money moves, "I have paid" reports what the watcher has seen: nothing yet.
    const early = await buyer.press("I have paid", message);
    expect(early?.text).toContain("Waiting for your payment of 0.5 GRAM");

    const wallet = await sandbox.buyerWallet();
    await wallet.pay(HALF_TON, comment);
    const paid = await buyer.waitForText("Payment received", { after: message.messageId });
    expect(paid.message.reply_to_message?.message_id).toBe(message.messageId);
    // The paid order's message keeps only "I have paid", and its QR code goes: nothing invites
    // a second payment.
    await buyer.waitFor((m) => m.messageId === message.messageId && m.edits > 0);
    expect(message.message.reply_markup?.inline_keyboard.flat().map((b) => b.text)).toEqual([
      "I have paid",
    ]);
    await waitUntil(() => qr.deleted);
    expect(buyer.fromBot().some((m) => m.photo !== undefined)).toBe(false);
    await buyer.waitForText("Your download link", { after: message.messageId });
    const receipt = await buyer.waitForText("Receipt", { after: message.messageId });
    expect(receipt.text).toContain(`order ${orderId}`);
    expect(receipt.text).toContain("Paid: 0.5 GRAM");

    const order = await orderReaches(sandbox, orderId, "fulfilled");
    expect(order.payments).toHaveLength(1);

    const listed = buyer.lastMessageId();
    buyer.send("/orders");
    const orders = await buyer.waitForText("Your orders", { after: listed });
    expect(orders.text).toContain(
      `${orderId} · TON Developer's Guide (e-book) · 0.5 GRAM · delivered`,
    );
  });

  it("tells an underpaying buyer what is still owed, then fulfils when the rest arrives", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    const { message, comment, orderId } = await checkoutTon(buyer, "TON Developer");
    const wallet = await sandbox.buyerWallet();

    await wallet.pay(200_000_000n, comment);
    const owed = await buyer.waitForText("We received 0.2 GRAM", { after: message.messageId });
    expect(owed.text).toContain("send the remaining 0.3 GRAM");
    expect((await sandbox.app.store.require(orderId)).status).toBe("pending");

    // The rest, with the comment typed by hand in lower case and a space.
    await wallet.pay(300_000_000n, comment.toLowerCase().replace("-", " "));
    await buyer.waitForText("Payment received", { after: owed.messageId });
    await buyer.waitForText("Receipt", { after: owed.messageId });
    const order = await orderReaches(sandbox, orderId, "fulfilled");
    expect(order.paid).toBe(HALF_TON);
    expect(order.payments).toHaveLength(2);
  });

  it("after a partial payment, asks for only the rest everywhere it shows how to pay", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    const { message, comment, orderId } = await checkoutTon(buyer, "TON Developer");
    const qr = await buyer.waitFor((m) => m.photo !== undefined, { after: message.messageId });
    const full = { address: sandbox.merchant.address, comment, testnet: true };
    expect(qr.photo?.bytes?.equals(await paymentQrPng({ ...full, amount: HALF_TON }))).toBe(true);
    const wallet = await sandbox.buyerWallet();

    await wallet.pay(200_000_000n, comment);
    await buyer.waitForText("We received 0.2 GRAM", { after: qr.messageId });
    await buyer.waitFor((m) => m.messageId === message.messageId && m.edits > 0);
    await buyer.waitFor((m) => m.messageId === qr.messageId && m.edits > 0);

    // The amount to copy, the Tonkeeper link, the QR code and its caption: 0.3 TON, not 0.5.
    expect(message.text).toContain("We received 0.2 of 0.5 GRAM. Send the remaining 0.3 GRAM");
    expect(message.text).toContain(`with the comment ${comment}`);
    const tonkeeper = new URL(buyer.link("Open in Tonkeeper", message));
    expect(tonkeeper.searchParams.get("amount")).toBe("300000000");
    expect(tonkeeper.searchParams.get("text")).toBe(comment);
    expect(qr.photo?.bytes?.equals(await paymentQrPng({ ...full, amount: 300_000_000n }))).toBe(
      true,
    );
    expect(qr.caption).toBe(`Scan with your phone's wallet: 0.3 GRAM, comment ${comment}.`);
    const answer = await buyer.press("I have paid", message);
    expect(answer?.text).toContain("send the remaining 0.3 GRAM");

    // A buyer who pays what the redrawn link asks completes the order exactly.
    await wallet.pay(BigInt(tonkeeper.searchParams.get("amount") ?? "0"), comment);
    await buyer.waitForText("Receipt", { after: qr.messageId });
    const order = await orderReaches(sandbox, orderId, "fulfilled");
    expect(order.paid).toBe(HALF_TON);
    expect(order.exceptions).toEqual([]);
  });

  it("tells the buyer an order expired, and still honours a payment that comes late", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    const { message, comment, orderId } = await checkoutTon(buyer, "TON Developer");

    // The expiry job, run as if the order's 30 minutes had passed.
    const app = sandbox.app;
    const later = new OrderStore(app.redis, {
      prefix: sandbox.config.redisPrefix,
      clock: () => Date.now() + 31 * 60_000,
    });
    expect(await expireOrders(later)).toBe(1);
    const expired = await buyer.waitForText("expired without payment", {
      after: message.messageId,
    });
    expect(expired.text).toContain(orderId);

    const wallet = await sandbox.buyerWallet();
    await wallet.pay(HALF_TON, comment);
    await buyer.waitForText("Receipt", { after: expired.messageId });
    const order = await orderReaches(sandbox, orderId, "fulfilled");
    expect(order.exceptions).toContain("late");
  });

  it("tells buyer and admins what an underpaid order had received when it expired, then takes the late rest", async () => {
    sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    const admin = sandbox.user({ id: ADMIN_ID });
    const buyer = sandbox.user();
    const unpaid = await checkoutTon(sandbox.user(), "TON Developer");
    const { message, comment, orderId } = await checkoutTon(buyer, "TON mug");
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(1_000_000_000n, comment);
    const owed = await buyer.waitForText("We received 1 GRAM", { after: message.messageId });

    expect(await expireOrders(storeAt(sandbox, 31 * 60_000))).toBe(2);
    const expired = await buyer.waitForText(`Order ${orderId} expired`, { after: owed.messageId });
    expect(expired.text).toBe(
      `⌛ Order ${orderId} expired. We received 1 of 3.25 GRAM: the shop has been told and will contact you to complete the order or return the money. Questions: /support`,
    );
    const notice = await admin.waitForText(`Order ${orderId} expired underpaid`);
    expect(notice.text).toContain("1 GRAM of 3.25 GRAM received");
    expect(notice.text).toContain(`/refund ${orderId}`);
    // An order that expired with nothing paid is no news for the admins.
    expect(admin.fromBot().some((m) => m.text?.includes(unpaid.orderId))).toBe(false);
    // The wallet buttons and the QR code are gone; "I have paid" says the same as the notice.
    await buyer.waitFor(
      (m) =>
        m.messageId === message.messageId &&
        m.message.reply_markup?.inline_keyboard.flat().length === 1,
    );
    expect(message.message.reply_markup?.inline_keyboard.flat()[0]?.text).toBe("I have paid");
    await waitUntil(() => !buyer.fromBot().some((m) => m.photo !== undefined));
    const answer = await buyer.press("I have paid", message);
    expect(answer?.text).toContain("We received 1 of 3.25 GRAM");

    // LATE_PAYMENT_POLICY=fulfil (the default): the rest arriving late completes the order.
    await wallet.pay(2_250_000_000n, comment);
    await buyer.waitForText("We will write to you about shipping", { after: expired.messageId });
    const order = await orderReaches(sandbox, orderId, "fulfilled");
    expect(order.paid).toBe(3_250_000_000n);
    expect(order.exceptions).toContain("late");
  });

  it("holds the late rest of an expired underpaid order under LATE_PAYMENT_POLICY=hold", async () => {
    sandbox = await startShop({ config: { adminIds: [ADMIN_ID], latePaymentPolicy: "hold" } });
    const admin = sandbox.user({ id: ADMIN_ID });
    const buyer = sandbox.user();
    const { message, comment, orderId } = await checkoutTon(buyer, "TON Developer");
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(200_000_000n, comment);
    await buyer.waitForText("We received 0.2 GRAM", { after: message.messageId });
    await expireOrders(storeAt(sandbox, 31 * 60_000));
    const expired = await buyer.waitForText("We received 0.2 of 0.5 GRAM", {
      after: message.messageId,
    });

    await wallet.pay(300_000_000n, comment);
    await buyer.waitForText(`Your payment for order ${orderId} arrived after the order expired`, {
      after: expired.messageId,
    });
    await admin.waitForText(`Order ${orderId} was paid after it expired and is held`);
    const order = await sandbox.app.store.require(orderId);
    expect(order).toMatchObject({ status: "paid", held: true, paid: HALF_TON });
    expect(buyer.fromBot().some((m) => m.text?.includes("Your download link"))).toBe(false);
  });

  it("keeps two buyers paying at the same moment apart", async () => {
    sandbox = await startShop();
    const alice = sandbox.user({ firstName: "Alice" });
    const carol = sandbox.user({ firstName: "Carol" });
    const [a, c] = await Promise.all([
      checkoutTon(alice, "TON Developer"),
      checkoutTon(carol, "TON mug"),
    ]);
    expect(a.comment).not.toBe(c.comment);
    const [aliceWallet, carolWallet] = await Promise.all([
      sandbox.buyerWallet(),
      sandbox.buyerWallet(),
    ]);
    await Promise.all([
      aliceWallet.pay(HALF_TON, a.comment),
      carolWallet.pay(3_250_000_000n, c.comment),
    ]);

    await alice.waitForText("Your download link", { after: a.message.messageId });
    await carol.waitForText("We will write to you about shipping", { after: c.message.messageId });
    expect(alice.fromBot().some((m) => m.text?.includes("shipping"))).toBe(false);
    expect(carol.fromBot().some((m) => m.text?.includes("download link"))).toBe(false);
    for (const { orderId } of [a, c]) {
      const order = await orderReaches(sandbox, orderId, "fulfilled");
      expect(order.payments).toHaveLength(1);
    }
  });

  it("still tells the buyer when the bot restarted between the order and the payment", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    const { message, comment, orderId } = await checkoutTon(buyer, "TON Developer");

    await sandbox.restart();
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(HALF_TON, comment);
    const paid = await buyer.waitForText("Payment received", { after: message.messageId });
    expect(paid.message.reply_to_message?.message_id).toBe(message.messageId);
    await buyer.waitForText("Receipt", { after: message.messageId });
    await orderReaches(sandbox, orderId, "fulfilled");
    // Told once, although two processes' notifiers have read the events stream.
    expect(buyer.fromBot().filter((m) => m.text?.includes("Payment received"))).toHaveLength(1);
  });

  it("hands out a key from the stock pool, one per order", async () => {
    sandbox = await startShop({ stock: { "vpn-keys": ["KEY-AAAA-1111", "KEY-BBBB-2222"] } });
    const buyer = sandbox.user();
    const { message, comment } = await checkoutTon(buyer, "VPN");
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(1_200_000_000n, comment);
    const key = await buyer.waitForText("Your key:", { after: message.messageId });
    expect(key.text).toMatch(/Your key: KEY-(AAAA-1111|BBBB-2222)/);
    expect(await sandbox.app.stock.available("vpn-keys")).toBe(1);
  });

  it("shows what is left in stock, and stops selling at zero", async () => {
    sandbox = await startShop({ stock: { "vpn-keys": ["KEY-ONLY-0001"] } });
    const first = sandbox.user();
    const { message, comment } = await checkoutTon(first, "VPN");
    expect(first.fromBot().some((m) => m.text?.includes("In stock: 1"))).toBe(true);
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(1_200_000_000n, comment);
    await first.waitForText("Your key: KEY-ONLY-0001", { after: message.messageId });

    const late = sandbox.user();
    late.send("/start buy_vpn-key");
    const card = await late.waitForText("Sold out");
    expect(card.text).toContain("In stock: 0");
    expect(late.buttonsData(card).some((data) => data.startsWith("buy"))).toBe(false);
    const forged = await late.pressData(
      buyData.pack({ id: "vpn-key", quantity: 1, method: "ton" }),
      card,
    );
    expect(forged?.text).toContain("Sold out");
    expect(await sandbox.app.store.listByUser(late.id, 10)).toEqual([]);
  });
});
