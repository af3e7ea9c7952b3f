import type { WebhookInfo } from "grammy/types";
import { BotApiError, badRequest } from "../errors.js";
import { optionalArray, optionalBool, optionalInt, optionalString } from "../params.js";
import type { UpdateKind } from "../updates.js";
import type { Handler } from "./context.js";

const MAX_LIMIT = 100;
const WEBHOOK_ACTIVE = new BotApiError(
  409,
  "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
);
const TERMINATED = new BotApiError(
  409,
  "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
);

/**
 * getUpdates with long polling, and the webhook settings. `webhookChanged` lets the server start
 * or stop pushing.
 */
export function updateMethods(webhookChanged: () => void): Record<string, Handler> {
  // The long poll in progress; a newer getUpdates ends it with 409, as Telegram does.
  let activePoll: AbortController | undefined;

  return {
    async getUpdates(params, { state, signal }) {
      if (state.webhook !== undefined) throw WEBHOOK_ACTIVE;
      const offset = optionalInt(params, "offset");
      const limit = Math.min(MAX_LIMIT, Math.max(1, optionalInt(params, "limit") ?? MAX_LIMIT));
      const timeout = Math.max(0, optionalInt(params, "timeout") ?? 0);
      state.queue.setAllowed(readAllowedUpdates(params));
      if (offset !== undefined && offset !== 0) state.queue.confirm(offset);

      activePoll?.abort();
      const poll = new AbortController();
      activePoll = poll;
      const stop = () => poll.abort();
      signal.addEventListener("abort", stop);
      try {
        await state.queue.waitForAny(timeout * 1000, poll.signal);
      } finally {
        signal.removeEventListener("abort", stop);
        if (activePoll === poll) activePoll = undefined;
      }
      if (poll.signal.aborted && !signal.aborted) throw TERMINATED;
      return state.queue.peek(limit);
    },

    setWebhook(params, { state }) {
      const url = optionalString(params, "url") ?? "";
      // telegram-bot-api's checks, in its order; an empty secret sets none.
      const secretToken = optionalString(params, "secret_token") || undefined;
      if (secretToken !== undefined && secretToken.length > 256) {
        throw badRequest("secret token is too long");
      }
      if (secretToken !== undefined && !/^[A-Za-z0-9_-]*$/.test(secretToken)) {
        throw badRequest("secret token contains unallowed characters");
      }
      if (url !== "" && !/^https?:\/\/\S+$/.test(url)) {
        throw badRequest("bad webhook: Failed to resolve host: Name or service not known");
      }
      state.queue.setAllowed(readAllowedUpdates(params));
      if (optionalBool(params, "drop_pending_updates") === true) state.queue.clear();
      state.webhook =
        url === ""
          ? undefined
          : {
              url,
              maxConnections: optionalInt(params, "max_connections") ?? 40,
              ...(secretToken === undefined ? {} : { secretToken }),
            };
      webhookChanged();
      return true;
    },

    deleteWebhook(params, { state }) {
      if (optionalBool(params, "drop_pending_updates") === true) state.queue.clear();
      state.webhook = undefined;
      webhookChanged();
      return true;
    },

    getWebhookInfo(_params, { state }) {
      const hook = state.webhook;
      const allowed = state.queue.allowedUpdates;
      const info: WebhookInfo = {
        url: hook?.url ?? "",
        has_custom_certificate: false,
        pending_update_count: state.queue.size,
      };
      if (hook === undefined) return info;
      return {
        ...info,
        max_connections: hook.maxConnections,
        ip_address: "127.0.0.1",
        ...(hook.lastErrorDate === undefined ? {} : { last_error_date: hook.lastErrorDate }),
        ...(hook.lastErrorMessage === undefined
          ? {}
          : { last_error_message: hook.lastErrorMessage }),
        ...(allowed.length === 0 ? {} : { allowed_updates: [...allowed] }),
      } satisfies WebhookInfo;
    },
  };
}

function readAllowedUpdates(params: Record<string, unknown>): UpdateKind[] | undefined {
  const list = optionalArray(params, "allowed_updates");
  if (list === undefined) return undefined;
  return list.filter((kind): kind is UpdateKind => typeof kind === "string");
}
