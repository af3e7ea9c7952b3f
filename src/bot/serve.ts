import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createConcurrentSink, createRunner, createSource } from "@grammyjs/runner";
import { type Bot, BotError } from "grammy";
import type { Update } from "grammy/types";
import { within } from "../clock.js";
import type { Routes } from "../http/server.js";
import type { Logger } from "../log.js";
import type { RedisClient } from "../redis/client.js";
import { whenTelegramAnswers } from "./api/outage.js";
import type { BotContext } from "./context.js";
import { HandledUpdates, type UpdateClaim } from "./handled-updates.js";
import { isPaymentUpdate, paymentFields, UpdateFeed } from "./update-feed.js";

const ALLOWED_UPDATES = [
  "message",
  "callback_query",
  "pre_checkout_query",
  "shipping_query",
  // A subscription's renewal canceled, re-enabled or failed (Bot API 10.2).
  "subscription",
] as const;

/** How long stopping waits for the runner, for payments being recorded, and to confirm. */
const STOP_RUNNER_MS = 1000;
const STOP_PAYMENTS_MS = 2000;
const STOP_CONFIRM_MS = 2000;

/**
 * Long polling through @grammyjs/runner — its source, concurrent sink and sequentialize — with
 * an UpdateFeed as the source's supplier, so no payment update is confirmed before it is
 * recorded. Returns a function that stops it within a few seconds whatever the handlers wait on.
 */
export async function startPolling(
  bot: Bot<BotContext>,
  log: Logger,
): Promise<() => Promise<void>> {
  await bot.api.deleteWebhook();
  await bot.init();
  const feed = new UpdateFeed(bot.api, { allowedUpdates: ALLOWED_UPDATES, log });
  const sink = createConcurrentSink<Update, BotError<BotContext>>(
    { consume: (update) => feed.handle(update, () => bot.handleUpdate(update)) },
    async (error) => {
      try {
        await bot.errorHandler(error);
      } catch (failure) {
        log.error({ err: failure }, "the bot's error handler failed");
      }
    },
  );
  const runner = createRunner(createSource(feed), sink);
  runner.start();
  runner.task()?.catch((error: unknown) => log.fatal({ err: error }, "long polling stopped"));
  return async () => {
    // Handlers stuck on an unreachable Redis are not waited for: what they hold stays with Telegram.
    await within(STOP_RUNNER_MS, runner.stop());
    await feed.settled(STOP_PAYMENTS_MS);
    await feed.confirm(STOP_CONFIRM_MS).catch((error: unknown) => {
      log.warn({ err: error }, "handled updates not confirmed; Telegram will send them again");
    });
    if (feed.heldCount > 0) {
      log.warn(
        { held: feed.heldCount },
        "payment updates not recorded yet stay with Telegram for the next start",
      );
    }
  };
}

export interface WebhookOptions {
  url: string;
  secret: string | undefined;
  port: number;
  /** Where handled update ids are kept, shared by every process behind the webhook URL. */
  redis: RedisClient;
  prefix: string;
  log: Logger;
  /** How long a request may take before it is answered anyway; WEBHOOK_ANSWER_MS by default. */
  answerWithinMs?: number;
  /** How long a claim on an update holds while it is handled; CLAIM_MS by default. */
  claimMs?: number;
  /** GET routes served beside the webhook: metrics and health when METRICS_PORT is PORT. */
  routes?: Routes;
}

/**
 * The largest request body taken. A Telegram update is a few kilobytes — a 4096-character message
 * quoting another with all their entities stays well under 100 KB — so 1 MiB refuses only what
 * Telegram never sends, and bounds what one request can make the process hold at 1 MiB.
 */
export const MAX_UPDATE_BYTES = 1024 * 1024;
/** How long a webhook request may take before it is answered anyway (grammY's default). */
const WEBHOOK_ANSWER_MS = 10_000;
/**
 * How long an update is claimed while it is handled: longer than any request is held, short
 * enough that an update whose process died is run at one of Telegram's next tries.
 */
const CLAIM_MS = 30_000;
/** How long stopping waits for webhook requests in hand before cutting their connections. */
const STOP_WEBHOOK_MS = 2000;
const SECRET_HEADER = "x-telegram-bot-api-secret-token";

/** How the handling of one delivered update ended, and so what Telegram is answered. */
type Outcome = "handled" | "failed" | "repeat" | "in-hand";

