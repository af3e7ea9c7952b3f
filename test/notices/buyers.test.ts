import { Address } from "@ton/core";
import type { ChatMessage, EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import { startTelegramEmulator, type TelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { Api, InputFile } from "grammy";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createI18n } from "../../src/bot/i18n.js";
import { type Logger, silentLogger } from "../../src/log.js";
import { BuyerNotifier } from "../../src/notices/buyers.js";
import { PaymentMessages } from "../../src/notices/payment-messages.js";
import { tonPaymentMessage } from "../../src/notices/ton-payment.js";
import { exampleCatalog, exampleProduct } from "../support/catalog.js";
import { capturedLog } from "../support/log.js";
import { testRedis } from "../support/redis.js";
import { shop, TON, tonOrder } from "../support/shop.js";

const merchant = new Address(0, Buffer.alloc(32, 3));
const ton = { merchant, testnet: true, walletPay: false };
const i18n = createI18n();
const t = (key: string, variables?: Record<string, string | number>) =>
  i18n.t("en", key, variables);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A buyer with a TON order for two mugs (6.5 TON) and its payment message and QR code as the bot
 * sends them, and a notifier that retries an event 300 ms after it failed.
 */
async function underway(options: { log?: Logger; maxAttempts?: number } = {}) {
  const emulator: TelegramEmulator = await startTelegramEmulator();
  cleanups.push(() => emulator.close());
  const { redis, prefix } = testRedis();
  cleanups.push(() => redis.quit());
  const { store, payments } = shop(redis, prefix);
  // A plain client: a refused call fails the event at once instead of being retried inside.
  const api = new Api(emulator.token, { apiRoot: emulator.apiRoot });
  const buyer: EmulatedUser = emulator.user();
  const order = await store.create(
    tonOrder({ userId: buyer.id, chatId: buyer.id, amount: 6_500_000_000n, quantity: 2 }),
  );
  const first = await tonPaymentMessage(order, exampleProduct("mug"), ton, t);
  const sent = await api.sendMessage(buyer.id, first.text, {
    parse_mode: "HTML",
    reply_markup: first.keyboard,
  });
  const qr = await api.sendPhoto(buyer.id, new InputFile(first.qr, "qr.png"), {
    caption: first.qrCaption,
  });
  const paymentMessages = new PaymentMessages(redis, prefix);
  await paymentMessages.remember(
    order.id,
    { messageId: sent.message_id, qrId: qr.message_id },
    order.expiresAt - order.createdAt,
  );

  const notifier = new BuyerNotifier({
    api,
    redis,
    prefix,
    store,
    catalog: exampleCatalog,
    paymentMessages,
    ton,
    i18n,
    log: options.log ?? silentLogger,
    blockMs: 100,
    staleMs: 300,
    maxAttempts: options.maxAttempts,
  });
  await notifier.start();
  cleanups.push(() => notifier.stop());

  const message = buyer.fromBot()[0] as ChatMessage;
  const photo = buyer.fromBot()[1] as ChatMessage;
  const payPart = () =>
    payments.recordPayment(order.id, {
      key: "ton:part",
      method: "ton",
      currency: "TON",
      amount: 2n * TON,
      receivedAt: Date.now(),
    });
  return { emulator, buyer, order, message, photo, payPart };
}

function notices(buyer: EmulatedUser) {
  return buyer.fromBot().filter((m) => m.text?.startsWith("We received 2 GRAM"));
}

describe("redrawing the payment message after a partial payment", () => {
  it("redraws it and tells the buyer once when the edit fails the first time", async () => {
    const { emulator, buyer, message, photo, payPart } = await underway();
    emulator.faults.rateLimit = { methods: ["editMessageText"], times: 1, retryAfterSeconds: 1 };

    await payPart();
    await buyer.waitForText("We received 2 GRAM");
    expect(message.text).toContain("Send the remaining 4.5 GRAM");
    expect(new URL(buyer.link("Open in Tonkeeper", message)).searchParams.get("amount")).toBe(
      "4500000000",
    );
    expect(photo.caption).toContain("4.5 GRAM");
    expect(emulator.stats.rateLimited).toBe(1);
    expect(notices(buyer)).toHaveLength(1);
  });

  it("tells the buyer once, and leaves the redrawn message as it is, when the notice fails after the edits", async () => {
    const { emulator, buyer, message, photo, payPart } = await underway();
    emulator.faults.rateLimit = { methods: ["sendMessage"], times: 1, retryAfterSeconds: 1 };

    await payPart();
    await buyer.waitForText("We received 2 GRAM");
    expect(emulator.stats.rateLimited).toBe(1);
    expect(notices(buyer)).toHaveLength(1);
    // The second try found the text already asking for the rest ("not modified") and went on.
    expect(message.edits).toBe(1);
    expect(message.text).toContain("Send the remaining 4.5 GRAM");
    expect(photo.caption).toContain("4.5 GRAM");
  });
});

describe("a buyer's notice Telegram keeps refusing", () => {
  it("is tried as often as allowed, then given up with an error line naming the order", async () => {
    const { log, records } = capturedLog();
    const { emulator, buyer, order, payPart } = await underway({ log, maxAttempts: 2 });
    // Telegram answers, and refuses: a flood wait far longer than a notice should wait for.
    emulator.faults.rateLimit = {
      methods: ["sendMessage"],
      times: Number.POSITIVE_INFINITY,
      retryAfterSeconds: 3600,
    };

    await payPart();

    await vi.waitFor(() =>
      expect(records().filter((r) => r.msg === "event given up after its last try")).toEqual([
        expect.objectContaining({ group: "notifier", orderId: order.id, attempt: 2 }),
      ]),
    );
    expect(emulator.stats.rateLimited).toBe(2);
    expect(notices(buyer)).toEqual([]);
  });

  it("is kept through a Telegram outage however long, and told once Telegram answers", async () => {
    const { log, records } = capturedLog();
    const { emulator, buyer, payPart } = await underway({ log, maxAttempts: 2 });
    emulator.faults.serverError = { methods: ["sendMessage"], times: Number.POSITIVE_INFINITY };

    await payPart();
    // More failed tries than maxAttempts: Telegram being away does not use them up.
    await vi.waitFor(() => expect(emulator.stats.serverErrors).toBeGreaterThan(2), {
      timeout: 30_000,
    });
    emulator.faults.serverError = undefined;

    await vi.waitFor(() => expect(notices(buyer)).toHaveLength(1), { timeout: 30_000 });
    expect(records().some((r) => r.msg === "event given up after its last try")).toBe(false);
  });
});
