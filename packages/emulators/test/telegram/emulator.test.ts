import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { Api, type Context, HttpError, InputFile } from "grammy";
import type {
  InputMediaPhoto,
  Message,
  PreCheckoutQuery,
  ShippingQuery,
  StarTransactions,
  SuccessfulPayment,
  Update,
} from "grammy/types";
import { describe, expect, it } from "vitest";
import { failureOf } from "./failure.js";
import { defined, onCleanup, startEmulator, startPollingBot, waitUntil } from "./harness.js";

/*
 * The Bot API emulator, spoken to over loopback by grammY's own client, held to what
 * core.telegram.org/bots/api documents: status codes, descriptions, long polling, webhooks,
 * files, button presses, commands, and payments in Telegram Stars and by card: shipping, order
 * info, tips, invoice links, redelivered updates and Star transactions.
 */

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

type WebhookAnswer = number | { status: number; headers: Record<string, string> };

/** A bot's webhook endpoint; `statusFor` decides the answer to the n-th request (from 0). */
async function startWebhookReceiver(
  statusFor: (index: number) => Promise<WebhookAnswer> | WebhookAnswer,
) {
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
      const answer = await statusFor(index);
      const { status, headers } = typeof answer === "number" ? { status: answer } : answer;
      delivery.status = status;
      response.writeHead(status, headers).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(async () => {
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

  it("answers every call with nginx's 502 page while Telegram is away, then serves again", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    emulator.faults.outage = "bad-gateway";

    const raw = await fetch(`${emulator.apiRoot}/bot${emulator.token}/getMe`);
    const failed = await api.sendMessage(alice.id, "Your order is ready").catch((e: unknown) => e);

    expect(raw.status).toBe(502);
    expect(raw.headers.get("content-type")).toBe("text/html");
    expect(await raw.text()).toContain("<title>502 Bad Gateway</title>");
    // Not JSON: grammY cannot read it as a Bot API answer.
    expect(failed).toBeInstanceOf(HttpError);
    expect(alice.fromBot()).toHaveLength(0);

    emulator.faults.outage = undefined;
    await api.sendMessage(alice.id, "Your order is ready");
    expect(alice.fromBot().map((m) => m.text)).toEqual(["Your order is ready"]);
    expect(emulator.stats.unanswered).toBe(2);
  });

  it("drops every connection unanswered while Telegram is unreachable, then serves again", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    emulator.faults.outage = "unreachable";

    const failed = await api.sendMessage(alice.id, "Your order is ready").catch((e: unknown) => e);

    expect(failed).toBeInstanceOf(HttpError);
    expect(alice.fromBot()).toHaveLength(0);
    emulator.faults.outage = undefined;
    await api.sendMessage(alice.id, "Your order is ready");
    expect(alice.fromBot().map((m) => m.text)).toEqual(["Your order is ready"]);
    expect(emulator.stats.unanswered).toBe(1);
  });

  it.each(["bad-gateway", "unreachable"] as const)(
    "fails a long poll in hand at once when Telegram goes away (%s)",
    async (outage) => {
      const { emulator, api } = await startEmulator();
      const polling = api.getUpdates({ timeout: 30 }).catch((e: unknown) => e);
      await waitUntil(() => (emulator.stats.byMethod.getUpdates ?? 0) === 1, "the long poll");

      emulator.faults.outage = outage;

      expect(await polling).toBeInstanceOf(HttpError);
      expect(emulator.stats.unanswered).toBe(1);
    },
  );

  it("answers 502 Bad Gateway as Telegram's front end does, and sends nothing", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    emulator.faults.serverError = { methods: ["sendMessage"], times: 1, status: 502 };

    const error = await failureOf(api.sendMessage(alice.id, "Your order is ready"));

    expect(error.error_code).toBe(502);
    expect(error.description).toBe("Bad Gateway");
    expect(alice.fromBot()).toHaveLength(0);
    expect(emulator.stats.serverErrors).toBe(1);
  });

  it("fails only a share of calls when asked to, at random", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    emulator.faults.rateLimit = {
      methods: ["sendMessage"],
      times: Number.POSITIVE_INFINITY,
      retryAfterSeconds: 1,
      share: 0.5,
    };

    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => api.sendMessage(alice.id, `message ${i}`)),
    );

    const refused = results.filter((r) => r.status === "rejected").length;
    // 200 fair coin flips land outside 60..140 about once in 10^8 runs.
    expect(refused).toBeGreaterThan(60);
    expect(refused).toBeLessThan(140);
    expect(emulator.stats.rateLimited).toBe(refused);
    expect(alice.fromBot()).toHaveLength(200 - refused);
  });

  it("can drop the connection after a message is sent, so the bot never hears it was", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    emulator.faults.lostAnswer = { methods: ["sendMessage"], times: 1 };

    await expect(api.sendMessage(alice.id, "Your key: K-1")).rejects.toBeInstanceOf(HttpError);

    expect(alice.fromBot().map((m) => m.text)).toEqual(["Your key: K-1"]);
    expect(emulator.stats.lostAnswers).toBe(1);
    await api.sendMessage(alice.id, "Receipt");
    expect(alice.fromBot().map((m) => m.text)).toEqual(["Your key: K-1", "Receipt"]);
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

  it("confirms nothing for an offset too far past the newest update, and answers from the oldest", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    alice.send("one");
    alice.send("two");
    const [, two] = await api.getUpdates({ timeout: 0 });
    const next = defined(two, "two").update_id + 1;

    // The server's queue refuses an id more than 10 past the next one as "in the future".
    const future = await api.getUpdates({ offset: next + 11, timeout: 0 });
    const kept = await api.getUpdates({ timeout: 0 });
    const edge = await api.getUpdates({ offset: next + 10, timeout: 0 });

    expect(future.map((u) => u.message?.text)).toEqual(["one", "two"]);
    expect(kept.map((u) => u.message?.text)).toEqual(["one", "two"]);
    expect(edge).toEqual([]);
    expect(emulator.state.queue.size).toBe(0);
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

describe("editMessageMedia", () => {
  it("replaces a photo with an upload, its caption and keyboard, keeping the message id", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const first = randomBytes(2000);
    const second = randomBytes(2500);
    const sent = await api.sendPhoto(alice.id, new InputFile(first, "qr.png"), {
      caption: "Scan to pay 6.5 TON",
    });

    const edited = await api.editMessageMedia(
      alice.id,
      sent.message_id,
      {
        type: "photo",
        media: new InputFile(second, "rest.png"),
        caption: "Scan to pay <b>3.25</b> TON",
        parse_mode: "HTML",
      },
      { reply_markup: BUY_KEYBOARD },
    );

    expect(edited).toMatchObject({ message_id: sent.message_id, caption: "Scan to pay 3.25 TON" });
    expect(typeof edited === "object" && edited.edit_date).toBeGreaterThan(0);
    const stored = defined(emulator.state.findMessage(alice.id, sent.message_id), "the message");
    expect(stored.photo?.bytes).toEqual(second);
    expect(stored.caption).toBe("Scan to pay 3.25 TON");
    expect(stored.replyMarkup).toEqual(BUY_KEYBOARD);
    expect(stored.edits).toBe(1);
    expect(alice.fromBot()).toHaveLength(1);
  });

  it("drops the caption and keyboard an edit does not repeat, and refuses one that changes nothing", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const sent = await api.sendPhoto(alice.id, new InputFile(randomBytes(500), "a.png"), {
      caption: "Old",
      reply_markup: BUY_KEYBOARD,
    });
    const photo = defined(sent.photo.at(-1), "the photo size");

    const edited = await api.editMessageMedia(alice.id, sent.message_id, {
      type: "photo",
      media: photo.file_id,
    });
    const unchanged = await failureOf(
      api.editMessageMedia(alice.id, sent.message_id, { type: "photo", media: photo.file_id }),
    );

    expect(typeof edited === "object" && "caption" in edited).toBe(false);
    expect(emulator.state.findMessage(alice.id, sent.message_id)?.replyMarkup).toBeUndefined();
    expect(unchanged.description).toMatch(/^Bad Request: message is not modified/);
  });

  it("refuses a text message, a missing upload and a bad media object as Telegram words it", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const text = await api.sendMessage(alice.id, "Order #1");
    const photo = await api.sendPhoto(alice.id, new InputFile(randomBytes(300), "a.png"));
    const upload = { type: "photo" as const, media: new InputFile(randomBytes(300), "b.png") };

    const noMedia = await failureOf(api.editMessageMedia(alice.id, text.message_id, upload));
    const missing = await failureOf(
      api.raw.editMessageMedia({
        chat_id: alice.id,
        message_id: photo.message_id,
        media: { type: "photo", media: "attach://nothing" },
      }),
    );
    // A type the Bot API does not have, so grammY's types refuse it too.
    const sticker = {
      type: "sticker",
      media: "https://example.com/a.webp",
    } as unknown as InputMediaPhoto;
    const unknownType = await failureOf(
      api.raw.editMessageMedia({ chat_id: alice.id, message_id: photo.message_id, media: sticker }),
    );

    expect(noMedia.description).toBe("Bad Request: there is no media in the message to edit");
    expect(missing.description).toBe("Bad Request: can't parse InputMedia: media not found");
    expect(unknownType.description).toBe(
      'Bad Request: can\'t parse InputMedia: type "sticker" is unsupported',
    );
    expect(emulator.state.findMessage(alice.id, photo.message_id)?.edits).toBe(0);
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

describe("groups", () => {
  it("gives a bot in privacy mode only the commands meant for it, and an admin bot everything", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user({ firstName: "Alice" });
    const bob = emulator.user({ firstName: "Bob" });
    const team = emulator.group({ title: "Shop team", members: [alice, bob] });
    const bot = emulator.bot.username;

    team.send(alice, "good morning");
    team.send(alice, "/admin@other_bot");
    team.send(alice, "/admin");
    team.send(bob, `/admin@${bot} now`);
    const [meant] = await api.getUpdates({ timeout: 1 });
    const message = defined(meant?.message, "the command");
    expect(message.text).toBe(`/admin@${bot} now`);
    expect(message.entities).toEqual([
      { type: "bot_command", offset: 0, length: `/admin@${bot}`.length },
    ]);
    expect(message.chat).toEqual({ id: team.id, type: "group", title: "Shop team" });
    expect(message.chat.id).toBeLessThan(0);
    expect(message.from?.id).toBe(bob.id);
    // Everyone in the group sees all four.
    expect(emulator.state.messages(team.id)).toHaveLength(4);

    // Once the bot has written in the group, a bare command reaches it too; chatter still does not.
    await api.sendMessage(team.id, "Hello, team");
    team.send(alice, "/help");
    team.send(alice, "thanks");
    const after = await api.getUpdates({ offset: (meant?.update_id ?? 0) + 1, timeout: 1 });
    expect(after.map((u) => u.message?.text)).toEqual(["/help"]);

    const staff = emulator.group({ supergroup: true, members: [alice], botIsAdmin: true });
    expect(String(staff.id)).toMatch(/^-100\d{10}$/);
    staff.send(alice, "anything at all");
    const all = await api.getUpdates({ offset: (after.at(-1)?.update_id ?? 0) + 1, timeout: 1 });
    expect(all.map((u) => [u.message?.chat.type, u.message?.text])).toEqual([
      ["supergroup", "anything at all"],
    ]);
  });

  it("passes on a member's press of a button in the group, and no one else's", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const outsider = emulator.user();
    const team = emulator.group({ members: [alice] });
    const sent = await api.sendMessage(team.id, "Menu", { reply_markup: BUY_KEYBOARD });
    const menu = defined(team.fromBot().at(-1), "the menu");
    expect(menu.messageId).toBe(sent.message_id);
    expect(sent.chat.id).toBe(team.id);

    const answered = alice.press("Buy", menu);
    const [update] = await api.getUpdates({ timeout: 5 });
    const query = defined(update?.callback_query, "the callback query");
    await api.answerCallbackQuery(query.id, { text: "ok" });
    expect(query.from.id).toBe(alice.id);
    expect(query.message?.chat.id).toBe(team.id);
    expect(query.chat_instance).not.toBe(String(alice.id));
    expect(await answered).toEqual({ text: "ok" });

    expect(() => outsider.pressData("buy:mug", menu)).toThrow(/cannot see chat/);
    expect(() => team.send(outsider, "hi")).toThrow(/no member/);
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

  it("holds up only the failing chat: other chats and the same buyer's pre-checkout go through", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const bob = emulator.user();
    let aliceMayPass = false;
    const receiver = await startWebhookReceiver((index) => {
      const update = receiver.deliveries[index]?.update;
      if (update?.pre_checkout_query !== undefined) {
        void api.answerPreCheckoutQuery(update.pre_checkout_query.id, true);
        return 200;
      }
      if (update?.message?.chat.id === alice.id && !aliceMayPass) return 500;
      return 200;
    });
    await api.setWebhook(receiver.url);
    const aliceChat = () =>
      receiver.deliveries
        .filter((d) => d.update.message?.chat.id === alice.id)
        .map((d) => `${d.update.message?.text ?? "payment"}:${d.status}`);

    alice.send("first");
    alice.send("second");
    bob.send("hello");
    await waitUntil(
      () => receiver.deliveries.some((d) => d.update.message?.text === "hello" && d.status === 200),
      "bob's message",
    );
    await api.sendInvoice(alice.id, "Mug", "A mug", "order-1", "XTR", [
      { label: "Mug", amount: 150 },
    ]);
    const paid = await alice.payInvoice(defined(alice.fromBot().at(-1), "the invoice"));
    const whileFailing = aliceChat();
    aliceMayPass = true;
    await waitUntil(() => emulator.state.queue.size === 0, "alice's updates to be delivered");

    expect(paid.ok).toBe(true);
    expect(whileFailing.length).toBeGreaterThan(0);
    expect(new Set(whileFailing)).toEqual(new Set(["first:500"]));
    expect(aliceChat().slice(whileFailing.length)).toEqual([
      "first:200",
      "second:200",
      "payment:200",
    ]);
  });

  it("sends a failed update again at once, then waits; a Retry-After header sets the wait", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const bob = emulator.user();
    const carol = emulator.user();
    const receiver = await startWebhookReceiver((index) => {
      const chat = receiver.deliveries[index]?.update.message?.chat.id;
      if (chat === alice.id) return 500;
      if (chat === bob.id) return { status: 503, headers: { "retry-after": "3600" } };
      return 200;
    });
    await api.setWebhook(receiver.url);
    const attempts = (user: { id: number }) =>
      receiver.deliveries.filter((d) => d.update.message?.chat.id === user.id).length;

    alice.send("fails");
    bob.send("busy");
    await waitUntil(() => attempts(alice) === 2 && attempts(bob) === 1, "the first attempts");
    carol.send("passes");
    await waitUntil(() => attempts(carol) === 1 && emulator.state.queue.size === 2, "carol");

    // Alice's update was sent again at once and now waits 2 s; Bob's waits the hour he asked for.
    expect(attempts(alice)).toBe(2);
    expect(attempts(bob)).toBe(1);
    expect((await api.getWebhookInfo()).pending_update_count).toBe(2);
  });

  it("checks the secret token as telegram-bot-api does, and sends no header for an empty one", async () => {
    const { emulator, api } = await startEmulator();
    const receiver = await startWebhookReceiver(() => 200);
    const tooLong = await failureOf(
      api.setWebhook(receiver.url, { secret_token: "a".repeat(257) }),
    );
    expect(tooLong.description).toBe("Bad Request: secret token is too long");
    for (const bad of ["a b", "a.b", "a+b/c=", "секрет"]) {
      const refused = await failureOf(api.setWebhook(receiver.url, { secret_token: bad }));
      expect(refused.description).toBe("Bad Request: secret token contains unallowed characters");
    }
    expect(emulator.state.webhook).toBeUndefined();

    await api.setWebhook(receiver.url, { secret_token: "" });
    emulator.user().send("no secret");
    await waitUntil(() => receiver.deliveries.length === 1, "the push");
    expect(receiver.deliveries[0]?.secret).toBeUndefined();
    await api.setWebhook(receiver.url, { secret_token: "a".repeat(256) });
    emulator.user().send("longest secret");
    await waitUntil(() => receiver.deliveries.length === 2, "the second push");
    expect(receiver.deliveries[1]?.secret).toBe("a".repeat(256));
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

    expect(payment).toEqual({
      ok: false,
      errorMessage: "The mug just sold out",
      reason: "pre-checkout refused: The mug just sold out",
    });
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

describe("card payments: order info, shipping and tips", () => {
  const PROVIDER_TOKEN = "284685063:TEST:sandbox";
  const HOODIE_PRICES = [
    { label: "TON hoodie", amount: 4500 },
    { label: "VAT", amount: 855 },
  ];
  const HOODIE_TOTAL = 5355;
  const ADDRESS = {
    country_code: "NL",
    state: "",
    city: "Amsterdam",
    street_line1: "Damrak 1",
    street_line2: "",
    post_code: "1012 LG",
  };
  const SHIPPING_OPTIONS = [
    { id: "standard", title: "PostNL", prices: [{ label: "PostNL", amount: 499 }] },
    {
      id: "express",
      title: "DHL Express",
      prices: [
        { label: "DHL Express", amount: 1299 },
        { label: "Insurance", amount: 100 },
      ],
    },
  ];

  type InvoiceOptions = Parameters<Api["sendInvoice"]>[6];

  async function sendHoodieInvoice(api: Api, chatId: number, other: InvoiceOptions = {}) {
    return api.sendInvoice(
      chatId,
      "TON hoodie",
      "A hoodie for the TON shop",
      "order:77",
      "EUR",
      HOODIE_PRICES,
      { provider_token: PROVIDER_TOKEN, ...other },
    );
  }

  /** A polling bot that answers shipping queries with `shipping` and says yes at checkout. */
  async function startShop(
    emulator: TelegramEmulator,
    shipping: (ctx: Context) => Promise<unknown> = (ctx) =>
      ctx.answerShippingQuery(true, { shipping_options: SHIPPING_OPTIONS }),
  ) {
    const seen = {
      shipping: [] as ShippingQuery[],
      preCheckout: [] as PreCheckoutQuery[],
      payments: [] as SuccessfulPayment[],
    };
    await startPollingBot(emulator, (bot) => {
      bot.on("shipping_query", async (ctx) => {
        seen.shipping.push(ctx.shippingQuery);
        await shipping(ctx);
      });
      bot.on("pre_checkout_query", async (ctx) => {
        seen.preCheckout.push(ctx.preCheckoutQuery);
        await ctx.answerPreCheckoutQuery(true);
      });
      bot.on("message:successful_payment", (ctx) => {
        seen.payments.push(ctx.message.successful_payment);
      });
    });
    return seen;
  }

  it("asks the bot for shipping options and adds the chosen one to the total", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const seen = await startShop(emulator);
    const sent = await sendHoodieInvoice(api, alice.id, {
      need_name: true,
      need_shipping_address: true,
      is_flexible: true,
    });
    const invoice = defined(emulator.state.findMessage(alice.id, sent.message_id), "invoice");

    const payment = await alice.payInvoice(invoice, {
      shippingOptionId: "express",
      orderInfo: { name: "Alice Liddell", shipping_address: ADDRESS },
    });
    await waitUntil(() => seen.payments.length === 1, "successful_payment");

    const total = HOODIE_TOTAL + 1299 + 100;
    expect(payment).toMatchObject({ ok: true, totalAmount: total });
    expect(seen.shipping).toEqual([
      {
        id: expect.any(String),
        from: expect.objectContaining({ id: alice.id }),
        invoice_payload: "order:77",
        shipping_address: ADDRESS,
      },
    ]);
    const orderInfo = { name: "Alice Liddell", shipping_address: ADDRESS };
    expect(seen.preCheckout).toEqual([
      {
        id: expect.any(String),
        from: expect.objectContaining({ id: alice.id }),
        currency: "EUR",
        total_amount: total,
        invoice_payload: "order:77",
        shipping_option_id: "express",
        order_info: orderInfo,
      },
    ]);
    expect(seen.payments[0]).toMatchObject({
      currency: "EUR",
      total_amount: total,
      invoice_payload: "order:77",
      shipping_option_id: "express",
      order_info: orderInfo,
      telegram_payment_charge_id: payment.chargeId,
      provider_payment_charge_id: expect.stringMatching(/.+/),
    });
  });

  it("takes the first shipping option when the buyer does not pick one", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const seen = await startShop(emulator);
    const sent = await sendHoodieInvoice(api, alice.id, { is_flexible: true });
    const invoice = defined(emulator.state.findMessage(alice.id, sent.message_id), "invoice");

    const payment = await alice.payInvoice(invoice);

    expect(payment).toMatchObject({ ok: true, totalAmount: HOODIE_TOTAL + 499 });
    expect(seen.preCheckout[0]?.shipping_option_id).toBe("standard");
    // is_flexible implies a shipping address, as in Telegram.
    expect(seen.preCheckout[0]?.order_info?.shipping_address).toBeDefined();
  });

  it("stops at the shipping step when the bot cannot deliver, and takes no money", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const seen = await startShop(emulator, (ctx) =>
      ctx.answerShippingQuery(false, { error_message: "We do not ship to the Netherlands" }),
    );
    const sent = await sendHoodieInvoice(api, alice.id, { is_flexible: true });
    const invoice = defined(emulator.state.findMessage(alice.id, sent.message_id), "invoice");

    const payment = await alice.payInvoice(invoice, { orderInfo: { shipping_address: ADDRESS } });

    expect(payment).toEqual({
      ok: false,
      errorMessage: "We do not ship to the Netherlands",
      reason: "shipping refused: We do not ship to the Netherlands",
    });
    expect(seen.shipping).toHaveLength(1);
    expect(seen.preCheckout).toEqual([]);
    expect(emulator.state.messages(alice.id).filter((m) => m.message.successful_payment)).toEqual(
      [],
    );
  });

  it("refuses a shipping answer without options, and one that comes too late", async () => {
    const { emulator, api } = await startEmulator({ preCheckoutTimeoutMs: 300 });
    const alice = emulator.user();
    const sent = await sendHoodieInvoice(api, alice.id, { is_flexible: true });
    const invoice = defined(emulator.state.findMessage(alice.id, sent.message_id), "invoice");

    const paying = alice.payInvoice(invoice);
    await waitUntil(() => emulator.state.queue.size > 0, "the shipping query");
    const [update] = await api.getUpdates();
    const query = defined(update?.shipping_query, "the shipping query");
    const empty = await failureOf(
      api.answerShippingQuery(query.id, true, { shipping_options: [] }),
    );
    const noReason = await failureOf(api.answerShippingQuery(query.id, false));
    const payment = await paying;
    const late = await failureOf(
      api.answerShippingQuery(query.id, true, { shipping_options: SHIPPING_OPTIONS }),
    );

    expect(empty.description).toBe("Bad Request: there must be at least one shipping option");
    expect(noReason.description).toBe('Bad Request: parameter "error_message" is required');
    expect(payment).toMatchObject({
      ok: false,
      reason: "shipping refused: the bot did not answer in time",
    });
    expect(late.error_code).toBe(400);
    expect(late.description).toMatch(/^Bad Request: query is too old/);
  });

  it("sends only the order info the invoice asks for", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const seen = await startShop(emulator);
    const everything = {
      name: "Alice Liddell",
      phone_number: "+31201234567",
      email: "alice@example.org",
      shipping_address: ADDRESS,
    };
    const asking = await sendHoodieInvoice(api, alice.id, {
      need_email: true,
      need_phone_number: true,
    });
    const plain = await sendHoodieInvoice(api, alice.id);

    await alice.payInvoice(defined(emulator.state.findMessage(alice.id, asking.message_id), "1"), {
      orderInfo: everything,
    });
    await alice.payInvoice(defined(emulator.state.findMessage(alice.id, plain.message_id), "2"), {
      orderInfo: everything,
    });
    await waitUntil(() => seen.payments.length === 2, "two successful payments");

    const asked = { phone_number: "+31201234567", email: "alice@example.org" };
    expect(seen.preCheckout[0]?.order_info).toEqual(asked);
    expect(seen.payments[0]?.order_info).toEqual(asked);
    expect(seen.preCheckout[1]).not.toHaveProperty("order_info");
    expect(seen.payments[1]).not.toHaveProperty("order_info");
    expect(seen.shipping).toEqual([]);
    expect(seen.preCheckout.map((q) => q.shipping_option_id)).toEqual([undefined, undefined]);
  });

  it("refuses a tip above max_tip_amount before asking the bot, and adds one within it", async () => {
    const { emulator, api } = await startEmulator({ preCheckoutTimeoutMs: 2_000 });
    const alice = emulator.user();
    const sent = await sendHoodieInvoice(api, alice.id, {
      max_tip_amount: 500,
      suggested_tip_amounts: [100, 200, 500],
    });
    const invoice = defined(emulator.state.findMessage(alice.id, sent.message_id), "invoice");

    const greedy = await alice.payInvoice(invoice, { tip: 501 });
    const nothingSent = await api.getUpdates({ timeout: 0 });
    const paying = alice.payInvoice(invoice, { tip: 200 });
    const [update] = await api.getUpdates({ timeout: 5 });
    const query = defined(update?.pre_checkout_query, "the pre-checkout query");
    await api.answerPreCheckoutQuery(query.id, true);
    const tipped = await paying;

    expect(greedy.ok).toBe(false);
    expect(greedy.reason).toMatch(/^tip refused: /);
    expect(nothingSent).toEqual([]);
    expect(query.total_amount).toBe(HOODIE_TOTAL + 200);
    expect(tipped).toMatchObject({ ok: true, totalAmount: HOODIE_TOTAL + 200 });
    expect(emulator.state.findMessage(alice.id, sent.message_id)?.invoice).toMatchObject({
      maxTipAmount: 500,
      suggestedTipAmounts: [100, 200, 500],
      providerToken: PROVIDER_TOKEN,
    });
  });
});

describe("invoice checks", () => {
  const ONE_PRICE = [{ label: "TON mug", amount: 150 }];

  it("refuses Stars invoices Telegram refuses", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const twoPrices = [
      { label: "TON mug", amount: 150 },
      { label: "Gift wrap", amount: 10 },
    ];
    const cases: Array<[string, Promise<unknown>, string]> = [
      [
        "two prices",
        api.sendInvoice(alice.id, "Mug", "A mug", "p", "XTR", twoPrices),
        "Bad Request: STARS_INVOICE_INVALID",
      ],
      [
        "two prices in a link",
        api.createInvoiceLink("Mug", "A mug", "p", "", "XTR", twoPrices),
        "Bad Request: STARS_INVOICE_INVALID",
      ],
      [
        "a provider token",
        api.sendInvoice(alice.id, "Mug", "A mug", "p", "XTR", ONE_PRICE, { provider_token: "x" }),
        "Bad Request: PAYMENT_PROVIDER_INVALID",
      ],
      [
        "tips",
        api.sendInvoice(alice.id, "Mug", "A mug", "p", "XTR", ONE_PRICE, { max_tip_amount: 10 }),
        "Bad Request: STARS_INVOICE_INVALID",
      ],
      [
        "flexible shipping",
        api.sendInvoice(alice.id, "Mug", "A mug", "p", "XTR", ONE_PRICE, { is_flexible: true }),
        "Bad Request: STARS_INVOICE_INVALID",
      ],
    ];

    for (const [what, call, description] of cases) {
      const error = await failureOf(call);
      expect(error.error_code, what).toBe(400);
      expect(error.description, what).toBe(description);
    }
    expect(emulator.state.messages(alice.id)).toEqual([]);
  });

  it("refuses a card invoice without a provider token", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();

    const missing = await failureOf(
      api.sendInvoice(alice.id, "Mug", "A mug", "p", "EUR", ONE_PRICE),
    );
    const empty = await failureOf(
      api.sendInvoice(alice.id, "Mug", "A mug", "p", "EUR", ONE_PRICE, { provider_token: "" }),
    );
    const link = await failureOf(api.createInvoiceLink("Mug", "A mug", "p", "", "EUR", ONE_PRICE));

    for (const error of [missing, empty, link]) {
      expect(error.error_code).toBe(400);
      expect(error.description).toBe("Bad Request: PAYMENT_PROVIDER_INVALID");
    }
    expect(emulator.state.messages(alice.id)).toEqual([]);
  });

  it("refuses suggested tips that are too big, too many or out of order", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const card = { provider_token: "284685063:TEST:sandbox" };
    const send = (tips: { max_tip_amount?: number; suggested_tip_amounts?: number[] }) =>
      failureOf(
        api.sendInvoice(alice.id, "Mug", "A mug", "p", "EUR", ONE_PRICE, { ...card, ...tips }),
      );

    const tooBig = await send({ max_tip_amount: 100, suggested_tip_amounts: [50, 150] });
    const tooMany = await send({
      max_tip_amount: 100,
      suggested_tip_amounts: [10, 20, 30, 40, 50],
    });
    const unordered = await send({ max_tip_amount: 100, suggested_tip_amounts: [50, 20] });
    const negative = await send({ max_tip_amount: -1 });

    expect(tooBig.description).toBe(
      "Bad Request: suggested tip amount can't be bigger than max_tip_amount",
    );
    expect(tooMany.description).toBe("Bad Request: there can be at most 4 suggested tip amounts");
    expect(unordered.description).toBe("Bad Request: SUGGESTED_TIP_AMOUNTS_INVALID");
    expect(negative.description).toBe(
      "Bad Request: invalid max_tip_amount of the currency specified",
    );
    expect(emulator.state.messages(alice.id)).toEqual([]);
  });
});

