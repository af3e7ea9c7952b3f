import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { freePort } from "@ton-payment-bot/emulators/redis";
import {
  type EmulatedUser,
  startTelegramEmulator,
  type TelegramEmulator,
} from "@ton-payment-bot/emulators/telegram";
import { Bot } from "grammy";
import type { Update } from "grammy/types";
import { afterEach, describe, expect, it } from "vitest";
import type { BotContext } from "../../src/bot/context.js";
import { listenWebhook, MAX_UPDATE_BYTES } from "../../src/bot/serve.js";
import { once, payStarsInvoice } from "../support/bot.js";
import { capturedLog } from "../support/log.js";
import { testRedis } from "../support/redis.js";

/*
 * Webhook mode against the Bot API emulator, which pushes each update until it is answered 2xx
 * and tries a failed one again at once, then after 2, 4, 8… seconds — as telegram-bot-api does.
 */

const SECRET = "test_webhook-secret_0123456789";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A gate a handler waits at until the test opens it. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

const isPayment = (update: Update) => update.message?.successful_payment !== undefined;

interface Handlers {
  /** Runs before the bot replies "recorded" to a successful payment; its n-th call gets n. */
  payment?: (attempt: number) => Promise<void>;
  /** Runs before the bot replies "seen: <text>"; its n-th call gets n. */
  text?: (attempt: number) => Promise<void>;
}

interface World {
  emulator: TelegramEmulator;
  redis: ReturnType<typeof testRedis>["redis"];
  prefix: string;
  port: number;
  url: string;
}

async function world(): Promise<World> {
  const emulator = await startTelegramEmulator();
  cleanups.push(() => emulator.close());
  const { redis, prefix } = testRedis();
  cleanups.push(() => redis.quit());
  // Connected before the first update: while Redis is not ready, updates run unchecked.
  await redis.ping();
  const port = await freePort();
  return { emulator, redis, prefix, port, url: `http://127.0.0.1:${port}/telegram/hook` };
}

/**
 * A bot served by listenWebhook on `at`: it answers pre-checkout, replies "recorded" to a payment
 * and "seen: <text>" to text, and its error handler tells the chat "sorry" for anything else.
 */
async function webhookBot(
  at: World,
  handlers: Handlers = {},
  options: { answerWithinMs?: number; claimMs?: number } = {},
) {
  const bot = new Bot<BotContext>(at.emulator.token, {
    botInfo: at.emulator.bot,
    client: { apiRoot: at.emulator.apiRoot },
  });
  let payments = 0;
  let texts = 0;
  bot.on("pre_checkout_query", (ctx) => ctx.answerPreCheckoutQuery(true));
  bot.on("message:successful_payment", async (ctx) => {
    await handlers.payment?.(++payments);
    await ctx.reply("recorded");
  });
  bot.on("message:text", async (ctx) => {
    await handlers.text?.(++texts);
    await ctx.reply(`seen: ${ctx.message.text}`);
  });
  bot.catch(async ({ ctx }) => {
    if (!isPayment(ctx.update)) await ctx.reply("sorry");
  });
  const captured = capturedLog();
  const server = await listenWebhook(bot, {
    url: at.url,
    secret: SECRET,
    port: at.port,
    redis: at.redis,
    prefix: at.prefix,
    log: captured.log,
    ...options,
  });
  await bot.init();
  await server.open();
  const stopOnce = once(server.stop);
  cleanups.push(stopOnce);
  return { bot, captured, stop: stopOnce };
}

function said(buyer: EmulatedUser, text: string) {
  return buyer.fromBot().filter((m) => m.text === text);
}

/** A text message from `buyer` as Telegram would post it, under an id the emulator never uses. */
function textUpdate(buyer: EmulatedUser, text: string, updateId = 900_000_000 + buyer.id): Update {
  return {
    update_id: updateId,
    message: {
      message_id: 1,
      date: Math.floor(Date.now() / 1000),
      chat: { id: buyer.id, type: "private", first_name: "Alice" },
      from: { id: buyer.id, is_bot: false, first_name: "Alice" },
      text,
    },
  };
}