export interface WebhookServer {
  /**
   * Takes updates from here on (the bot must be initialised), then sets Telegram's webhook,
   * waiting for Telegram to answer unless `signal` aborts first.
   */
  open(signal?: AbortSignal): Promise<void>;
  /** Stops within a few seconds; requests still in hand get no answer and come again. */
  stop(): Promise<void>;
}

/**
 * Webhook mode: a small HTTP server that hands each update to the bot. Behind a load balancer,
 * run as many as needed: they share one record of the updates handled.
 *
 * - A request without the right X-Telegram-Bot-Api-Secret-Token is refused (401), and a body
 *   over MAX_UPDATE_BYTES (413) before it is read in full.
 * - An update runs once, whatever Telegram repeats: a repeat of one handled is answered 200, and
 *   one that arrives while the first delivery is still being handled 503, so Telegram asks again
 *   — if the process handling it dies, its claim lapses after CLAIM_MS and a later try runs it.
 *   With Redis away there is no telling: the update runs, and payments stay idempotent.
 * - A failure goes to the bot's error handler, as in polling. An update that carries no money is
 *   then done with (200): Telegram would only send it again to fail again. A payment update is
 *   answered 2xx only once recorded: a failure, or no result within WEBHOOK_ANSWER_MS, is
 *   answered 500 and Telegram delivers it again.
 *
 * The server listens at once: its routes (metrics and health on a shared port) answer while the
 * shop still waits for Telegram, and updates are answered 503, so Telegram delivers them again,
 * until `open()`.
 */
