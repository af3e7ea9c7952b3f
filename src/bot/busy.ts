import type { I18n } from "@grammyjs/i18n";
import type { Context, MiddlewareFn } from "grammy";
import type { RedisClient } from "../redis/client.js";
import type { BotContext } from "./context.js";
import { negotiateLocale } from "./i18n.js";
import { isPaymentUpdate } from "./update-feed.js";

/** A person writing again and again during an outage is told once in this long. */
const TELL_AGAIN_AFTER_MS = 10_000;
/** Past this many people remembered, those told long ago are forgotten. */
const REMEMBER_AT_MOST = 1000;

/**
 * While RedisClient is away, a buyer's message, button or checkout is answered at once with "busy,
 * try again in a minute" instead of waiting on RedisClient in silence. It reads nothing from RedisClient:
 * the connection's own status says whether it is there. Payment updates pass on, to wait for
 * RedisClient and fail until they are recorded, so Telegram delivers them again.
 */
export function busyWhileRedisAway(
  redis: RedisClient,
  i18n: I18n<BotContext>,
): MiddlewareFn<BotContext> {
  const toldAt = new Map<number, number>();
  const firstInWindow = (userId: number): boolean => {
    const now = Date.now();
    const last = toldAt.get(userId);
    if (last !== undefined && now - last < TELL_AGAIN_AFTER_MS) return false;
    if (toldAt.size >= REMEMBER_AT_MOST) {
      for (const [id, at] of toldAt) if (now - at >= TELL_AGAIN_AFTER_MS) toldAt.delete(id);
    }
    toldAt.set(userId, now);
    return true;
  };

  return async (ctx, next) => {
    if (redis.status === "ready" || isPaymentUpdate(ctx.update)) return next();
    const text = i18n.t(negotiateLocale(ctx.from?.language_code), "error-busy");
    // Telegram may be away too; an answer that fails is one nobody could have received.
    const answer = async (send: () => Promise<unknown>) => {
      await send().catch(() => undefined);
    };
    if (ctx.preCheckoutQuery) {
      await answer(() => ctx.answerPreCheckoutQuery(false, { error_message: text }));
    } else if (ctx.shippingQuery) {
      await answer(() => ctx.answerShippingQuery(false, { error_message: text }));
    } else if (ctx.callbackQuery) {
      await answer(() => ctx.answerCallbackQuery({ text }));
    } else if (ctx.message && ctx.from && isAddressedToBot(ctx) && firstInWindow(ctx.from.id)) {
      await answer(() => ctx.reply(text));
    }
  };
}

/** In a private chat every message is for the bot; in a group, only commands. */
function isAddressedToBot(ctx: Context): boolean {
  return ctx.chat?.type === "private" || ctx.message?.text?.startsWith("/") === true;
}
