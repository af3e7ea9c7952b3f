import { setTimeout as delay } from "node:timers/promises";
import { freePort } from "@ton-payment-bot/emulators/redis";
import type { Update } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/world.js";
import { capturedLog } from "../support/log.js";
import { startShop } from "../support/sandbox.js";
import { startShopProcess } from "../support/shop-process.js";

/*
 * The whole shop in webhook mode: Telegram's pushes come from the Bot API emulator, and a
 * repeated or stale delivery is made by hand where the emulator would take too long to make one.
 */

const SECRET = "shop_webhook-secret_42_abcdef";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function waitUntil(condition: () => boolean, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}

/** The shop taking its updates by webhook on a port of its own. */
async function webhookShop(log = capturedLog().log) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/telegram/hook`;
  const sandbox = await startShop({
    config: { botMode: "webhook", webhookUrl: url, webhookSecret: SECRET, port },
    log,
  });
  cleanups.push(() => sandbox.stop());
  return { sandbox, url };
}

function post(url: string, update: Update) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": SECRET },
    body: JSON.stringify(update),
  });
}

const helps = (sandbox: Sandbox, chatId: number) =>
  sandbox.telegram.state
    .messages(chatId)
    .filter((m) => m.fromBot && m.text?.includes("How to buy"));

describe("the shop in webhook mode", () => {
  it("still does what a button press asked after its query expired, answering Telegram 200 once", async () => {
    const captured = capturedLog();
    const { sandbox } = await webhookShop(captured.log);
    const buyer = sandbox.user({ callbackTimeoutMs: 300 });
    buyer.send("/start buy_mug");
    const card = await buyer.waitForButton("Pay with Gram (TON)");

    // The shop is down while the buyer taps "+": Telegram stops waiting for an answer.
    await sandbox.stopShop();
    expect(await buyer.press("+", card)).toBeUndefined();
    const { queue } = sandbox.telegram.state;
    expect(queue.size).toBe(1);

    await sandbox.restart();
    await buyer.waitFor((m) => m.messageId === card.messageId && !!m.text?.includes("Quantity: 2"));
    // Telegram holds an update until it is answered 2xx: dropped means answered, and never again.
    await waitUntil(() => queue.size === 0, "Telegram to drop the press");
    expect(buyer.fromBot().some((m) => m.text?.includes("Something went wrong"))).toBe(false);
    const late = captured
      .records()
      .filter((r) => r.msg === "button press answered after Telegram stopped waiting; carrying on");
    expect(late).toHaveLength(1);
  });

  it("runs an update delivered twice once, and answers every delivery", async () => {
    const { sandbox, url } = await webhookShop();
    const buyer = sandbox.user();
    buyer.send("/help");
    await buyer.waitForText("How to buy");
    const update: Update = {
      update_id: 1_900_000_000,
      message: {
        message_id: 1,
        date: Math.floor(Date.now() / 1000),
        chat: { id: buyer.id, type: "private", first_name: "Alice" },
        from: { id: buyer.id, is_bot: false, first_name: "Alice" },
        text: "/help",
        entities: [{ type: "bot_command", offset: 0, length: 5 }],
      },
    };

    // Side by side, as a load balancer's retry or Telegram's next try can come.
    const together = await Promise.all([post(url, update), post(url, update)]);
    const later = await post(url, update);

    for (const answer of together) expect([200, 503]).toContain(answer.status);
    expect(together.some((answer) => answer.status === 200)).toBe(true);
    expect(later.status).toBe(200);
    await waitUntil(() => helps(sandbox, buyer.id).length === 2, "the second answer");
    expect(helps(sandbox, buyer.id)).toHaveLength(2);
    const key = `${sandbox.config.redisPrefix}telegram-update:${update.update_id}`;
    expect(await sandbox.app.redis.get(key)).toBe("handled");
  });

  it("will not start with a WEBHOOK_SECRET Telegram would refuse or a stranger could guess", async () => {
    const { sandbox } = await webhookShop();
    await sandbox.stopShop();
    const requests = sandbox.telegram.stats.requests;
    const base = {
      ...sandbox.env(),
      BOT_MODE: "webhook",
      WEBHOOK_URL: "http://127.0.0.1:9/telegram/hook",
    };

    for (const [secret, problem] of [
      ["short_secret", "WEBHOOK_SECRET must be at least 16 characters"],
      ["base64+secret/value==", "WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and -"],
    ] as const) {
      const shop = startShopProcess({ ...base, WEBHOOK_SECRET: secret });
      cleanups.push(async () => shop.kill("SIGKILL"));
      expect((await shop.exited).code).toBe(1);
      const lines = shop.stderr().trim().split("\n");
      expect(lines).toHaveLength(1);
      const said = `Configuration error: ${problem}`;
      expect(lines[0]?.slice(0, said.length)).toBe(said);
      expect(shop.stderr()).not.toContain(secret);
    }
    // Stopped before it spoke to Telegram: no webhook set, nothing asked.
    expect(sandbox.telegram.stats.requests).toBe(requests);
  });
});