/** Posts `body` as Telegram would; `secret` null sends no secret header at all. */
function post(url: string, body: unknown, secret: string | null = SECRET) {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(secret === null ? {} : { "x-telegram-bot-api-secret-token": secret }),
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("webhook: each update once", () => {
  it("records a payment update once when Telegram delivers it again while it is being recorded", async () => {
    const at = await world();
    const recording = gate();
    const { bot, captured } = await webhookBot(
      at,
      { payment: () => recording.opened },
      { answerWithinMs: 200 },
    );
    const buyer = at.emulator.user();
    await payStarsInvoice(bot, buyer);

    // Not recorded in time: 500, and Telegram tries again at once — to find it in hand.
    const hook = () => at.emulator.state.webhook;
    await waitUntil(
      () => hook()?.lastErrorMessage === "Wrong response from the webhook: 503 Service Unavailable",
      "a repeat answered while the first is in hand",
    );
    expect(at.emulator.state.queue.peek(10).some(isPayment)).toBe(true);
    expect(captured.records().map((r) => r.msg)).toContain(
      "payment update not recorded in time; answered 500 so Telegram delivers it again",
    );

    recording.open();
    await buyer.waitForText("recorded");
    await waitUntil(() => at.emulator.state.queue.size === 0, "Telegram to drop the payment");
    expect(said(buyer, "recorded")).toHaveLength(1);
    expect(at.emulator.stats.webhookPushes).toBeGreaterThanOrEqual(3);
    expect(captured.records().map((r) => r.msg)).toContain(
      "update delivered again after it was handled; answered 200",
    );
  });

  it("handles a payment update again when its handler failed, and then only once", async () => {
    const at = await world();
    const { bot, captured } = await webhookBot(at, {
      payment: async (attempt) => {
        if (attempt === 1)
          throw new Error("OOM command not allowed when used memory > 'maxmemory'");
      },
    });
    const buyer = at.emulator.user();
    await payStarsInvoice(bot, buyer);

    await buyer.waitForText("recorded");
    await waitUntil(() => at.emulator.state.queue.size === 0, "Telegram to drop the payment");
    expect(said(buyer, "recorded")).toHaveLength(1);
    expect(at.emulator.state.webhook?.lastErrorMessage).toBe(
      "Wrong response from the webhook: 500 Internal Server Error",
    );
    const failed = captured.records().filter((r) => r.msg.startsWith("webhook update not handled"));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ level: 40, orderId: "order-1" });
  });

  it("answers 200 to an update without money that failed, after the error handler, and it is not sent again", async () => {
    const at = await world();
    await webhookBot(at, {
      text: async () => {
        throw new Error("Bad Request: query is too old and response timeout expired");
      },
    });
    const buyer = at.emulator.user();
    buyer.send("hello");

    await buyer.waitForText("sorry");
    await waitUntil(() => at.emulator.state.queue.size === 0, "Telegram to drop the update");
    expect(at.emulator.stats.webhookPushes).toBe(1);
    expect(at.emulator.state.webhook?.lastErrorMessage).toBeUndefined();
    expect(said(buyer, "sorry")).toHaveLength(1);
  });

  it("answers 200 in time to an update without money that is slow, and finishes it once", async () => {
    const at = await world();
    const slow = gate();
    const { captured } = await webhookBot(at, { text: () => slow.opened }, { answerWithinMs: 200 });
    const buyer = at.emulator.user();
    buyer.send("hello");

    await waitUntil(() => at.emulator.state.queue.size === 0, "the webhook to answer");
    expect(buyer.fromBot()).toHaveLength(0);
    expect(
      captured.records().find((r) => r.msg.startsWith("update still being handled")),
    ).toMatchObject({ level: 40, waitedMs: 200 });

    slow.open();
    await buyer.waitForText("seen: hello");
    expect(at.emulator.stats.webhookPushes).toBe(1);
    expect(said(buyer, "seen: hello")).toHaveLength(1);
  });

  it("runs an update posted twice once: 503 while the first is in hand, 200 once it is done", async () => {
    const at = await world();
    const first = gate();
    let started = 0;
    const { captured } = await webhookBot(at, {
      text: async () => {
        started++;
        await first.opened;
      },
    });
    const buyer = at.emulator.user();
    const update = textUpdate(buyer, "hello");

    const firstAnswer = post(at.url, update);
    await waitUntil(() => started === 1, "the first delivery to be in hand");
    const whileInHand = await post(at.url, update);
    expect(whileInHand.status).toBe(503);

    first.open();
    expect((await firstAnswer).status).toBe(200);
    const afterwards = await post(at.url, update);
    expect(afterwards.status).toBe(200);

    expect(started).toBe(1);
    expect(said(buyer, "seen: hello")).toHaveLength(1);
    expect(await at.redis.get(`${at.prefix}telegram-update:${update.update_id}`)).toBe("handled");
    const repeats = captured.records().filter((r) => r.updateId === update.update_id);
    expect(repeats.map((r) => r.msg)).toEqual([
      "update delivered again while being handled; answered 503",
      "update delivered again after it was handled; answered 200",
    ]);
  });

  it("runs an update whose first process died mid-way once its claim lapses", async () => {
    const at = await world();
    let firstStarted = false;
    const dying = await webhookBot(
      at,
      {
        text: () => {
          firstStarted = true;
          // This process never gets further: it is as good as dead.
          return new Promise(() => {});
        },
      },
      // Outlasts the stop below (2 s), so the next process finds the claim still held.
      { claimMs: 6000 },
    );
    const buyer = at.emulator.user();
    buyer.send("hello");
    await waitUntil(() => firstStarted, "the first process to take the update");
    await dying.stop();
    // The dead process's claim outlives it, neither handled nor given back.
    const [key = "", ...others] = await at.redis.keys(`${at.prefix}telegram-update:*`);
    expect(others).toEqual([]);
    expect(await at.redis.get(key)).not.toBe("handled");
    expect(await at.redis.pttl(key)).toBeGreaterThan(0);

    await webhookBot(at, {}, { claimMs: 6000 });
    await buyer.waitForText("seen: hello");
    await waitUntil(() => at.emulator.state.queue.size === 0, "Telegram to drop the update");
    expect(said(buyer, "seen: hello")).toHaveLength(1);
    expect(await at.redis.get(key)).toBe("handled");
  });
});

