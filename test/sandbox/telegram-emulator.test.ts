import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { Api, Bot, GrammyError, InputFile } from "grammy";
import type { Message, PreCheckoutQuery, Update } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import {
  startTelegramEmulator,
  type TelegramEmulator,
  type TelegramEmulatorOptions,
} from "../../src/sandbox/telegram/index.js";

/*
 * The Bot API emulator, spoken to over loopback by grammY's own client, held to what
 * core.telegram.org/bots/api documents: status codes, descriptions, long polling, webhooks,
 * files, button presses, commands and Telegram Stars payments.
 */

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startEmulator(options?: TelegramEmulatorOptions) {
  const emulator = await startTelegramEmulator(options);
  cleanups.push(() => emulator.close());
  return { emulator, api: new Api(emulator.token, { apiRoot: emulator.apiRoot }) };
}

/** A grammY bot long-polling the emulator, stopped after the test. */
async function startPollingBot(emulator: TelegramEmulator, install: (bot: Bot) => void) {
  const bot = new Bot(emulator.token, {
    botInfo: emulator.bot,
    client: { apiRoot: emulator.apiRoot },
  });
  install(bot);
  await new Promise<void>((resolve, reject) => {
    bot.start({ onStart: () => resolve() }).catch(reject);
  });
  cleanups.push(async () => {
    if (bot.isRunning()) await bot.stop();
  });
  return bot;
}

/** The GrammyError a call failed with. */
async function failureOf(call: Promise<unknown>): Promise<GrammyError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof GrammyError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

/** Synchronisation only: waits for something another party does, failing after a while. */
async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

interface Delivery {
  secret: string | undefined;
  update: Update;
  status?: number;
}

