import { setTimeout as delay } from "node:timers/promises";
import {
  type EmulatedUser,
  startTelegramEmulator,
  type TelegramEmulator,
} from "@ton-payment-bot/emulators/telegram";
import { Bot } from "grammy";
import type { Update } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import type { BotContext } from "../../src/bot/context.js";
import { startPolling } from "../../src/bot/serve.js";
import { once, payStarsInvoice } from "../support/bot.js";
import { capturedLog } from "../support/log.js";

/*
 * Long polling against the Bot API emulator, which drops an update exactly when a getUpdates
 * offset passes it: a payment update stays with "Telegram" until its handler has succeeded.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A gate a handler waits at until the test opens it. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/** What the emulator still holds for the bot, i.e. what Telegram would deliver again. */
function pending(emulator: TelegramEmulator): Update[] {
  return emulator.state.queue.peek(100);
}

const isPayment = (update: Update) => update.message?.successful_payment !== undefined;

/**
 * A bot polling the emulator through startPolling, answering pre-checkout, replying "seen: <text>"
 * to text, and running `onPayment` for a successful payment before replying "recorded".
 */
async function pollingBot(onPayment: (attempt: number) => Promise<void>) {
  const emulator = await startTelegramEmulator();
  cleanups.push(() => emulator.close());
  const bot = new Bot<BotContext>(emulator.token, {
    botInfo: emulator.bot,
    client: { apiRoot: emulator.apiRoot },
  });
  let attempts = 0;
  bot.on("pre_checkout_query", (ctx) => ctx.answerPreCheckoutQuery(true));
  bot.on("message:successful_payment", async (ctx) => {
    await onPayment(++attempts);
    await ctx.reply("recorded");
  });
  bot.on("message:text", (ctx) => ctx.reply(`seen: ${ctx.message.text}`));
  bot.catch(() => undefined);
  const captured = capturedLog();
  const stop = await startPolling(bot, captured.log);
  const stopOnce = once(stop);
  cleanups.push(stopOnce);
  return { emulator, bot, captured, stop: stopOnce };
}

function texts(buyer: EmulatedUser, fragment: string) {
  return buyer.fromBot().filter((m) => m.text === fragment);
}

describe("long polling with payment updates", () => {
  it("keeps a payment update with Telegram until it is recorded, while later updates are handled once", async () => {
    const recording = gate();
    const { emulator, bot } = await pollingBot(() => recording.opened);
    const buyer = emulator.user();
    const other = emulator.user();

    await payStarsInvoice(bot, buyer);
    other.send("hello");
    await other.waitForText("seen: hello");
    // Several polls go by while the payment waits; each brings "hello" back, handled once.
    const polls = emulator.stats.byMethod.getUpdates ?? 0;
    await waitUntil(() => (emulator.stats.byMethod.getUpdates ?? 0) >= polls + 3, "more polls");

    expect(pending(emulator).some(isPayment)).toBe(true);
    expect(texts(other, "seen: hello")).toHaveLength(1);

    recording.open();
    await buyer.waitForText("recorded");
    await waitUntil(() => pending(emulator).length === 0, "Telegram to drop what was handled");
    other.send("after");
    await other.waitForText("seen: after");
    expect(texts(other, "seen: hello")).toHaveLength(1);
    expect(texts(buyer, "recorded")).toHaveLength(1);
  });

  it("holds back what does not fit in one batch behind a waiting payment, says so, and catches up", async () => {
    const recording = gate();
    const { emulator, bot, captured } = await pollingBot(() => recording.opened);
    const buyer = emulator.user();
    const other = emulator.user();
    await payStarsInvoice(bot, buyer);
    // A batch holds 100 updates: the payment and 99 of these; the 100th waits its turn.
    for (let n = 1; n <= 100; n++) other.send(`m${n}`);
    await other.waitForText("seen: m99");
    const saturated = () =>
      captured.records().find((r) => r.msg.startsWith("newer updates wait behind a payment"));
    await waitUntil(() => saturated() !== undefined, "the log line about waiting updates");

    expect(texts(other, "seen: m100")).toHaveLength(0);
    expect(saturated()).toMatchObject({ level: 50, orderId: "order-1" });

    recording.open();
    await other.waitForText("seen: m100");
    await buyer.waitForText("recorded");
    for (const n of [1, 50, 99, 100]) expect(texts(other, `seen: m${n}`)).toHaveLength(1);
  });

  it("handles a payment update again when its handler fails, without Telegram dropping it", async () => {
    let failNext = true;
    const { emulator, bot, captured } = await pollingBot(async () => {
      if (failNext) {
        failNext = false;
        throw new Error("OOM command not allowed when used memory > 'maxmemory'");
      }
    });
    const buyer = emulator.user();

    await payStarsInvoice(bot, buyer);
    await buyer.waitForText("recorded");
    await waitUntil(() => pending(emulator).length === 0, "Telegram to drop the payment");

    expect(texts(buyer, "recorded")).toHaveLength(1);
    const retry = captured.records().filter((r) => r.msg.startsWith("payment update not recorded"));
    expect(retry).toHaveLength(1);
    expect(retry[0]).toMatchObject({ level: 40, failures: 1, retryInMs: 1000 });
  });

  it("stops without waiting for a payment that cannot be recorded, and leaves it with Telegram", async () => {
    const { emulator, bot, stop, captured } = await pollingBot(() => new Promise(() => {}));
    const buyer = emulator.user();
    const other = emulator.user();
    other.send("before");
    await other.waitForText("seen: before");
    await payStarsInvoice(bot, buyer);
    // Handling "after", sent after the payment, means the payment update was taken too.
    other.send("after");
    await other.waitForText("seen: after");

    await stop();

    // Confirmed on the way out: everything before the payment. The offset cannot pass the
    // payment, so it and what came after it are delivered again on the next start.
    const left = pending(emulator);
    expect(left.map((u) => (isPayment(u) ? "payment" : u.message?.text))).toEqual([
      "payment",
      "after",
    ]);
    expect(texts(buyer, "recorded")).toHaveLength(0);
    expect(captured.records().map((r) => r.msg)).toContain(
      "payment updates not recorded yet stay with Telegram for the next start",
    );
  });
});
