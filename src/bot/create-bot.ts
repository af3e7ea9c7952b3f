import { autoRetry } from "@grammyjs/auto-retry";
import { limit } from "@grammyjs/ratelimiter";
import { sequentialize } from "@grammyjs/runner";
import { Bot, type Composer, GrammyError, HttpError, session } from "grammy";
import { paidOnChain } from "../catalog/catalog.js";
import { noMetrics, secondsSince } from "../metrics.js";
import { redisKeys } from "../redis/keys.js";
import { telegramUnreachable } from "./api/errors.js";
import { carryOnPastExpiredQueries } from "./api/expired-queries.js";
import { followTelegram } from "./api/outage.js";
import { busyWhileRedisAway } from "./busy.js";
import type { BotContext, SessionData } from "./context.js";
import { adminFeature } from "./features/admin.js";
import { infoFeature } from "./features/info.js";
import { ordersFeature } from "./features/orders.js";
import { payTelegramFeature, preCheckoutFeature } from "./features/pay-telegram.js";
import { payTonFeature } from "./features/pay-ton.js";
import { shopFeature } from "./features/shop.js";
import { subscriptionsFeature } from "./features/subscriptions.js";
import { supportFeature } from "./features/support.js";
import { termsFeature } from "./features/terms.js";
import { walletFeature } from "./features/wallet.js";
import { createI18n, negotiateLocale } from "./i18n.js";
import type { AdminServices, ShopServices } from "./services.js";
import { isPaymentUpdate } from "./update-feed.js";

/**
 * A quick buyer taps /shop, a product, "+" a few times and "Pay" within a couple of seconds;
 * fifteen updates in three seconds allows that and stops a script.
 */
const RATE_WINDOW_MS = 3000;
const RATE_LIMIT = 15;

/**
 * auto-retry waits out a 429 when Telegram asks for a few seconds, a few times. A network
 * failure or a 5xx goes straight back to the caller, whose own retries are bounded and wake up
 * when Telegram is back: left to auto-retry, they would be retried with no limit on attempts
 * and a wait that doubles up to an hour.
 */
const RETRY_AFTER_AT_MOST_S = 5;
const RETRY_ATTEMPTS = 3;
/**
 * A call with no answer by then has failed (grammY would wait 500 s): a network that drops
 * packets silently is noticed, and retried, within a minute. Above getUpdates' 30 s long poll.
 */
const CALL_TIMEOUT_S = 60;

export interface BotOptions {
  token: string;
  /** Bot API root: Telegram's, a self-hosted Bot API server, or the sandbox emulator. */
  apiRoot: string;
  /** Telegram's test environment. */
  testEnv: boolean;
}

