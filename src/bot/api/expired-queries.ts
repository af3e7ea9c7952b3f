import type { Transformer } from "grammy";
import type { Logger } from "../../log.js";

/** The start of Telegram's description for a callback query it no longer takes an answer to. */
const TOO_OLD = "Bad Request: query is too old";

/**
 * A button press reaches the bot after Telegram stopped waiting for its answer — the bot was
 * slow, or the update arrived late after an outage — and answerCallbackQuery fails with "query is
 * too old". That answer would only have stopped a spinner the buyer's app stopped long ago, so it
 * counts as given and the handler carries on: the buyer still gets the card, order or message
 * the press asked for, instead of nothing.
 */
export function carryOnPastExpiredQueries(log: Logger): Transformer {
  return async (prev, method, payload, signal) => {
    const result = await prev(method, payload, signal);
    if (method !== "answerCallbackQuery" || result.ok || !result.description.startsWith(TOO_OLD)) {
      return result;
    }
    const { callback_query_id: queryId } = payload as { callback_query_id?: string };
    log.info({ queryId }, "button press answered after Telegram stopped waiting; carrying on");
    return { ok: true, result: true } as unknown as typeof result;
  };
}