export async function listenWebhook(
  bot: Bot<BotContext>,
  options: WebhookOptions,
): Promise<WebhookServer> {
  const { log } = options;
  let taking = false;
  const path = new URL(options.url).pathname;
  const answerWithinMs = options.answerWithinMs ?? WEBHOOK_ANSWER_MS;
  const updates = new HandledUpdates(options.redis, options.prefix, options.claimMs ?? CLAIM_MS);
  const secret = options.secret === undefined ? undefined : sha256(options.secret);

  /** Compared as digests, so the time taken tells nothing about the secret or its length. */
  const secretMatches = (header: string | string[] | undefined) => {
    if (secret === undefined) return true;
    const given = Array.isArray(header) ? header[0] : header;
    return given !== undefined && timingSafeEqual(sha256(given), secret);
  };

  const runErrorHandler = async (error: BotError<BotContext>) => {
    try {
      await bot.errorHandler(error);
    } catch (failure) {
      log.error({ err: failure }, "the bot's error handler failed");
    }
  };

  /** Runs the bot on an update unless it ran already; never rejects. */
  const handleOnce = async (update: Update): Promise<Outcome> => {
    const updateId = update.update_id;
    let claim: UpdateClaim | undefined;
    try {
      claim = await updates.claim(updateId);
    } catch (error) {
      // Redis refuses writes: the update is still handled, only a repeat would run again.
      log.warn(
        { err: error, updateId, ...paymentFields(update) },
        "update not claimed; handling it without the repeat check",
      );
    }
    if (claim?.kind === "handled") return "repeat";
    if (claim?.kind === "in-hand") return "in-hand";
    const token = claim?.kind === "claimed" ? claim.token : undefined;
    try {
      await bot.handleUpdate(update);
    } catch (error) {
      if (error instanceof BotError) await runErrorHandler(error as BotError<BotContext>);
      else log.error({ err: error, updateId, ...paymentFields(update) }, "update not handled");
      if (isPaymentUpdate(update) || !(error instanceof BotError)) {
        if (token !== undefined) {
          await updates.release(updateId, token).catch((failure: unknown) => {
            log.warn({ err: failure, updateId }, "claim on a failed update not released");
          });
        }
        return "failed";
      }
    }
    if (token !== undefined) {
      await updates.markHandled(updateId).catch((error: unknown) => {
        log.warn({ err: error, updateId }, "handled update not recorded; a repeat of it would run");
      });
    }
    return "handled";
  };

  /** The status Telegram is answered for one update. */
  const answer = async (update: Update): Promise<number> => {
    const updateId = update.update_id;
    const payment = isPaymentUpdate(update);
    const outcome = await within(answerWithinMs, handleOnce(update));
    switch (outcome) {
      case "handled":
        return 200;
      case "repeat":
        log.info({ updateId }, "update delivered again after it was handled; answered 200");
        return 200;
      case "in-hand":
        log.info({ updateId }, "update delivered again while being handled; answered 503");
        return 503;
      case "failed":
        log.warn(
          { updateId, ...paymentFields(update) },
          "webhook update not handled; answered 500 so Telegram delivers it again",
        );
        return 500;
      case undefined:
        if (payment) {
          log.warn(
            { updateId, ...paymentFields(update), waitedMs: answerWithinMs },
            "payment update not recorded in time; answered 500 so Telegram delivers it again",
          );
          return 500;
        }
        // Still running; it finishes on its own, and Telegram goes on with the chat's next update.
        log.warn(
          { updateId, waitedMs: answerWithinMs },
          "update still being handled; answered 200",
        );
        return 200;
    }
  };

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    if (options.routes?.(request, response)) return;
    if (request.method !== "POST" || pathOf(request.url) !== path) {
      response.writeHead(404).end();
      return;
    }
    if (!secretMatches(request.headers[SECRET_HEADER])) {
      log.warn(
        { remote: request.socket.remoteAddress },
        "webhook request without the secret token",
      );
      response.writeHead(401).end("secret token is wrong");
      return;
    }
    if (!taking) {
      response.writeHead(503, { "retry-after": "1" }).end("not taking updates");
      return;
    }
    const body = await readBody(request, MAX_UPDATE_BYTES);
    if (body === undefined) {
      log.warn(
        { length: request.headers["content-length"], limit: MAX_UPDATE_BYTES },
        "webhook request body too large; refused",
      );
      // The rest of the body is not read: the connection closes once this answer is out.
      response.writeHead(413, { connection: "close" }).end();
      return;
    }
    const update = parseUpdate(body);
    if (update === undefined) {
      log.warn({ bytes: body.length }, "webhook request is not a Telegram update; refused");
      response.writeHead(400).end();
      return;
    }
    const status = await answer(update);
    if (!response.headersSent) response.writeHead(status).end();
  };

  const server: Server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      log.error({ err: error }, "webhook request failed");
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new Error(`PORT ${options.port} could not be opened (${error.code ?? error.message})`),
      );
    });
    server.listen(options.port, () => {
      server.removeAllListeners("error");
      resolve();
    });
  });
  log.info({ port: options.port, path }, "webhook server listening");
  let stopped: Promise<void> | undefined;
  const stop = async () => {
    taking = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await within(STOP_WEBHOOK_MS, closed);
    // Requests still in hand get no answer, so Telegram delivers their updates again.
    server.closeAllConnections();
    await closed;
  };
  return {
    async open(signal) {
      if (!bot.isInited()) throw new Error("the bot takes updates only once initialised");
      taking = true;
      // Telegram may be away as the shop starts: it waits, and the outage lines say so.
      await whenTelegramAnswers(
        () =>
          bot.api.setWebhook(options.url, {
            secret_token: options.secret,
            allowed_updates: [...ALLOWED_UPDATES],
          }),
        signal,
      );
      log.info({ path }, "webhook set; taking updates");
    },
    stop: () => {
      stopped ??= stop();
      return stopped;
    },
  };
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? "/", "http://webhook").pathname;
  } catch {
    return undefined;
  }
}

/**
 * The request body, or undefined as soon as it is known to pass `limit`: at once when
 * Content-Length says so, else when the bytes read pass it. The rest is never read.
 */
function readBody(request: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (Number(request.headers["content-length"]) > limit) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Buffer | undefined, error?: unknown) => {
      request.off("data", onData).off("end", onEnd).off("error", onError);
      if (error === undefined) resolve(result);
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        request.pause();
        done(undefined);
      }
    };
    const onEnd = () => done(Buffer.concat(chunks));
    const onError = (error: unknown) => done(undefined, error);
    request.on("data", onData).on("end", onEnd).on("error", onError);
  });
}

/** The body as an update, or undefined when it is not JSON with a whole-number update_id. */
function parseUpdate(body: Buffer): Update | undefined {
  try {
    const value: unknown = JSON.parse(body.toString("utf8"));
    const id = (value as { update_id?: unknown } | null)?.update_id;
    return typeof id === "number" && Number.isSafeInteger(id) ? (value as Update) : undefined;
  } catch {
    return undefined;
  }
}
