import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import type { UserFromGetMe } from "grammy/types";
import { serveOnLoopback } from "../http.js";
import { EmulatedChannel, type EmulatedChannelOptions } from "./channel.js";
import {
  BAD_GATEWAY,
  BotApiError,
  internalServerError,
  METHOD_NOT_FOUND,
  tooManyRequests,
  UNAUTHORIZED,
} from "./errors.js";
import { EmulatedGroup, type EmulatedGroupOptions } from "./group.js";
import { chatMethods } from "./methods/chats.js";
import type { Handler } from "./methods/context.js";
import { messageMethods } from "./methods/messages.js";
import { paymentMethods } from "./methods/payments.js";
import { settingsMethods } from "./methods/settings.js";
import { updateMethods } from "./methods/updates.js";
import { type ApiCall, type Params, readApiCall } from "./request.js";
import { EmulatorState, randomToken } from "./state.js";
import { EmulatedUser, type EmulatedUserOptions } from "./user.js";
import { WebhookPusher } from "./webhook.js";

/**
 * Faults a test can switch on; every field applies to the next calls. `times` is how many calls
 * fail (Infinity: all of them); with `share`, each matching call fails with that probability
 * (0..1) until `times` have.
 */
export interface TelegramFaults {
  /** Methods answered with 429 and `retry_after`, as Telegram does to a flooding bot. */
  rateLimit?: {
    methods: readonly string[];
    times: number;
    retryAfterSeconds: number;
    share?: number;
  };
  /**
   * Methods answered with 500, as the Bot API server answers when Telegram fails behind it
   * (`description` is the text after "Internal Server Error: ", "restart" by default), or with
   * 502 "Bad Gateway", as Telegram's front end answers when the server behind it is down.
   */
  serverError?: {
    methods: readonly string[];
    times: number;
    description?: string;
    status?: 500 | 502;
    share?: number;
  };
  /**
   * Methods whose call takes effect (the message is in the chat) but whose answer never arrives:
   * the connection drops, as when the network fails while Telegram answers.
   */
  lostAnswer?: { methods: readonly string[]; times: number };
  /** Added before every answer. */
  latencyMs?: number;
  /**
   * Telegram is away, for every method and every token, until this is unset again:
   * "bad-gateway" answers as its nginx front does while the Bot API behind it is down — a 502
   * with an HTML page, not JSON; "unreachable" drops each connection unanswered, as a network
   * failure does — requests in hand when it goes away too, a long poll included. No update is
   * pushed to a webhook meanwhile.
   */
  outage?: "bad-gateway" | "unreachable";
}

/** nginx's own 502 page, as api.telegram.org serves it while the Bot API is down. */
const BAD_GATEWAY_PAGE =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
  "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/** Whether this call is one a fault applies to, counting it off when it is. */
function strikes(
  fault: { methods: readonly string[]; times: number; share?: number } | undefined,
  method: string,
): boolean {
  if (fault === undefined || fault.times <= 0 || !fault.methods.includes(method)) return false;
  if (fault.share !== undefined && Math.random() >= fault.share) return false;
  fault.times--;
  return true;
}

export interface TelegramEmulatorStats {
  requests: number;
  byMethod: Record<string, number>;
  rateLimited: number;
  serverErrors: number;
  /** Requests met by an outage: answered 502 or dropped. */
  unanswered: number;

  /** Calls that took effect but whose answer was dropped (`lostAnswer`). */
  lostAnswers: number;
  webhookPushes: number;
}

export interface TelegramEmulator {
  /** The API root for grammY's `client.apiRoot`, e.g. `http://127.0.0.1:PORT`. */
  apiRoot: string;
  token: string;
  bot: UserFromGetMe;
  state: EmulatorState;
  faults: TelegramFaults;
  stats: TelegramEmulatorStats;
  /** A person who has opened a chat with the bot. */
  user(options?: EmulatedUserOptions): EmulatedUser;
  /** A group the bot was added to, with its members. */
  group(options?: EmulatedGroupOptions): EmulatedGroup;
  /** A private channel the bot administers. */
  channel(options?: EmulatedChannelOptions): EmulatedChannel;
  close(): Promise<void>;
}

/** One Bot API call as the emulator saw and answered it. */
export interface BotApiExchange {
  method: string;
  /** Parameters as they arrived: JSON values, or strings from a query, form or multipart body. */
  params: Params;
  /** Part names of the files uploaded with the call. */
  files: string[];
  status: number;
  /** The JSON answer: `{ ok: true, result }` or Telegram's error object. */
  answer: unknown;
}

export interface TelegramEmulatorOptions {
  token?: string;
  username?: string;
  port?: number;
  faults?: TelegramFaults;
  /** How long a shipping or pre-checkout query waits for the bot's answer (Telegram: 10 s). */
  preCheckoutTimeoutMs?: number;
  /** Told of every call answered with JSON, for checking a bot's traffic against the API. */
  onExchange?: (exchange: BotApiExchange) => void;
}

/**
 * A loopback Telegram Bot API: `/bot<token>/<method>` for the methods the shop uses, getUpdates
 * long polling, webhook push with the secret header, and emulated users for tests.
 */
