import { HttpError, type Transformer } from "grammy";
import pRetry from "p-retry";
import type { Logger } from "../../log.js";
import { type Metrics, noMetrics } from "../../metrics.js";
import { Outage } from "../../outage.js";
import { telegramUnreachable } from "./errors.js";

/**
 * Follows every call the bot makes to the Bot API, from an API transformer installed once: a
 * network failure, a gateway's error page or a 5xx starts an outage, any other answer (a 4xx
 * included: Telegram answered) ends it. Installed before auto-retry, it sees each attempt.
 */
export function followTelegram(
  log: Logger,
  metrics: Metrics = noMetrics,
): { outage: Outage; transformer: Transformer } {
  const outage = new Outage(log, {
    service: "telegram",
    down: "Telegram unreachable; messages wait and are sent again",
    up: "Telegram reachable again",
  });
  const transformer: Transformer = async (prev, method, payload, signal) => {
    try {
      const result = await prev(method, payload, signal);
      if (!result.ok) metrics.telegramError(method, String(result.error_code));
      if (result.ok || result.error_code < 500) outage.answered();
      else outage.failed({ method, code: result.error_code, description: result.description });
      return result;
    } catch (error) {
      // A call the shop itself cancelled (polling stopping) says nothing about Telegram.
      if (error instanceof HttpError && !signal?.aborted) {
        metrics.telegramError(method, "network");
        outage.failed({ method, reason: error.message, code: causeCode(error.error) });
      }
      throw error;
    }
  };
  return { outage, transformer };
}

/**
 * "ECONNREFUSED", "ECONNRESET", or node-fetch's "invalid-json" for a gateway's HTML page. The
 * cause's message is not logged: it holds the request URL, and with it the bot token.
 */
function causeCode(cause: unknown): string | undefined {
  if (typeof cause !== "object" || cause === null) return undefined;
  const { code, type, name } = cause as { code?: unknown; type?: unknown; name?: unknown };
  for (const value of [code, type, name]) if (typeof value === "string") return value;
  return undefined;
}

/**
 * Runs `call` until Telegram answers it: for start-up, which has nothing to do before it does.
 * While Telegram is away it is tried again 1 s, 2 s… at most 30 s apart (the outage's own lines
 * say what is going on); any other failure is thrown at once, and so is `signal`'s abort.
 */
export function whenTelegramAnswers<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return pRetry(call, {
    signal,
    retries: Number.POSITIVE_INFINITY,
    factor: 2,
    minTimeout: 1000,
    maxTimeout: 30_000,
    shouldRetry: ({ error }) => telegramUnreachable(error),
  });
}
