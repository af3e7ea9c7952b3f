import { createServer, type Server } from "node:http";
import { createConcurrentSink, createRunner, createSource } from "@grammyjs/runner";
import { type Bot, BotError, webhookCallback } from "grammy";
import type { Update } from "grammy/types";
import type { Logger } from "../log.js";
import type { BotContext } from "./context.js";
import { isPaymentUpdate, UpdateFeed } from "./update-feed.js";

export const ALLOWED_UPDATES = [
  "message",
  "callback_query",
  "pre_checkout_query",
  "shipping_query",
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

/** Resolves when `task` settles or after `ms`, whichever comes first. */
function within(ms: number, task: Promise<unknown> | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    task?.then(done, done);
  });
}

export interface WebhookOptions {
  url: string;
  secret: string | undefined;
  port: number;
  log: Logger;
}

/** How long a webhook request may take before it is answered 500 (grammY's default, said aloud). */
const WEBHOOK_ANSWER_MS = 10_000;
/** How long stopping waits for webhook requests in hand before cutting their connections. */
const STOP_WEBHOOK_MS = 2000;

/**
 * Webhook mode: a small HTTP server that hands each update to grammY, which refuses requests
 * without the right X-Telegram-Bot-Api-Secret-Token. Behind a load balancer, run as many as needed.
 * A payment update is answered 2xx only once recorded: a failure or a handler stuck past
 * WEBHOOK_ANSWER_MS gets a 500, and Telegram delivers the update again.
 */
export async function startWebhook(bot: Bot<BotContext>, options: WebhookOptions) {
  await bot.init();
  const handle = webhookCallback(bot, "http", {
    secretToken: options.secret,
    onTimeout: "throw",
    timeoutMilliseconds: WEBHOOK_ANSWER_MS,
  });
  const path = new URL(options.url).pathname;
  const server: Server = createServer((request, response) => {
    if (request.method !== "POST" || request.url !== path) {
      response.writeHead(404).end();
      return;
    }
    handle(request, response).catch(async (error: unknown) => {
      // An update that carries no money is done with, as in polling: the error handler tells the
      // buyer, and Telegram is not asked to hold up the chat's later updates for it.
      if (error instanceof BotError && !isPaymentUpdate(error.ctx.update)) {
        try {
          await bot.errorHandler(error as BotError<BotContext>);
        } catch (failure) {
          options.log.error({ err: failure }, "the bot's error handler failed");
        }
        if (!response.headersSent) response.writeHead(200).end();
        return;
      }
      options.log.error(
        {
          err: error,
          updateId: error instanceof BotError ? error.ctx.update.update_id : undefined,
        },
        "webhook update not handled; answered 500 so Telegram delivers it again",
      );
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, resolve));
  await bot.api.setWebhook(options.url, {
    secret_token: options.secret,
    allowed_updates: [...ALLOWED_UPDATES],
  });
  options.log.info({ port: options.port, path }, "webhook server listening");
  return async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await within(STOP_WEBHOOK_MS, closed);
    // Requests still in hand get no answer, so Telegram delivers their updates again.
    server.closeAllConnections();
    await closed;
  };
}