/** A bot's webhook endpoint; `statusFor` decides the answer to the n-th request (from 0). */
async function startWebhookReceiver(statusFor: (index: number) => Promise<number> | number) {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const secret = request.headers["x-telegram-bot-api-secret-token"];
      const delivery: Delivery = {
        secret: typeof secret === "string" ? secret : undefined,
        update: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Update,
      };
      const index = deliveries.push(delivery) - 1;
      const status = await statusFor(index);
      delivery.status = status;
      response.writeHead(status).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/telegram/webhook`, deliveries };
}

const BUY_KEYBOARD = { inline_keyboard: [[{ text: "Buy", callback_data: "buy:mug" }]] };

describe("Bot API errors", () => {
  it("refuses a wrong token with 401 Unauthorized", async () => {
    const { emulator } = await startEmulator();
    const stranger = new Api(`${emulator.bot.id}:not-this-bots-token`, {
      apiRoot: emulator.apiRoot,
    });

    const error = await failureOf(stranger.getMe());

    expect(error.error_code).toBe(401);
    expect(error.description).toBe("Unauthorized");
  });

  it("answers an unknown method with 404 and matches known ones case-insensitively", async () => {
    const { emulator, api } = await startEmulator();
    const raw = api.raw as unknown as Record<string, (payload: object) => Promise<unknown>>;
    const sendTelepathy = defined(raw.sendTelepathy, "the raw method");

    const error = await failureOf(sendTelepathy({ chat_id: 1 }));
    const upperCase = await fetch(`${emulator.apiRoot}/bot${emulator.token}/GETME`);

    expect(error.error_code).toBe(404);
    expect(error.description).toMatch(/^Not Found/);
    expect(upperCase.status).toBe(200);
    expect(await upperCase.json()).toEqual({ ok: true, result: emulator.bot });
  });

  it("writes error bodies as exactly ok, error_code and description", async () => {
    const { emulator } = await startEmulator();
    const unauthorized = await fetch(`${emulator.apiRoot}/bot1:wrong/getMe`);
    const notFound = await fetch(`${emulator.apiRoot}/bot${emulator.token}/sendTelepathy`);

    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("content-type")).toMatch(/^application\/json/);
    const unauthorizedBody = JSON.parse(await unauthorized.text()) as Record<string, unknown>;
    expect(unauthorizedBody).toStrictEqual({
      ok: false,
      error_code: 401,
      description: "Unauthorized",
    });
    expect(Object.keys(unauthorizedBody)).toEqual(["ok", "error_code", "description"]);

    expect(notFound.status).toBe(404);
    const notFoundBody = JSON.parse(await notFound.text()) as Record<string, unknown>;
    expect(Object.keys(notFoundBody)).toEqual(["ok", "error_code", "description"]);
    expect(notFoundBody).toMatchObject({ ok: false, error_code: 404 });
    expect(notFoundBody.description).toMatch(/^Not Found/);
  });

  it("answers a flooding bot with 429 and retry_after, then serves it again", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    emulator.faults.rateLimit = { methods: ["sendMessage"], times: 1, retryAfterSeconds: 3 };

    const error = await failureOf(api.sendMessage(alice.id, "Your order is ready"));
    const other = await api.getMe();

    expect(error.error_code).toBe(429);
    expect(error.description).toBe("Too Many Requests: retry after 3");
    expect(error.parameters.retry_after).toBe(3);
    expect(other.id).toBe(emulator.bot.id);
    expect(alice.fromBot()).toHaveLength(0);

    await api.sendMessage(alice.id, "Your order is ready");
    expect(alice.fromBot().map((m) => m.text)).toEqual(["Your order is ready"]);
    expect(emulator.stats.rateLimited).toBe(1);
  });
});

describe("sendMessage", () => {
  it("refuses a chat that never talked to the bot with 400 chat not found", async () => {
    const { api } = await startEmulator();

    const error = await failureOf(api.sendMessage(123_456, "Hello"));

    expect(error.error_code).toBe(400);
    expect(error.description).toBe("Bad Request: chat not found");
  });

  it("refuses a user who blocked the bot with 403, and writes again once unblocked", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    emulator.state.setBlocked(alice.id, true);

    const error = await failureOf(api.sendMessage(alice.id, "Come back!"));

    expect(error.error_code).toBe(403);
    expect(error.description).toBe("Forbidden: bot was blocked by the user");
    expect(alice.fromBot()).toHaveLength(0);

    emulator.state.setBlocked(alice.id, false);
    await api.sendMessage(alice.id, "Welcome back");
    expect(alice.fromBot().map((m) => m.text)).toEqual(["Welcome back"]);
  });

  it("refuses empty text, including HTML that renders to nothing", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();

    const empty = await failureOf(api.sendMessage(alice.id, ""));
    const blankHtml = await failureOf(
      api.sendMessage(alice.id, "<b> </b>", { parse_mode: "HTML" }),
    );

    for (const error of [empty, blankHtml]) {
      expect(error.error_code).toBe(400);
      expect(error.description).toBe("Bad Request: message text is empty");
    }
    expect(alice.fromBot()).toHaveLength(0);
  });

  it("stores HTML text as the plain text the buyer reads", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();

    const sent = await api.sendMessage(
      alice.id,
      '<b>Total:</b> 5 &lt; 6 &amp; <a href="https://t.me/x">pay</a> &#8212; <i>done</i>',
      { parse_mode: "HTML" },
    );

    expect(sent.text).toBe("Total: 5 < 6 & pay — done");
    const stored = defined(alice.fromBot().at(-1), "the stored message");
    expect(stored.text).toBe("Total: 5 < 6 & pay — done");
    expect(stored.parseMode).toBe("HTML");
  });

  it("refuses a tag Telegram does not support, saying where", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();

    const error = await failureOf(
      api.sendMessage(alice.id, "Line<br>next", { parse_mode: "HTML" }),
    );

    expect(error.error_code).toBe(400);
    expect(error.description).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 4',
    );
  });
});

describe("getUpdates", () => {
  it("answers a long poll as soon as the user writes", { timeout: 15_000 }, async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    let settled = false;
    const poll = api.getUpdates({ timeout: 50 }).finally(() => {
      settled = true;
    });
    await waitUntil(() => emulator.stats.byMethod.getUpdates === 1, "the poll to arrive");
    expect(settled).toBe(false);

    alice.send("Hello");
    const updates = await poll;

    expect(updates).toHaveLength(1);
    const message = defined(updates[0]?.message, "the message update");
    expect(message.text).toBe("Hello");
    expect(message.from?.id).toBe(alice.id);
    expect(message.chat).toMatchObject({ id: alice.id, type: "private" });
  });

  it("keeps updates until an offset confirms them", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    alice.send("one");
    alice.send("two");

    const first = await api.getUpdates({ timeout: 0 });
    const again = await api.getUpdates({ timeout: 0 });
    const [one, two] = first;
    const afterOne = await api.getUpdates({ offset: defined(one, "one").update_id + 1 });
    const afterTwo = await api.getUpdates({ offset: defined(two, "two").update_id + 1 });

    expect(first.map((u) => u.message?.text)).toEqual(["one", "two"]);
    expect(again).toEqual(first);
    expect(afterOne.map((u) => u.message?.text)).toEqual(["two"]);
    expect(afterTwo).toEqual([]);
  });

  it("keeps only the last -offset updates for a negative offset", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    for (const text of ["one", "two", "three"]) alice.send(text);

    const last = await api.getUpdates({ offset: -1 });
    const remaining = await api.getUpdates();

    expect(last.map((u) => u.message?.text)).toEqual(["three"]);
    expect(remaining.map((u) => u.message?.text)).toEqual(["three"]);
  });

  it("delivers only the kinds in allowed_updates, and keeps the setting when omitted", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    await api.getUpdates({ allowed_updates: ["callback_query"] });
    await api.sendMessage(alice.id, "A mug", { reply_markup: BUY_KEYBOARD });

    alice.send("a text the bot does not want");
    void alice.press("Buy");
    const filtered = await api.getUpdates();

    expect(filtered).toHaveLength(1);
    expect(filtered[0]?.callback_query?.data).toBe("buy:mug");

    await api.getUpdates({
      offset: defined(filtered[0], "press").update_id + 1,
      allowed_updates: [],
    });
    alice.send("wanted again");
    const restored = await api.getUpdates();
    expect(restored.map((u) => u.message?.text)).toEqual(["wanted again"]);
  });

  it("still delivers updates created before allowed_updates changed", async () => {
    // core.telegram.org: "this parameter doesn't affect updates created before the call".
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    alice.send("sent before the filter");

    const updates = await api.getUpdates({ allowed_updates: ["callback_query"] });

    expect(updates.map((u) => u.message?.text)).toEqual(["sent before the filter"]);
  });

  it("ends a long poll with 409 when a second getUpdates arrives", async () => {
    const { emulator, api } = await startEmulator();
    const first = failureOf(api.getUpdates({ timeout: 50 }));
    await waitUntil(() => emulator.stats.byMethod.getUpdates === 1, "the first poll to arrive");

    const second = await api.getUpdates({ timeout: 0 });
    const error = await first;

    expect(second).toEqual([]);
    expect(error.error_code).toBe(409);
    expect(error.description).toBe(
      "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
    );
  });

  it("refuses getUpdates with 409 while a webhook is set, and serves it once deleted", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const receiver = await startWebhookReceiver(() => 500);
    await api.setWebhook(receiver.url);

    const error = await failureOf(api.getUpdates());

    expect(error.error_code).toBe(409);
    expect(error.description).toBe(
      "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
    );

    await api.deleteWebhook();
    alice.send("polling again");
    const updates = await api.getUpdates();
    expect(updates.map((u) => u.message?.text)).toEqual(["polling again"]);
  });
});

describe("editMessageText", () => {
  it("edits the bot's message and refuses an edit that changes nothing", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const sent = await api.sendMessage(alice.id, "Order #1: awaiting payment");

    const edited = await api.editMessageText(alice.id, sent.message_id, "Order #1: paid");
    const error = await failureOf(api.editMessageText(alice.id, sent.message_id, "Order #1: paid"));

    expect(edited).toMatchObject({ message_id: sent.message_id, text: "Order #1: paid" });
    expect(error.error_code).toBe(400);
    expect(error.description).toMatch(/^Bad Request: message is not modified/);
    const stored = defined(emulator.state.findMessage(alice.id, sent.message_id), "the message");
    expect(stored.text).toBe("Order #1: paid");
    expect(stored.edits).toBe(1);
  });

  it("refuses an edit to text that is empty once the HTML is parsed", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const sent = await api.sendMessage(alice.id, "Order #1: awaiting payment");

    const error = await failureOf(
      api.editMessageText(alice.id, sent.message_id, "<i> </i>", { parse_mode: "HTML" }),
    );

    expect(error.error_code).toBe(400);
    expect(error.description).toBe("Bad Request: message text is empty");
    expect(emulator.state.findMessage(alice.id, sent.message_id)?.text).toBe(
      "Order #1: awaiting payment",
    );
  });

  it("refuses to edit a message by an id from another chat", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const bob = emulator.user({ firstName: "Bob" });
    await api.sendMessage(alice.id, "First");
    const alicesOrder = await api.sendMessage(alice.id, "Alice's order");
    await api.sendMessage(bob.id, "Bob's only message");

    const error = await failureOf(api.editMessageText(bob.id, alicesOrder.message_id, "Hijacked"));

    expect(error.error_code).toBe(400);
    expect(error.description).toBe("Bad Request: message to edit not found");
    expect(alice.fromBot().map((m) => m.text)).toEqual(["First", "Alice's order"]);
    expect(bob.fromBot().map((m) => m.text)).toEqual(["Bob's only message"]);
  });

  it("refuses to edit what the user wrote", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const written = alice.send("I want a refund");

    const error = await failureOf(api.editMessageText(alice.id, written.messageId, "Never mind"));

    expect(error.error_code).toBe(400);
    expect(error.description).toBe("Bad Request: message can't be edited");
    expect(emulator.state.findMessage(alice.id, written.messageId)?.text).toBe("I want a refund");
  });
});

describe("sendPhoto", () => {
  it("stores an uploaded photo byte for byte and sends it again by file_id", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    // CRLFs and dashes inside the bytes must not confuse the multipart reader.
    const bytes = Buffer.concat([
      randomBytes(3000),
      Buffer.from("\r\n--\r\n\r\n"),
      randomBytes(3000),
    ]);

    const sent = await api.sendPhoto(alice.id, new InputFile(bytes, "qr.png"), {
      caption: "Scan to pay",
    });
    const photo = defined(sent.photo.at(-1), "the photo size");
    const resent = await api.sendPhoto(alice.id, photo.file_id);

    expect(sent.caption).toBe("Scan to pay");
    expect(photo.file_size).toBe(bytes.length);
    expect(emulator.state.files.get(photo.file_id)?.bytes).toEqual(bytes);
    const [first, second] = alice.fromBot();
    expect(first?.photo?.bytes).toEqual(bytes);
    expect(resent.message_id).toBe(sent.message_id + 1);
    expect(resent.photo.at(-1)?.file_unique_id).toBe(photo.file_unique_id);
    expect(second?.photo?.bytes).toEqual(bytes);
  });

  it("refuses a file_id it never issued", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();

    const error = await failureOf(api.sendPhoto(alice.id, "AgACAgIAAxkBAAIBforged"));

    expect(error.error_code).toBe(400);
    expect(error.description).toBe("Bad Request: wrong file identifier/HTTP URL specified");
    expect(alice.fromBot()).toHaveLength(0);
  });
});

describe("answerCallbackQuery", () => {
  it("gives the user the bot's answer to a button press", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const offer = await api.sendMessage(alice.id, "TON mug, 2 TON", { reply_markup: BUY_KEYBOARD });

    const answered = alice.press("Buy");
    const [update] = await api.getUpdates({ timeout: 5 });
    const query = defined(update?.callback_query, "the callback query");
    await api.answerCallbackQuery(query.id, { text: "Added to your cart", show_alert: true });

    expect(query.data).toBe("buy:mug");
    expect(query.from.id).toBe(alice.id);
    expect(query.message?.message_id).toBe(offer.message_id);
    expect(await answered).toEqual({ text: "Added to your cart", show_alert: true });

    const twice = await failureOf(api.answerCallbackQuery(query.id));
    expect(twice.error_code).toBe(400);
  });

  it("passes on data no button carries, as Telegram would", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    await api.sendMessage(alice.id, "TON mug", { reply_markup: BUY_KEYBOARD });
    const offer = defined(alice.fromBot().at(-1), "the offer");

    const answered = alice.pressData("refund:all", offer);
    const [update] = await api.getUpdates({ timeout: 5 });
    const query = defined(update?.callback_query, "the callback query");
    await api.answerCallbackQuery(query.id, { text: "Unknown button" });

    expect(query.data).toBe("refund:all");
    expect(await answered).toEqual({ text: "Unknown button" });
  });

  it("refuses an unknown query id with 400 query is too old", async () => {
    const { api } = await startEmulator();

    const error = await failureOf(api.answerCallbackQuery("4000000000000123"));

    expect(error.error_code).toBe(400);
    expect(error.description).toBe(
      "Bad Request: query is too old and response timeout expired or query ID is invalid",
    );
  });
});

describe("setMyCommands", () => {
  it("keeps one list per scope and language, as getMyCommands reads them back", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const english = [
      { command: "start", description: "Open the shop" },
      { command: "orders", description: "Your orders" },
    ];
    const russian = [{ command: "start", description: "Открыть магазин" }];
    const privateChats = [{ command: "support", description: "Talk to a person" }];
    const aliceOnly = [{ command: "refund", description: "Refund an order" }];

    await api.setMyCommands(english);
    await api.setMyCommands(russian, { language_code: "ru" });
    await api.setMyCommands(privateChats, { scope: { type: "all_private_chats" } });
    await api.setMyCommands(aliceOnly, { scope: { type: "chat", chat_id: alice.id } });

    expect(await api.getMyCommands()).toEqual(english);
    expect(await api.getMyCommands({ language_code: "ru" })).toEqual(russian);
    expect(await api.getMyCommands({ scope: { type: "all_private_chats" } })).toEqual(privateChats);
    expect(await api.getMyCommands({ scope: { type: "chat", chat_id: alice.id } })).toEqual(
      aliceOnly,
    );
    expect(
      await api.getMyCommands({ scope: { type: "all_private_chats" }, language_code: "ru" }),
    ).toEqual([]);

    await api.deleteMyCommands({ language_code: "ru" });
    expect(await api.getMyCommands({ language_code: "ru" })).toEqual([]);
    expect(await api.getMyCommands()).toEqual(english);
  });

  it("drops a leading slash and surrounding spaces, as Telegram does", async () => {
    const { api } = await startEmulator();

    await api.setMyCommands([{ command: " /start ", description: " Open the shop " }]);

    expect(await api.getMyCommands()).toEqual([{ command: "start", description: "Open the shop" }]);
  });

  it("refuses invalid command names with 400 and keeps the previous list", async () => {
    const { api } = await startEmulator();
    const current = [{ command: "start", description: "Open the shop" }];
    await api.setMyCommands(current);

    for (const command of ["buy-now", "Start!", "старт"]) {
      const error = await failureOf(
        api.setMyCommands([...current, { command, description: "Invalid" }]),
      );
      expect(error.error_code, command).toBe(400);
      expect(error.description, command).toBe("Bad Request: BOT_COMMAND_INVALID");
    }
    for (const command of ["", "/", "a".repeat(33)]) {
      const error = await failureOf(
        api.setMyCommands([...current, { command, description: "Invalid" }]),
      );
      expect(error.error_code, command).toBe(400);
    }
    expect(await api.getMyCommands()).toEqual(current);
  });
});

describe("webhook", () => {
  const SECRET = "shop-webhook_secret-42";

  it("pushes updates in order with the secret header, retrying until a 2xx", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const gate = deferred();
    const receiver = await startWebhookReceiver(async (index) => {
      if (index < 2) return 500;
      if (index === 2) await gate.promise;
      return 200;
    });
    await api.setWebhook(receiver.url, { secret_token: SECRET });

    alice.send("first");
    alice.send("second");
    await waitUntil(() => receiver.deliveries.length === 3, "the third attempt");
    const failing = await api.getWebhookInfo();
    gate.resolve();
    await waitUntil(() => emulator.state.queue.size === 0, "both updates to be delivered");
    const settled = await api.getWebhookInfo();

    expect(failing.url).toBe(receiver.url);
    expect(failing.pending_update_count).toBe(2);
    expect(failing.last_error_message).toBe(
      "Wrong response from the webhook: 500 Internal Server Error",
    );
    expect(failing.last_error_date).toBeGreaterThan(0);
    expect(settled.pending_update_count).toBe(0);

    const { deliveries } = receiver;
    expect(deliveries.map((d) => d.update.message?.text)).toEqual([
      "first",
      "first",
      "first",
      "second",
    ]);
    expect(deliveries.map((d) => d.status)).toEqual([500, 500, 200, 200]);
    expect(new Set(deliveries.slice(0, 3).map((d) => d.update.update_id)).size).toBe(1);
    const firstId = defined(deliveries[0], "the first delivery").update.update_id;
    expect(deliveries[3]?.update.update_id).toBe(firstId + 1);
    expect(deliveries.map((d) => d.secret)).toEqual([SECRET, SECRET, SECRET, SECRET]);
  });

  it("stops pushing once the webhook is deleted", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const receiver = await startWebhookReceiver(() => 200);
    await api.setWebhook(receiver.url, { secret_token: SECRET });
    alice.send("pushed");
    await waitUntil(() => emulator.state.queue.size === 0, "the push");

    await api.deleteWebhook();
    const pushes = emulator.stats.webhookPushes;
    alice.send("polled");
    const updates = await api.getUpdates();

    expect(receiver.deliveries.map((d) => d.update.message?.text)).toEqual(["pushed"]);
    expect(emulator.stats.webhookPushes).toBe(pushes);
    expect(updates.map((u) => u.message?.text)).toEqual(["polled"]);
    expect((await api.getWebhookInfo()).url).toBe("");
  });
});

describe("Telegram Stars invoices", () => {
  const MUG_PRICE = 150;

  async function sendMugInvoice(api: Api, chatId: number) {
    return api.sendInvoice(
      chatId,
      "TON mug",
      "A mug for the TON shop",
      "order:42",
      "XTR",
      [{ label: "TON mug", amount: MUG_PRICE }],
      { provider_token: "" },
    );
  }

  it("stores the invoice the bot sent", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();

    const sent = await sendMugInvoice(api, alice.id);

    expect(sent.invoice).toMatchObject({
      title: "TON mug",
      currency: "XTR",
      total_amount: MUG_PRICE,
    });
    const stored = defined(emulator.state.findMessage(alice.id, sent.message_id), "the invoice");
    expect(stored.invoice).toMatchObject({
      payload: "order:42",
      currency: "XTR",
      totalAmount: MUG_PRICE,
      providerToken: "",
      prices: [{ label: "TON mug", amount: MUG_PRICE }],
    });
  });

  it("takes a payment the bot accepts, then refunds it exactly once", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const queries: PreCheckoutQuery[] = [];
    const messages: Message[] = [];
    await startPollingBot(emulator, (bot) => {
      bot.on("pre_checkout_query", async (ctx) => {
        queries.push(ctx.preCheckoutQuery);
        await ctx.answerPreCheckoutQuery(true);
      });
      bot.on("message", (ctx) => {
        messages.push(ctx.message);
      });
    });
    const sent = await sendMugInvoice(api, alice.id);
    const invoice = defined(emulator.state.findMessage(alice.id, sent.message_id), "invoice");
    const before = await api.getMyStarBalance();

    const payment = await alice.payInvoice(invoice);
    await waitUntil(() => messages.some((m) => m.successful_payment), "successful_payment");
    const paid = await api.getMyStarBalance();

    expect(payment.ok).toBe(true);
    const chargeId = defined(payment.chargeId, "the charge id");
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatchObject({
      currency: "XTR",
      total_amount: MUG_PRICE,
      invoice_payload: "order:42",
      from: { id: alice.id },
    });
    const success = messages.find((m) => m.successful_payment)?.successful_payment;
    expect(success).toMatchObject({
      currency: "XTR",
      total_amount: MUG_PRICE,
      invoice_payload: "order:42",
      telegram_payment_charge_id: chargeId,
    });
    expect(paid.amount).toBe(before.amount + MUG_PRICE);

    expect(await api.refundStarPayment(alice.id, chargeId)).toBe(true);
    await waitUntil(() => messages.some((m) => m.refunded_payment), "refunded_payment");
    const refunded = await api.getMyStarBalance();
    const again = await failureOf(api.refundStarPayment(alice.id, chargeId));

    expect(messages.find((m) => m.refunded_payment)?.refunded_payment).toMatchObject({
      currency: "XTR",
      total_amount: MUG_PRICE,
      invoice_payload: "order:42",
      telegram_payment_charge_id: chargeId,
    });
    expect(refunded.amount).toBe(before.amount);
    expect(again.error_code).toBe(400);
    expect(again.description).toBe("Bad Request: CHARGE_ALREADY_REFUNDED");
    expect((await api.getMyStarBalance()).amount).toBe(before.amount);
  });

  it("tells the buyer why the bot declined, and takes no money", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    await startPollingBot(emulator, (bot) => {
      bot.on("pre_checkout_query", (ctx) =>
        ctx.answerPreCheckoutQuery(false, { error_message: "The mug just sold out" }),
      );
    });
    const sent = await sendMugInvoice(api, alice.id);
    const invoice = defined(emulator.state.findMessage(alice.id, sent.message_id), "invoice");

    const payment = await alice.payInvoice(invoice);

    expect(payment).toEqual({ ok: false, errorMessage: "The mug just sold out" });
    expect(emulator.state.messages(alice.id).filter((m) => m.message.successful_payment)).toEqual(
      [],
    );
    expect((await api.getMyStarBalance()).amount).toBe(0);
  });

  it("does not take a payment the bot never answered, and refuses a late answer", async () => {
    const { emulator, api } = await startEmulator({ preCheckoutTimeoutMs: 300 });
    const alice = emulator.user();
    const sent = await sendMugInvoice(api, alice.id);
    const invoice = defined(emulator.state.findMessage(alice.id, sent.message_id), "invoice");

    const payment = await alice.payInvoice(invoice);
    const [update] = await api.getUpdates();
    const query = defined(update?.pre_checkout_query, "the pre-checkout query");
    const late = await failureOf(api.answerPreCheckoutQuery(query.id, true));

    expect(payment.ok).toBe(false);
    expect(payment.chargeId).toBeUndefined();
    expect(late.error_code).toBe(400);
    expect(late.description).toMatch(/^Bad Request: query is too old/);
    expect(emulator.state.messages(alice.id).filter((m) => m.message.successful_payment)).toEqual(
      [],
    );
    expect((await api.getMyStarBalance()).amount).toBe(0);
  });
});
