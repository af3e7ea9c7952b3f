import { type Api, Bot } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/world.js";
import { invoiceFor, orderReaches, startShop } from "../support/sandbox.js";

const ADMIN_ID = 900_002;

/**
 * While the shop is down, another process holds the bot's updates for a moment: it says yes at
 * pre-checkout and takes every update without recording anything, then exits. Whatever payment
 * or refund `act` makes, its update is gone; only Telegram's Stars ledger still knows.
 */
async function whileShopIsDown<T>(sandbox: Sandbox, act: (api: Api) => Promise<T>): Promise<T> {
  const { telegram } = sandbox;
  await sandbox.stopShop();
  const standIn = new Bot(telegram.token, {
    botInfo: telegram.bot,
    client: { apiRoot: telegram.apiRoot },
  });
  standIn.on("pre_checkout_query", (ctx) => ctx.answerPreCheckoutQuery(true));
  await new Promise<void>((resolve, reject) => {
    standIn.start({ onStart: () => resolve() }).catch(reject);
  });
  try {
    const result = await act(standIn.api);
    const deadline = Date.now() + 5_000;
    while (telegram.state.queue.size > 0) {
      if (Date.now() > deadline) throw new Error("the stand-in did not take the updates");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return result;
  } finally {
    await standIn.stop();
  }
}

describe("the Stars ledger", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("delivers a Stars payment whose update was lost, once, and tells the admins where it was found", async () => {
    sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    const shop = sandbox;
    const admin = shop.user({ id: ADMIN_ID });
    const buyer = shop.user();
    const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");

    const paid = await whileShopIsDown(shop, () => buyer.payInvoice(invoice));
    expect(paid.ok).toBe(true);
    await shop.restart();
    expect((await shop.app.store.require(orderId)).status).toBe("pending");

    expect(await shop.app.reconcileStars()).toMatchObject({ recovered: 1 });
    await buyer.waitForText("Your download link", { after: invoice.messageId });
    await buyer.waitForText("Receipt", { after: invoice.messageId });
    const notice = await admin.waitForText(`Order ${orderId} paid: 150 ⭐`);
    expect(notice.text).toContain("Recovered from Telegram's Stars ledger");
    const order = await orderReaches(shop, orderId, "fulfilled");
    expect(order.payments.map((p) => p.key)).toEqual([`stars:${paid.chargeId}`]);

    // Another pass, and the update itself should Telegram deliver it after all, change nothing.
    expect(await shop.app.reconcileStars()).toMatchObject({ recovered: 0 });
    if (!paid.message) throw new Error("no successful_payment message");
    buyer.redeliver(paid.message);
    const marker = buyer.lastMessageId();
    buyer.send("/help");
    await buyer.waitForText("How to buy", { after: marker });
    const texts = buyer.fromBot().map((m) => m.text ?? "");
    expect(texts.filter((text) => text.includes("Your download link"))).toHaveLength(1);
    expect(texts.filter((text) => text.startsWith("Receipt"))).toHaveLength(1);
    expect(admin.fromBot().filter((m) => m.text?.includes(orderId))).toHaveLength(1);
    expect((await shop.app.store.require(orderId)).payments).toHaveLength(1);
  });

  it("marks an order refunded whose refund went through while the shop was down", async () => {
    sandbox = await startShop();
    const shop = sandbox;
    const buyer = shop.user();
    const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    const paid = await buyer.payInvoice(invoice);
    await orderReaches(shop, orderId, "fulfilled");
    const chargeId = paid.chargeId ?? "";

    await whileShopIsDown(shop, (api) => api.refundStarPayment(buyer.id, chargeId));
    await shop.restart();
    expect((await shop.app.store.require(orderId)).status).toBe("fulfilled");

    expect(await shop.app.reconcileStars()).toMatchObject({ refunded: 1 });
    await buyer.waitForText(`Order ${orderId} was refunded`);
    expect(await shop.app.reconcileStars()).toMatchObject({ refunded: 0 });
    const marker = buyer.lastMessageId();
    buyer.send("/help");
    await buyer.waitForText("How to buy", { after: marker });
    expect(buyer.fromBot().filter((m) => m.text?.includes("was refunded"))).toHaveLength(1);
    expect((await shop.app.store.require(orderId)).status).toBe("refunded");
  });
});