export async function startTelegramEmulator(
  options: TelegramEmulatorOptions = {},
): Promise<TelegramEmulator> {
  const botId = 7_000_000_000 + Math.floor(Math.random() * 1_000_000);
  const token = options.token ?? `${botId}:${randomToken(26)}`;
  const bot: UserFromGetMe = {
    id: Number(token.split(":")[0]) || botId,
    is_bot: true,
    first_name: "TON Shop",
    username: options.username ?? "ton_shop_sandbox_bot",
    // BotFather's defaults: groups allowed, privacy mode on.
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
    has_topics_enabled: false,
    allows_users_to_create_topics: false,
    can_manage_bots: false,
    supports_join_request_queries: false,
  };
  const state = new EmulatorState(bot);
  const faults: TelegramFaults = { ...options.faults };
  // Calls in hand when Telegram goes away fail with it, a long poll included.
  const inHand = new Set<ServerResponse>();
  let outage = faults.outage;
  Object.defineProperty(faults, "outage", {
    enumerable: true,
    get: () => outage,
    set: (value: TelegramFaults["outage"]) => {
      outage = value;
      if (value !== undefined) for (const response of inHand) unanswered(response);
    },
  });
  const stats: TelegramEmulatorStats = {
    requests: 0,
    byMethod: {},
    rateLimited: 0,
    serverErrors: 0,
    unanswered: 0,

    lostAnswers: 0,
    webhookPushes: 0,
  };
  const pusher = new WebhookPusher(state, stats, () => faults.outage !== undefined);
  const methods = new Map<string, Handler>();
  for (const group of [
    messageMethods(),
    paymentMethods(),
    settingsMethods(),
    updateMethods(() => pusher.wake()),
    chatMethods(),
  ]) {
    for (const [name, handler] of Object.entries(group)) methods.set(name.toLowerCase(), handler);
  }

  /** What Telegram away does to a call: nginx's 502 page, or the connection dropped. */
  const unanswered = (response: ServerResponse) => {
    stats.unanswered++;
    if (outage === "unreachable" || response.headersSent) {
      response.socket?.destroy();
      return;
    }
    response.writeHead(502, {
      "content-type": "text/html",
      "content-length": Buffer.byteLength(BAD_GATEWAY_PAGE),
    });
    response.end(BAD_GATEWAY_PAGE);
  };

  const answer = async (response: ServerResponse, status: number, body: string) => {
    if (faults.latencyMs) await delay(faults.latencyMs);
    if (response.destroyed || response.writableEnded) return;
    response.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (outage !== undefined) {
      unanswered(response);
      return;
    }
    const aborted = new AbortController();
    inHand.add(response);
    response.on("close", () => {
      inHand.delete(response);
      aborted.abort();
    });
    let call: ApiCall | undefined;
    const reply = async (status: number, answerBody: string) => {
      await answer(response, status, answerBody);
      if (options.onExchange !== undefined && call !== undefined) {
        options.onExchange({
          method: call.method,
          params: call.params,
          files: [...call.files.keys()],
          status,
          answer: JSON.parse(answerBody),
        });
      }
    };
    try {
      call = await readApiCall(request);
      if (call.token !== token) throw UNAUTHORIZED;
      stats.requests++;
      stats.byMethod[call.method] = (stats.byMethod[call.method] ?? 0) + 1;
      const limit = faults.rateLimit;
      if (limit !== undefined && strikes(limit, call.method)) {
        stats.rateLimited++;
        throw tooManyRequests(limit.retryAfterSeconds);
      }
      const failure = faults.serverError;
      if (failure !== undefined && strikes(failure, call.method)) {
        stats.serverErrors++;
        throw failure.status === 502
          ? BAD_GATEWAY
          : internalServerError(failure.description ?? "restart");
      }
      const handler = methods.get(call.method.toLowerCase());
      if (handler === undefined) throw METHOD_NOT_FOUND;
      const result = await handler(call.params, {
        state,
        files: call.files,
        signal: aborted.signal,
      });
      if (strikes(faults.lostAnswer, call.method)) {
        stats.lostAnswers++;
        response.socket?.destroy();
        return;
      }
      await reply(200, JSON.stringify({ ok: true, result }));
    } catch (error) {
      const failure =
        error instanceof BotApiError
          ? error
          : new BotApiError(500, `Internal Server Error: ${(error as Error).message}`);
      await reply(failure.status, failure.body());
    }
  };

  const { server, origin } = await serveOnLoopback(handle, options.port);

  return {
    apiRoot: origin,
    token,
    bot,
    state,
    faults,
    stats,
    user(userOptions) {
      return new EmulatedUser(state, {
        preCheckoutTimeoutMs: options.preCheckoutTimeoutMs ?? 10_000,
        ...userOptions,
      });
    },
    group(groupOptions) {
      return new EmulatedGroup(state, groupOptions);
    },
    channel(channelOptions) {
      return new EmulatedChannel(state, channelOptions);
    },
    async close() {
      pusher.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
