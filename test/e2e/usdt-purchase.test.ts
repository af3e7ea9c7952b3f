import { toNano } from "@ton/core";
import type { EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import { mintJetton } from "@ton-payment-bot/emulators/ton";
import { afterEach, describe, expect, it } from "vitest";
import { paymentQrPng } from "../../src/payments/ton/links.js";
import { JETTON_TRANSFER_TON } from "../../src/payments/tonconnect/request.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { usdtCatalogFile } from "../support/catalog.js";
import { orderReaches, startShop } from "../support/sandbox.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

async function usdtShop(options: { buyersAgreeToTerms?: boolean } = {}): Promise<Sandbox> {
  const shop = await startShop({ openShop: false, usdt: true, ...options });
  sandbox = shop;
  await shop.restart({ catalogPath: await usdtCatalogFile() });
  return shop;
}

/** The payment message's order id and comment, as a buyer copies them. */
function orderOf(text: string | undefined) {
  const comment = /with the comment (\S+)/.exec(text ?? "")?.[1] ?? "";
  const orderId = /^Order (\S+)/.exec(text ?? "")?.[1] ?? "";
  return { comment, orderId };
}

/** What the buyer's chat says about `text`, counted, to tell "once" from "twice". */
function countOf(buyer: EmulatedUser, text: string): number {
  return buyer.fromBot().filter((m) => (m.text ?? "").includes(text)).length;
}

describe("buying in USDT through the bot", () => {
  it("takes a buyer from the card through the terms to a USDT payment message, asks for the rest after an underpayment, and delivers once", async () => {
    const shop = await usdtShop({ buyersAgreeToTerms: false });
    const master = shop.usdt?.master;
    if (!master) throw new Error("the sandbox has test USDT");
    const buyer = shop.user({ firstName: "Uma" });

    buyer.send("/start buy_mug");
    const card = await buyer.waitForButton("Pay with USDT");
    expect(card.text).toContain("3.25 GRAM");
    expect(card.text).toContain("USDT: 12.5 USDT");
    let before = buyer.lastMessageId();
    await buyer.press("Pay with USDT", card);
    const terms = await buyer.waitForButton("I agree", { after: before });
    await buyer.press("I agree", terms);
    const message = await buyer.waitForText("Send exactly", { after: terms.messageId });
    const { comment, orderId } = orderOf(message.text);

    const friendly = shop.merchant.address.toString({ bounceable: false, testOnly: true });
    expect(message.text).toContain("Send exactly 12.5 USDT");
    expect(message.text).toContain(`to ${friendly}`);
    expect(message.text).toContain("USDT on the TON network only");
    expect(message.text).toContain("0.05 GRAM for the network fee");
    expect(await shop.app.store.require(orderId)).toMatchObject({
      method: "usdt",
      currency: "USDT",
      amount: 12_500_000n,
      comment,
    });
    const tonkeeper = new URL(buyer.link("Open in Tonkeeper", message));
    expect(tonkeeper.pathname).toBe(`/transfer/${friendly}`);
    expect(Object.fromEntries(tonkeeper.searchParams)).toEqual({
      jetton: master.toString({ urlSafe: true, testOnly: true }),
      amount: "12500000",
      text: comment,
    });
    const qr = await buyer.waitFor((m) => m.photo !== undefined, { after: message.messageId });
    const request = { address: shop.merchant.address, comment, testnet: true, jetton: master };
    expect(qr.photo?.bytes?.equals(await paymentQrPng({ ...request, amount: 12_500_000n }))).toBe(
      true,
    );
    expect(qr.caption).toBe(`Scan with your phone's wallet: 12.5 USDT, comment ${comment}.`);

    const wallet = await shop.buyerWallet();
    await wallet.payUsdt(5_000_000n, comment);
    const owed = await buyer.waitForText("We received 5 USDT", { after: qr.messageId });
    expect(owed.text).toContain("send the remaining 7.5 USDT with the same comment");
    await buyer.waitFor((m) => m.messageId === message.messageId && m.edits > 0);
    await buyer.waitFor((m) => m.messageId === qr.messageId && m.edits > 0);
    expect(message.text).toContain("We received 5 of 12.5 USDT. Send the remaining 7.5 USDT");
    expect(qr.caption).toBe(`Scan with your phone's wallet: 7.5 USDT, comment ${comment}.`);

    before = buyer.lastMessageId();
    await wallet.payLink(buyer.link("Open in Tonkeeper", message));
    await buyer.waitForText("Thanks for the mug", { after: before });
    const order = await orderReaches(shop, orderId, "fulfilled");
    expect(order.paid).toBe(12_500_000n);
    expect(order.payments.map((p) => [p.method, p.amount])).toEqual([
      ["usdt", 5_000_000n],
      ["usdt", 7_500_000n],
    ]);
    expect(await shop.merchantUsdt()).toBe(12_500_000n);
    expect(countOf(buyer, "Thanks for the mug")).toBe(1);
  });

  it("lists a product priced in USDT alone, and sells it from the link in the payment message", async () => {
    const shop = await usdtShop();
    const buyer = shop.user({ firstName: "Vic" });

    buyer.send("/shop");
    const list = await buyer.waitForButton("Dollar cap");
    await buyer.press("Dollar cap", list);
    const card = await buyer.waitForButton("Pay with USDT");
    expect(card.text).toContain("USDT: 20 USDT");
    expect(card.text).not.toContain("GRAM");
    await buyer.press("Pay with USDT", card);
    const message = await buyer.waitForText("Send exactly 20 USDT", { after: card.messageId });
    const { orderId } = orderOf(message.text);

    const wallet = await shop.buyerWallet();
    await wallet.payLink(buyer.link("Open in Tonkeeper", message));
    await buyer.waitForText("Thanks for the cap", { after: message.messageId });
    const order = await orderReaches(shop, orderId, "fulfilled");
    expect(order.payments).toHaveLength(1);
    expect(countOf(buyer, "Thanks for the cap")).toBe(1);
  });
});

describe("a USDT order across a restart", () => {
  it("is paid and delivered once when the shop restarts between the order and the payment", async () => {
    const shop = await usdtShop();
    const buyer = shop.user({ firstName: "Rey" });
    buyer.send("/start buy_mug");
    const card = await buyer.waitForButton("Pay with USDT");
    await buyer.press("Pay with USDT", card);
    const message = await buyer.waitForText("Send exactly 12.5 USDT", { after: card.messageId });
    const { orderId } = orderOf(message.text);

    // Paid while the shop is down; a new process finds our jetton wallet again and reads on
    // from its cursor.
    await shop.stopShop();
    const wallet = await shop.buyerWallet();
    await wallet.payLink(buyer.link("Open in Tonkeeper", message));
    await shop.restart();
    await buyer.waitForText("Thanks for the mug", { after: message.messageId });
    const order = await orderReaches(shop, orderId, "fulfilled");
    expect(order.payments.map((p) => [p.method, p.amount])).toEqual([["usdt", 12_500_000n]]);
    expect(await shop.merchantUsdt()).toBe(12_500_000n);

    // And another restart after it: nothing is applied or delivered twice.
    await shop.restart();
    const again = buyer.lastMessageId();
    await wallet.payUsdt(1_000_000n, "TP-UNKNOWN");
    await expect.poll(() => shop.app.unmatched.count()).toBe(1);
    expect(buyer.fromBot().filter((m) => m.messageId > again)).toEqual([]);
    expect(countOf(buyer, "Thanks for the mug")).toBe(1);
    expect((await shop.app.store.require(orderId)).payments).toHaveLength(1);
  });
});

/**
 * A buyer with a fresh USDT order for the mug, and their wallet app holding `usdt` millionths of
 * the shop's USDT, connected through "Pay with my wallet" on the payment message.
 */
async function buyerWithUsdtWallet(usdt: bigint, options: { ton?: bigint } = {}) {
  const shop = await usdtShop();
  const jetton = shop.usdt;
  if (!jetton) throw new Error("the sandbox has test USDT");
  const phone = await shop.walletApp({ balance: options.ton });
  if (usdt > 0n) await mintJetton(shop.chain, jetton, phone.address, usdt);
  const buyer = shop.user({ firstName: "Wen" });
  buyer.send("/start buy_mug");
  const card = await buyer.waitForButton("Pay with USDT");
  await buyer.press("Pay with USDT", card);
  const message = await buyer.waitForText("Send exactly", { after: card.messageId });
  const { orderId } = orderOf(message.text);
  const before = buyer.lastMessageId();
  await buyer.press("Pay with my wallet", message);
  const offer = await buyer.waitForButton("Tonkeeper", { after: before });
  expect(await phone.openLink(buyer.link("Tonkeeper", offer))).toBe("connected");
  const connected = await buyer.waitForText("is connected:", { after: before });
  return { shop, jetton, phone, buyer, orderId, connected };
}

describe("paying a USDT order from a connected wallet", () => {
  it("asks the wallet for a jetton transfer from its own USDT wallet, and delivers once the watcher sees it", async () => {
    const { shop, jetton, phone, buyer, orderId, connected } =
      await buyerWithUsdtWallet(50_000_000n);
    expect(connected.text).toContain(`Pay order ${orderId} — 12.5 USDT`);

    const before = buyer.lastMessageId();
    const answer = await buyer.press("Pay with my wallet", connected);
    expect(answer?.text).toContain("Confirm the payment in Tonkeeper");
    await buyer.waitForText("Payment request sent to Tonkeeper: 12.5 USDT", { after: before });

    const request = await phone.nextRequest();
    expect(request.messages).toHaveLength(1);
    const [transfer] = request.messages;
    expect(transfer?.address.equals(await jetton.walletOf(phone.address))).toBe(true);
    expect(transfer?.amount).toBe(JETTON_TRANSFER_TON);
    // TEP-74 transfer: op, query id, the USDT, then the merchant it goes to.
    const body = transfer?.payload?.beginParse();
    expect(body?.loadUint(32)).toBe(0x0f8a7ea5);
    body?.loadUintBig(64);
    expect(body?.loadCoins()).toBe(12_500_000n);
    expect(body?.loadAddress().equals(shop.merchant.address)).toBe(true);
    await buyer.waitForText("Thanks for the mug", { after: before });
    const order = await orderReaches(shop, orderId, "fulfilled");
    expect(request.outcome).toBe("approved");
    expect(order.payments.map((p) => [p.method, p.amount])).toEqual([["usdt", 12_500_000n]]);
    expect(await shop.merchantUsdt()).toBe(12_500_000n);
    expect(countOf(buyer, "Thanks for the mug")).toBe(1);
  });

  it("tells a buyer whose wallet holds no USDT so, and asks the wallet for nothing", async () => {
    const { shop, phone, buyer, orderId, connected } = await buyerWithUsdtWallet(0n);

    const before = buyer.lastMessageId();
    await buyer.press("Pay with my wallet", connected);
    const told = await buyer.waitForText("Your wallet holds 0 USDT on TON", { after: before });
    expect(told.text).toContain(`less than the 12.5 USDT order ${orderId} needs`);
    expect(phone.requests).toEqual([]);
    expect((await shop.app.store.require(orderId)).status).toBe("pending");
  });

  it("tells a buyer whose wallet holds too little Gram for the transfer's fee so, and asks the wallet for nothing", async () => {
    const { shop, phone, buyer, orderId, connected } = await buyerWithUsdtWallet(50_000_000n, {
      ton: toNano("0.01"),
    });

    const before = buyer.lastMessageId();
    await buyer.press("Pay with my wallet", connected);
    const told = await buyer.waitForText("a USDT transfer needs for network fees", {
      after: before,
    });
    expect(told.text).toMatch(/^Your wallet holds 0\.0\d* GRAM, less than the 0\.06 GRAM /);
    expect(phone.requests).toEqual([]);
    expect((await shop.app.store.require(orderId)).status).toBe("pending");
  });

  it("asks a buyer to try again when toncenter does not answer about their wallet, then pays once it does", async () => {
    const { shop, phone, buyer, orderId, connected } = await buyerWithUsdtWallet(50_000_000n);

    shop.toncenter.setFaults({ serverErrorRate: 1 });
    let before = buyer.lastMessageId();
    await buyer.press("Pay with my wallet", connected);
    const told = await buyer.waitForText("We could not look at your wallet just now", {
      after: before,
    });
    expect(told.text).toContain(`pay order ${orderId} with the link or QR code above`);
    expect(phone.requests).toEqual([]);
    expect((await shop.app.store.require(orderId)).status).toBe("pending");

    shop.toncenter.setFaults({ serverErrorRate: 0 });
    before = buyer.lastMessageId();
    await buyer.press("Pay with my wallet", connected);
    await buyer.waitForText("Payment request sent to Tonkeeper: 12.5 USDT", { after: before });
    expect((await phone.nextRequest()).messages).toHaveLength(1);
    await buyer.waitForText("Thanks for the mug", { after: before });
    expect(countOf(buyer, "Thanks for the mug")).toBe(1);
  });
});
