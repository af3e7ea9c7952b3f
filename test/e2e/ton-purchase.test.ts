import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Sandbox } from "../../src/sandbox/world.js";
import { testRedis } from "../support/redis.js";

describe("a TON purchase through the bot", () => {
  let sandbox: Sandbox;

  beforeEach(async () => {
    const { url, redis } = testRedis();
    redis.disconnect();
    sandbox = await Sandbox.start({ redisUrl: url });
  });
  afterEach(() => sandbox.stop());

  it("shop → product → pay in TON → paid → goods and receipt", async () => {
    const buyer = sandbox.user({ firstName: "Bob" });
    buyer.send("/start");
    await buyer.waitForText("Welcome to the shop, Bob!");
    buyer.send("/shop");
    await buyer.press("TON Developer", await buyer.waitForButton("TON Developer"));
    const card = await buyer.waitForButton("Pay with TON");
    expect(card.text).toContain("TON: 0.5 TON");
    const before = buyer.lastMessageId();
    await buyer.press("Pay with TON", card);
    const payment = await buyer.waitForText("Send exactly", { after: before });
    const comment = /with the comment (\S+)/.exec(payment.text ?? "")?.[1] ?? "";
    expect(comment).toMatch(/^TP-/);
    expect(payment.text).toContain("0.5 TON");
    await buyer.waitFor((m) => m.photo !== undefined, { after: before });

    const wallet = await sandbox.buyerWallet();
    await wallet.pay(500_000_000n, comment);
    await buyer.waitForText("Payment received", { after: before });
    await buyer.waitForText("Your download link", { after: before });
    const receipt = await buyer.waitForText("Receipt", { after: before });
    expect(receipt.text).toContain("Paid: 0.5 TON");
  });
});