describe("invoice links, redelivery and Star transactions", () => {
  /** A polling bot that says yes at checkout and keeps every update with a payment in it. */
  async function startShop(emulator: TelegramEmulator) {
    const updates: Update[] = [];
    await startPollingBot(emulator, (bot) => {
      bot.on("pre_checkout_query", (ctx) => ctx.answerPreCheckoutQuery(true));
      bot.on(["message:successful_payment", "message:refunded_payment"], (ctx) => {
        updates.push(ctx.update);
      });
    });
    return updates;
  }

  async function starInvoice(api: Api, emulator: TelegramEmulator, chatId: number, amount: number) {
    const sent = await api.sendInvoice(chatId, "Stars", "Stars", `stars:${amount}`, "XTR", [
      { label: "Stars", amount },
    ]);
    return defined(emulator.state.findMessage(chatId, sent.message_id), "the invoice");
  }

  it("takes a payment through an invoice link into the buyer's chat with the bot", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const updates = await startShop(emulator);
    const link = await api.createInvoiceLink("TON mug", "A mug", "link:9", "", "XTR", [
      { label: "TON mug", amount: 150 },
    ]);

    const payment = await alice.payInvoiceLink(link);
    await waitUntil(() => updates.length === 1, "successful_payment");

    expect(link).toMatch(/^https:\/\/t\.me\/\$/);
    expect(payment).toMatchObject({ ok: true, totalAmount: 150 });
    const message = defined(updates[0]?.message, "the payment message");
    expect(message.chat.id).toBe(alice.id);
    expect(message.from?.id).toBe(alice.id);
    expect(message.successful_payment).toMatchObject({
      currency: "XTR",
      total_amount: 150,
      invoice_payload: "link:9",
      telegram_payment_charge_id: payment.chargeId,
    });
    expect((await api.getMyStarBalance()).amount).toBe(150);
    await expect(alice.payInvoiceLink("https://t.me/$nothing")).rejects.toThrow(/no invoice link/);
  });

  it("delivers the same successful_payment twice when Telegram retries it", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const updates = await startShop(emulator);
    const invoice = await starInvoice(api, emulator, alice.id, 150);

    const payment = await alice.payInvoice(invoice);
    await waitUntil(() => updates.length === 1, "the first delivery");
    alice.redeliver(defined(payment.message, "the payment message"));
    await waitUntil(() => updates.length === 2, "the second delivery");

    const [first, second] = updates.map((u) => defined(u.message, "a message"));
    expect(updates[1]?.update_id).toBeGreaterThan(updates[0]?.update_id ?? Infinity);
    expect(second?.message_id).toBe(first?.message_id);
    expect(second?.successful_payment?.telegram_payment_charge_id).toBe(payment.chargeId);
    expect(first?.successful_payment?.telegram_payment_charge_id).toBe(payment.chargeId);
    // Redelivery is Telegram's retry, not a second payment.
    expect((await api.getMyStarBalance()).amount).toBe(150);
    expect(
      emulator.state.messages(alice.id).filter((m) => m.message.successful_payment),
    ).toHaveLength(1);
  });

  it("lists Star payments and refunds oldest first, a refund under its payment's id", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user({ username: "alice" });
    const updates = await startShop(emulator);
    const first = await alice.payInvoice(await starInvoice(api, emulator, alice.id, 150));
    const second = await alice.payInvoice(await starInvoice(api, emulator, alice.id, 300));
    const firstCharge = defined(first.chargeId, "the first charge");
    const secondCharge = defined(second.chargeId, "the second charge");
    await api.refundStarPayment(alice.id, firstCharge);
    await waitUntil(() => updates.length === 3, "two payments and a refund");

    const all = await api.getStarTransactions();
    const page = await api.getStarTransactions({ offset: 1, limit: 1 });

    const partner = (payload: string) => ({
      type: "user",
      transaction_type: "invoice_payment",
      user: alice.user,
      invoice_payload: payload,
    });
    const date = expect.any(Number);
    // Whole Stars only: nanostar_amount is left out when it is zero, as the Bot API does.
    expect(all.transactions).toEqual([
      { id: firstCharge, amount: 150, date, source: partner("stars:150") },
      { id: secondCharge, amount: 300, date, source: partner("stars:300") },
      { id: firstCharge, amount: 150, date, receiver: partner("stars:150") },
    ]);
    expect(page.transactions.map((t) => [t.id, t.amount])).toEqual([[secondCharge, 300]]);
    expect((await api.getStarTransactions({ offset: 3 })).transactions).toEqual([]);
    expect((await api.getMyStarBalance()).amount).toBe(300);
  });

  it("pages 100 at most, and clamps a bad offset or limit rather than refusing it", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    await startShop(emulator);
    for (let i = 0; i < 103; i++) {
      expect((await alice.payInvoice(await starInvoice(api, emulator, alice.id, i + 1))).ok).toBe(
        true,
      );
    }
    const amounts = async (params: Record<string, unknown>) => {
      // Sent as the caller wrote them, as a hand-made request would be.
      const response = await fetch(`${emulator.apiRoot}/bot${emulator.token}/getStarTransactions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(params),
      });
      const body = (await response.json()) as { ok: boolean; result: StarTransactions };
      expect(response.status).toBe(200);
      return body.result.transactions.map((t) => t.amount);
    };

    expect(await amounts({})).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await amounts({ offset: 100 })).toEqual([101, 102, 103]);
    expect(await amounts({ limit: 1000, offset: 101 })).toEqual([102, 103]);
    expect(await amounts({ limit: 0 })).toEqual([1]);
    expect(await amounts({ limit: -5, offset: -7 })).toEqual([1]);
    // Only the leading digits count; no digits at all read as 0.
    expect(await amounts({ offset: "2abc", limit: "3.9" })).toEqual([3, 4, 5]);
    expect(await amounts({ offset: "abc", limit: "two" })).toEqual([1]);
    // Read into a 32-bit integer, as the server's C++ does: 2^32 + 2 wraps round to 2.
    expect(await amounts({ offset: "4294967298", limit: 2 })).toEqual([3, 4]);
    expect((await api.getStarTransactions({ offset: 102 })).transactions).toHaveLength(1);
  });

  it("answers getStarTransactions with 500 while Telegram fails behind the Bot API", async () => {
    const { emulator, api } = await startEmulator({
      faults: { serverError: { methods: ["getStarTransactions"], times: 1 } },
    });

    const failed = await failureOf(api.getStarTransactions());

    expect(failed.error_code).toBe(500);
    expect(failed.description).toBe("Internal Server Error: restart");
    expect(await api.getStarTransactions()).toEqual({ transactions: [] });
    expect(emulator.stats.serverErrors).toBe(1);
  });

  it("refuses a refund without a user or a charge id in the Bot API's words", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    await startShop(emulator);
    const paid = await alice.payInvoice(await starInvoice(api, emulator, alice.id, 150));
    const chargeId = defined(paid.chargeId, "the charge");

    const noUser = await failureOf(api.refundStarPayment(0, chargeId));
    const noCharge = await failureOf(api.refundStarPayment(alice.id, ""));
    const otherUser = await failureOf(api.refundStarPayment(alice.id + 1, chargeId));

    expect(noUser.description).toBe("Bad Request: invalid user_id specified");
    expect(noCharge.description).toBe(
      'Bad Request: parameter "telegram_payment_charge_id" is required',
    );
    expect(otherUser.description).toBe("Bad Request: CHARGE_NOT_FOUND");
    expect((await api.getStarTransactions()).transactions).toHaveLength(1);
    expect((await api.getMyStarBalance()).amount).toBe(150);
  });

  it("names the subscription period of a Stars subscription's payment and refund", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const updates = await startShop(emulator);
    const prices = [{ label: "Club", amount: 250 }];
    const link = await api.createInvoiceLink("Club", "Monthly", "sub:1", "", "XTR", prices, {
      subscription_period: 2_592_000,
    });
    const weekly = await failureOf(
      api.createInvoiceLink("Club", "Weekly", "sub:2", "", "XTR", prices, {
        subscription_period: 604_800,
      }),
    );

    const paid = await alice.payInvoiceLink(link);
    await waitUntil(() => updates.length === 1, "successful_payment");
    await api.refundStarPayment(alice.id, defined(paid.chargeId, "the charge"));

    expect(weekly.description).toBe("Bad Request: SUBSCRIPTION_PERIOD_INVALID");
    const success = defined(updates[0]?.message?.successful_payment, "the payment");
    expect(success).toMatchObject({ is_recurring: true, is_first_recurring: true });
    expect(success.subscription_expiration_date).toBe((updates[0]?.message?.date ?? 0) + 2_592_000);
    const { transactions } = await api.getStarTransactions();
    expect(transactions.map((t) => t.source ?? t.receiver)).toEqual([
      expect.objectContaining({ invoice_payload: "sub:1", subscription_period: 2_592_000 }),
      expect.objectContaining({ invoice_payload: "sub:1", subscription_period: 2_592_000 }),
    ]);
    expect(transactions[0]?.source).toBeDefined();
    expect(transactions[1]?.receiver).toBeDefined();
  });
});
