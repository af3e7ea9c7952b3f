import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { redisKeys } from "../../src/redis/keys.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { usdtCatalogFile } from "../support/catalog.js";
import { capturedLog } from "../support/log.js";
import { orderReaches, startShop } from "../support/sandbox.js";
import { get, sample } from "../support/scrape.js";

/*
 * The whole shop with USDT on: the sandbox's test USDT is USDT_MASTER, the shop finds its jetton
 * wallet as it starts, and a USDT order is paid from a buyer's wallet app. (The order is made in
 * the store, as the "Pay with USDT" button makes it, to test detection apart from the chat.)
 */

const ADMIN_ID = 900_002;

describe("a shop that sells in USDT", () => {
  let sandbox: Sandbox;
  let captured: ReturnType<typeof capturedLog>;

  beforeEach(async () => {
    captured = capturedLog();
    sandbox = await startShop({ openShop: false, usdt: true, log: captured.log });
    await sandbox.restart({ catalogPath: await usdtCatalogFile(), adminIds: [ADMIN_ID] });
    await expect
      .poll(() => captured.records().some((r) => r.msg === "USDT arrives in our jetton wallet"))
      .toBe(true);
  });

  afterEach(() => sandbox.stop());

  async function usdtOrder(buyerId: number) {
    const order = await sandbox.app.store.create({
      userId: buyerId,
      chatId: buyerId,
      productId: "mug",
      quantity: 1,
      method: "usdt",
      currency: "USDT",
      amount: 12_500_000n,
      lang: "en",
      ttlMs: 30 * 60_000,
    });
    if (!order.comment) throw new Error("a USDT order has a comment");
    return { ...order, comment: order.comment };
  }

  it("finds a USDT payment sent with no notice at all, once, and delivers the order", async () => {
    const buyer = sandbox.user({ firstName: "Uma" });
    buyer.send("/start");
    await buyer.waitForText("Welcome");
    const order = await usdtOrder(buyer.id);
    const wallet = await sandbox.buyerWallet();

    await wallet.payUsdt(12_500_000n, order.comment, { forwardTonAmount: 0n });

    const paid = await orderReaches(sandbox, order.id, "fulfilled");
    expect(paid.paid).toBe(12_500_000n);
    expect(paid.payments).toHaveLength(1);
    expect(paid.payments[0]).toMatchObject({
      method: "usdt",
      currency: "USDT",
      amount: 12_500_000n,
    });
    await buyer.waitForText("Thanks for the mug");
    expect(await sandbox.merchantUsdt()).toBe(12_500_000n);
  });

  it("shows the admin what our jetton wallet holds", async () => {
    const buyer = sandbox.user({ firstName: "Vic" });
    buyer.send("/start");
    await buyer.waitForText("Welcome");
    const order = await usdtOrder(buyer.id);
    const wallet = await sandbox.buyerWallet();
    await wallet.payUsdt(12_500_000n, order.comment);
    await orderReaches(sandbox, order.id, "fulfilled");

    const admin = sandbox.user({ id: ADMIN_ID, firstName: "Merchant" });
    admin.send("/admin");
    const menu = await admin.waitForButton("Balances");
    await admin.press("Balances", menu);
    const balances = await admin.waitForText("Merchant wallet:");
    expect(balances.text).toContain("USDT (our jetton wallet): 12.5 USDT");
  });

  /** The admin's Health view, as /admin shows it now. */
  async function adminHealth(): Promise<string> {
    const admin = sandbox.user({ id: ADMIN_ID, firstName: "Merchant" });
    const before = admin.lastMessageId();
    admin.send("/admin");
    const menu = await admin.waitForButton("Health", { after: before });
    await admin.press("Health", menu);
    // The view replaces the menu in its message.
    const view = await admin.waitFor(
      (m) => m.messageId === menu.messageId && (m.text ?? "").includes("Fulfilment:"),
    );
    return view.text ?? "";
  }

  it("shows our jetton wallet's watcher in /admin health, /readyz and the metrics", async () => {
    await sandbox.restart({ metricsPort: 0 });
    const port = sandbox.app.metricsPort() ?? 0;

    await expect.poll(async () => (await get(port, "/readyz")).status).toBe(200);
    const metrics = (await get(port, "/metrics")).body;
    expect(sample(metrics, 'tpb_watcher_polls_total{wallet="jetton-wallet"}')).toBeGreaterThan(0);
    expect(sample(metrics, 'tpb_watcher_polls_total{wallet="merchant"}')).toBeGreaterThan(0);
    expect(metrics).toContain('tpb_watcher_lag_seconds{wallet="jetton-wallet"}');
    const health = await adminHealth();
    expect(health).toMatch(/^Watcher: leader \S+, cursor caught up \d+ s ago/m);
    expect(health).toMatch(/^USDT watcher \(our jetton wallet\): leader \S+, cursor caught up/m);
  });

  it("offers no USDT while our jetton wallet cannot be asked for, says so to the admin, and does once toncenter answers", async () => {
    // A first start, with no jetton wallet remembered from before, while toncenter fails.
    await sandbox.app.redis.del(redisKeys(sandbox.config.redisPrefix).jettonWallet);
    await sandbox.stopShop();
    sandbox.toncenter.setFaults({ serverErrorRate: 1 });
    const app = await createApp({ ...sandbox.config, metricsPort: 0 }, captured.log);
    try {
      await app.start();
      const port = app.metricsPort() ?? 0;
      expect(await adminHealth()).toContain(
        "USDT watcher: our jetton wallet is not known yet; toncenter is asked again in the background.",
      );
      // No USDT is offered until our jetton wallet is watched: a payment would not be found.
      const buyer = sandbox.user({ firstName: "Ida" });
      buyer.send("/start buy_mug");
      const card = await buyer.waitForButton("Pay with Gram (TON)");
      expect(card.text).not.toContain("USDT");

      sandbox.toncenter.setFaults({ serverErrorRate: 0 });
      await expect
        .poll(async () => (await get(port, "/metrics")).body, { timeout: 20_000 })
        .toContain('tpb_watcher_polls_total{wallet="jetton-wallet"}');
      await expect.poll(async () => (await get(port, "/readyz")).status).toBe(200);
      expect(await adminHealth()).toMatch(/^USDT watcher \(our jetton wallet\): leader/m);
      buyer.send("/start buy_mug");
      await buyer.waitForButton("Pay with USDT", { after: card.messageId });
    } finally {
      await app.stop();
    }
  });

  it("keeps a fake master's 'USDT' notice as a fake-jetton attempt and tells the admin, paying nothing", async () => {
    const order = await usdtOrder(778);
    const forger = await sandbox.chain.createWallet({ version: "v4" });
    const { deployJetton, mintJetton, sendJetton } = await import("@ton-payment-bot/emulators/ton");
    const fake = await deployJetton(sandbox.chain, forger, "https://example.invalid/usdt.json");
    await mintJetton(sandbox.chain, fake, forger.address, 1_000_000_000n);
    const admin = sandbox.user({ id: ADMIN_ID, firstName: "Merchant" });

    await sendJetton(sandbox.chain, fake, forger, {
      to: sandbox.merchant.address,
      amount: 12_500_000n,
      payload: order.comment,
    });

    await expect
      .poll(async () => (await sandbox.app.unmatched.list()).map((u) => u.reason))
      .toContain("fake-jetton");
    const notice = await admin.waitForText("12.5 USDT");
    expect(notice.text).toMatch(/fake|forged|not ours/i);
    expect((await sandbox.app.store.require(order.id)).status).toBe("pending");
    expect(await sandbox.merchantUsdt()).toBe(0n);
  });
});
