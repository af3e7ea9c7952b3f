import { createServer, type Server } from "node:http";
import { run } from "@grammyjs/runner";
import { type Bot, webhookCallback } from "grammy";
import type { Logger } from "../log.js";
import type { BotContext } from "./context.js";

export const ALLOWED_UPDATES = [
  "message",
  "callback_query",
  "pre_checkout_query",
  "shipping_query",
] as const;

/** Long polling through @grammyjs/runner; returns a function that stops it. */
export async function startPolling(bot: Bot<BotContext>): Promise<() => Promise<void>> {
  await bot.api.deleteWebhook();
  const runner = run(bot, { runner: { fetch: { allowed_updates: [...ALLOWED_UPDATES] } } });
  return async () => {
    if (runner.isRunning()) await runner.stop();
  };
}

export interface WebhookOptions {
  url: string;
  secret: string | undefined;
  port: number;
  log: Logger;
}

/**
 * Webhook mode: a small HTTP server that hands each update to grammY, which refuses requests
 * without the right X-Telegram-Bot-Api-Secret-Token. Behind a load balancer, run as many as needed.
 */
export async function startWebhook(bot: Bot<BotContext>, options: WebhookOptions) {
  await bot.init();
  const handle = webhookCallback(bot, "http", { secretToken: options.secret });
  const path = new URL(options.url).pathname;
  const server: Server = createServer((request, response) => {
    if (request.method !== "POST" || request.url !== path) {
      response.writeHead(404).end();
      return;
    }
    handle(request, response).catch((error: unknown) => {
      options.log.error({ err: error }, "webhook update failed");
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
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
