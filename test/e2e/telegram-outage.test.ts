import { setTimeout as delay } from "node:timers/promises";
import { freePort } from "@ton-payment-bot/emulators/redis";
import { afterEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.js";
import { Sandbox } from "../../src/sandbox/world.js";
import { capturedLog } from "../support/log.js";
import { testRedis } from "../support/redis.js";
import { checkoutTon, orderReaches, startShop } from "../support/sandbox.js";

/*
 * Telegram goes away — its front answers nginx's 502 page, or connections drop — while a buyer's
 * TON payment lands. The watcher records the payment meanwhile; the buyer's notice and goods wait,
 * tried again a bounded number of times per call, and go out once Telegram is back. The log says
 * "unreachable" once and "reachable again" once, however many calls failed in between.
 */

const HALF_TON = 500_000_000n;
const WENT_AWAY = "Telegram unreachable";
const CAME_BACK = "Telegram reachable again";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

/** Synchronisation only: waits for something the shop does, failing after a while. */
/** The settings of a shop taking updates by `botMode`: a webhook on loopback `port`, or polling. */
function botModeConfig(botMode: "polling" | "webhook", port: number) {
  return botMode === "webhook"
    ? {
        botMode,
        webhookUrl: `http://127.0.0.1:${port}/telegram/hook`,
        webhookSecret: "outage_webhook_secret_0123",
        port,
      }
    : {};
}

async function waitUntil(condition: () => boolean, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

describe("a Telegram outage", () => {
  it.each(["bad-gateway", "unreachable"] as const)(
    "holds the buyer's notice and goods until Telegram is back, and says so once each way (%s)",
    async (outage) => {
      const captured = capturedLog();
      const shop = await startShop({ log: captured.log });
      sandbox = shop;
      const telegram = shop.telegram;
      const lines = (msg: string) => captured.records().filter((r) => r.msg.startsWith(msg));
      const buyer = shop.user();
      const { message, comment, orderId } = await checkoutTon(buyer, "TON Developer");

      telegram.faults.outage = outage;
      const wallet = await shop.buyerWallet();
      await wallet.pay(HALF_TON, comment);
      await orderReaches(shop, orderId, "paid");
      await waitUntil(() => lines(WENT_AWAY).length > 0, "the outage to be noticed");
      // Calls keep failing and are tried again: no call waits out the outage on its own.
      const failedSoFar = telegram.stats.unanswered;
      await waitUntil(() => telegram.stats.unanswered >= failedSoFar + 3, "calls to be retried");
      expect(buyer.fromBot().filter((m) => m.messageId > message.messageId)).toEqual([]);

      telegram.faults.outage = undefined;

      const paid = await buyer.waitForText("Payment received", { after: message.messageId });
      await buyer.waitForText("Your download link", { after: paid.messageId });
      await orderReaches(shop, orderId, "fulfilled");
      const received = (fragment: string) =>
        buyer.fromBot().filter((m) => m.text?.includes(fragment));
      expect(received("Payment received")).toHaveLength(1);
      expect(received("Your download link")).toHaveLength(1);
      expect(lines(WENT_AWAY)).toEqual([
        expect.objectContaining({ level: 40, service: "telegram", method: expect.any(String) }),
      ]);
      expect(lines(CAME_BACK)).toEqual([
        expect.objectContaining({ level: 30, service: "telegram", failures: expect.any(Number) }),
      ]);
      expect(lines(CAME_BACK)[0]?.failures).toBeGreaterThanOrEqual(3);
      // No error lines on the way, and the token never reached the log.
      expect(captured.records().filter((r) => r.level >= 50)).toEqual([]);
      expect(captured.lines.join("")).not.toContain(telegram.token);

      // The buyer's own messages are answered again too.
      const since = buyer.lastMessageId();
      buyer.send("/shop");
      await buyer.waitForButton("TON Developer", { after: since });
    },
  );

  it.each(["polling", "webhook"] as const)(
    "keeps a shop started while Telegram is away waiting, and opens it once Telegram answers (%s)",
    async (botMode) => {
      const captured = capturedLog();
      const { redis, prefix, url } = testRedis();
      redis.disconnect();
      const port = await freePort();
      const shop = await Sandbox.start({
        redisUrl: url,
        redisPrefix: prefix,
        log: captured.log,
        openShop: false,
        telegram: { faults: { outage: "unreachable" } },
        config: botModeConfig(botMode, port),
      });
      sandbox = shop;
      const lines = (msg: string) => captured.records().filter((r) => r.msg.startsWith(msg));

      const opening = shop.restart();
      await waitUntil(() => lines(WENT_AWAY).length > 0, "the outage to be noticed");
      shop.telegram.faults.outage = undefined;
      await opening;

      const buyer = shop.user({ firstName: "Bob" });
      buyer.send("/start");
      await buyer.waitForText("Welcome to the shop, Bob!");
      expect(lines(WENT_AWAY)).toHaveLength(1);
      expect(lines(CAME_BACK)).toHaveLength(1);
    },
  );

  it.each(["polling", "webhook"] as const)(
    "gives up starting when stopped while Telegram is away, and takes no updates (%s)",
    async (botMode) => {
      const captured = capturedLog();
      const port = await freePort();
      const shop = await startShop({
        log: captured.log,
        openShop: false,
        telegram: { faults: { outage: "unreachable" } },
        config: botModeConfig(botMode, port),
      });
      sandbox = shop;
      const app = await createApp(shop.config, captured.log);
      const starting = app.start();
      await waitUntil(
        () => captured.records().some((r) => r.msg.startsWith(WENT_AWAY)),
        "the outage to be noticed",
      );

      await app.stop();
      await starting;

      const calls = shop.telegram.stats.byMethod;
      expect(calls.getUpdates ?? 0).toBe(0);
      expect(calls.setWebhook ?? 0).toBe(0);
      expect(shop.telegram.state.webhook).toBeUndefined();
      if (botMode === "webhook")
        await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    },
  );

  it("keeps a webhook shop trying setWebhook while Telegram answers it with 502", async () => {
    const port = await freePort();
    sandbox = await startShop({
      openShop: false,
      config: {
        botMode: "webhook",
        webhookUrl: `http://127.0.0.1:${port}/telegram/hook`,
        webhookSecret: "outage_webhook_secret_0123",
        port,
      },
      telegram: {
        faults: { serverError: { methods: ["setWebhook"], times: 2, status: 502 } },
      },
    });
    await sandbox.restart();

    expect(sandbox.telegram.stats.serverErrors).toBe(2);
    expect(sandbox.telegram.state.webhook?.url).toBe(`http://127.0.0.1:${port}/telegram/hook`);
    const buyer = sandbox.user({ firstName: "Bob" });
    buyer.send("/start");
    await buyer.waitForText("Welcome to the shop, Bob!");
  });
});