/** The buyer-facing bot: grammY, one Composer per feature, sessions in Redis for UI state only. */
export function createBot(options: BotOptions, services: ShopServices, admin: AdminServices) {
  const bot = new Bot<BotContext>(options.token, {
    client: {
      apiRoot: options.apiRoot,
      environment: options.testEnv ? "test" : "prod",
      timeoutSeconds: CALL_TIMEOUT_S,
    },
  });
  const { log } = services;
  // First, so it sees every attempt auto-retry makes.
  const metrics = services.metrics ?? noMetrics;
  const telegram = followTelegram(log, metrics);
  bot.api.config.use(telegram.transformer);
  bot.api.config.use(
    autoRetry({
      maxRetryAttempts: RETRY_ATTEMPTS,
      maxDelaySeconds: RETRY_AFTER_AT_MOST_S,
      rethrowHttpErrors: true,
      rethrowInternalServerErrors: true,
    }),
  );
  bot.api.config.use(carryOnPastExpiredQueries(log));
  const i18n = createI18n();

  bot.use(async (_ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.updateHandled(secondsSince(started));
    }
  });
  // Before anything that reads Redis; pre-checkout included, which Telegram waits 10 s for.
  bot.use(busyWhileRedisAway(services.redis, i18n));
  bot.use(preCheckoutFeature(services, i18n) as unknown as Composer<BotContext>);
  // Updates of one chat run in order; different chats run in parallel under the runner.
  bot.use(sequentialize((ctx) => ctx.chat?.id.toString() ?? ctx.from?.id.toString()));
  bot.use(
    limit<BotContext, typeof services.redis>({
      timeFrame: RATE_WINDOW_MS,
      limit: RATE_LIMIT,
      storageClient: services.redis,
      // Payment updates are never dropped: Telegram cancels a payment the bot does not answer.
      keyGenerator: (ctx) =>
        ctx.shippingQuery ||
        ctx.message?.successful_payment ||
        ctx.message?.refunded_payment ||
        ctx.update.subscription
          ? undefined
          : ctx.from?.id.toString(),
      keyPrefix: redisKeys(services.prefix).rateLimitPrefix,
      onLimitExceeded: async (ctx) => {
        const userId = ctx.from?.id;
        // Told once per window; the rest of a flood is dropped without a word.
        const first = await services.redis.set(
          redisKeys(services.prefix).rateLimitTold(userId ?? 0),
          "1",
          "PX",
          RATE_WINDOW_MS,
          "NX",
        );
        if (first === null) return;
        log.warn({ userId }, "user rate limited");
        const text = i18n.t(negotiateLocale(ctx.from?.language_code), "error-slow-down");
        if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text }).catch(() => undefined);
        else if (ctx.chat) await ctx.reply(text).catch(() => undefined);
      },
    }),
  );
  bot.use(
    session<SessionData, BotContext>({
      initial: () => ({}),
      storage: services.sessions.storage,
      getSessionKey: (ctx) => (ctx.from ? services.sessions.key(ctx.from.id) : undefined),
    }),
  );
  bot.use(i18n);

  const shop = shopFeature(services);
  const payTon = payTonFeature(services);
  const payTelegram = payTelegramFeature(services);
  const wallet = walletFeature(services);
  const orders = ordersFeature(services);
  const terms = termsFeature(services, (ctx, purchase) =>
    paidOnChain(purchase.method) ? payTon.buy(ctx, purchase) : payTelegram.buy(ctx, purchase),
  );
  const support = supportFeature(services, admin);
  bot.use(
    infoFeature(services, {
      showProduct: shop.showProduct,
      showCatalog: shop.showCatalog,
      showOrders: orders.showOrders,
      openWallet: wallet.openWallet,
      openSupport: support.openTicket,
    }),
  );
  bot.use(terms.feature);
  bot.use(shop.feature);
  bot.use(payTon.feature);
  bot.use(wallet.feature);
  bot.use(payTelegram.feature);
  bot.use(orders.feature);
  bot.use(subscriptionsFeature(services).feature);
  bot.use(adminFeature(admin));
  bot.use(support.feature);

  // A command nobody handles — including /admin from someone who is not an admin. In a group,
  // /cmd@other_bot is another bot's to answer.
  bot.on("message:text", async (ctx, next) => {
    if (!ctx.message.text.startsWith("/")) return next();
    const addressee = /^\/\w+@(\w+)/.exec(ctx.message.text)?.[1];
    if (addressee && addressee.toLowerCase() !== ctx.me.username.toLowerCase()) return next();
    await ctx.reply(ctx.t("unknown-command"));
  });

  // Callback data nobody recognises or that does not read: an old keyboard, or something forged.
  bot.on("callback_query", async (ctx) => {
    log.warn(
      {
        userId: ctx.from.id,
        chatId: ctx.chat?.id,
        data: (ctx.callbackQuery.data ?? ctx.callbackQuery.game_short_name ?? "").slice(0, 64),
      },
      "unknown callback data",
    );
    await ctx.answerCallbackQuery({ text: ctx.t("error-forged"), show_alert: true });
  });

  bot.catch(async ({ ctx, error }) => {
    const detail =
      error instanceof GrammyError
        ? { method: error.method, code: error.error_code, description: error.description }
        : error instanceof HttpError
          ? { http: error.message }
          : { err: error };
    // While Telegram is away, one line says so for every call that fails.
    const level = telegramUnreachable(error) ? "debug" : "error";
    log[level]({ updateId: ctx.update.update_id, ...detail }, "update failed");
    // A payment update is handled again until it is recorded; the buyer hears "paid" then.
    if (isPaymentUpdate(ctx.update)) return;
    const notice = ctx.t?.("error-generic") ?? "Something went wrong. Please try again.";
    if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: notice }).catch(() => undefined);
    else if (ctx.chat) await ctx.reply(notice).catch(() => undefined);
  });

  /** `outage` says when the Bot API is away and when it is back. */
  return { bot, i18n, outage: telegram.outage };
}
