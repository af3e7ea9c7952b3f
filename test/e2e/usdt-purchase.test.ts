import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import { afterEach, describe, expect, it } from "vitest";
import { paymentQrPng } from "../../src/payments/ton/links.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { orderReaches, startShop } from "../support/sandbox.js";

/** A mug priced in Gram and USDT, and a cap priced in USDT alone. */
async function usdtCatalog(): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "usdt-buy-")), "catalog.json");
  const product = (id: string, title: string, prices: Record<string, string>) => ({
    id,
    kind: "physical",
    title,
    description: `A ${id}`,
    prices,
    delivery: { type: "text", text: `Thanks for the ${id}` },
  });
  await writeFile(
    path,
    JSON.stringify({
      products: [
        product("mug", "TON mug", { gram: "3.25", usdt: "12.5" }),
        product("cap", "Dollar cap", { usdt: "20" }),
      ],
    }),
  );
  return path;
}

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

async function usdtShop(options: { buyersAgreeToTerms?: boolean } = {}): Promise<Sandbox> {
  const shop = await startShop({ openShop: false, usdt: true, ...options });
  sandbox = shop;
  await shop.restart({ catalogPath: await usdtCatalog() });
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