describe("webhook: requests that are not Telegram's updates", () => {
  it("refuses a missing or wrong secret (401), another path (404), and runs nothing", async () => {
    const at = await world();
    await webhookBot(at);
    const buyer = at.emulator.user();
    const update = textUpdate(buyer, "/forged");

    expect((await post(at.url, update, null)).status).toBe(401);
    expect((await post(at.url, update, "test_webhook-secret_0123456788")).status).toBe(401);
    expect((await post(at.url, update, `${SECRET}x`)).status).toBe(401);
    expect((await post(at.url.replace("/hook", "/other"), update)).status).toBe(404);
    expect((await fetch(at.url)).status).toBe(404);

    expect(buyer.fromBot()).toHaveLength(0);
    expect(await at.redis.exists(`${at.prefix}telegram-update:${update.update_id}`)).toBe(0);
  });

  it("refuses a body that says it is over the limit with 413 before any of it is sent", async () => {
    const at = await world();
    const { captured } = await webhookBot(at);
    const port = at.port;
    // Headers only: the body is never written, so an answer proves it was not waited for.
    const answer = await new Promise<{ status: number; connection?: string }>((resolve, reject) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port,
        path: "/telegram/hook",
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": String(MAX_UPDATE_BYTES + 1),
          "x-telegram-bot-api-secret-token": SECRET,
        },
      });
      req.on("response", (response) => {
        resolve({ status: response.statusCode ?? 0, connection: response.headers.connection });
        response.resume();
        req.destroy();
      });
      req.on("error", reject);
      req.flushHeaders();
    });
    expect(answer).toEqual({ status: 413, connection: "close" });
    expect(captured.records().find((r) => r.msg.includes("too large"))).toMatchObject({
      level: 40,
      length: String(MAX_UPDATE_BYTES + 1),
    });
  });

  it("refuses a streamed body with 413 once it passes the limit, before the sender has finished", async () => {
    const at = await world();
    await webhookBot(at);
    const chunk = Buffer.alloc(64 * 1024, "x");
    let sent = 0;
    // A raw socket: the server may close it while we still write, and what it answered must be
    // read whatever the write side sees (EPIPE, a reset).
    const status = await new Promise<number>((resolve, reject) => {
      const socket = connect({ host: "127.0.0.1", port: at.port });
      let answer = "";
      let answered = false;
      socket.on("data", (data: Buffer) => {
        answer += data.toString("latin1");
        const code = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
        if (code && !answered) {
          answered = true;
          resolve(Number(code));
          socket.destroy();
        }
      });
      socket.on("error", () => undefined);
      socket.on("close", () => {
        if (!answered) reject(new Error(`closed without an answer: ${answer.slice(0, 200)}`));
      });
      // Chunked, no Content-Length, and never ended: only counting the bytes can stop it.
      socket.write(
        "POST /telegram/hook HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
          "Content-Type: application/json\r\n" +
          `X-Telegram-Bot-Api-Secret-Token: ${SECRET}\r\n` +
          "Transfer-Encoding: chunked\r\n\r\n",
      );
      const write = () => {
        if (answered || socket.destroyed) return;
        sent += chunk.length;
        const framed = Buffer.concat([
          Buffer.from(`${chunk.length.toString(16)}\r\n`),
          chunk,
          Buffer.from("\r\n"),
        ]);
        if (socket.write(framed)) setImmediate(write);
        else socket.once("drain", write);
      };
      write();
    });
    expect(status).toBe(413);
    expect(sent).toBeGreaterThan(MAX_UPDATE_BYTES);
  });

  it("refuses a body that is not an update with 400, and still serves the next one", async () => {
    const at = await world();
    await webhookBot(at);
    const buyer = at.emulator.user();

    expect((await post(at.url, "{not json")).status).toBe(400);
    expect((await post(at.url, { message: { text: "no update_id" } })).status).toBe(400);
    expect((await post(at.url, { update_id: "7" })).status).toBe(400);
    expect((await post(at.url, "null")).status).toBe(400);
    expect(buyer.fromBot()).toHaveLength(0);

    expect((await post(at.url, textUpdate(buyer, "fine"))).status).toBe(200);
    await buyer.waitForText("seen: fine");
  });
});
