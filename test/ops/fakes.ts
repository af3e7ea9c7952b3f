import type { IncomingMessage } from "node:http";
import { readBody, serveOnLoopback } from "@ton-payment-bot/emulators/http";
import { startTelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { EmulatedChain, startToncenterEmulator } from "@ton-payment-bot/emulators/ton";
import { ZERO_STATE_ROOT_HASH } from "../../src/ops/network.js";
import { testRedis } from "../support/redis.js";

const MAX_BODY_BYTES = 1024 * 1024;

export interface FakeServer {
  url: string;
  /** Paths asked for, in order. */
  paths: string[];
  close(): Promise<void>;
}

async function listen(
  handle: (request: IncomingMessage, body: string) => { status: number; body: unknown },
): Promise<FakeServer> {
  const paths: string[] = [];
  const { server, origin } = await serveOnLoopback(async (request, response) => {
    const body = await readBody(request, MAX_BODY_BYTES, () => new Error("body too large"));
    paths.push(request.url ?? "/");
    const answer = handle(request, body.toString("utf8"));
    response.writeHead(answer.status, { "content-type": "application/json" });
    response.end(JSON.stringify(answer.body));
  });
  return {
    url: origin,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A testnet shop's outside world on loopback: an emulated chain whose merchant wallet stands
 * behind the toncenter emulator, a Bot API emulator that knows `token`, and the run's Redis.
 */
export async function emulatedSetup(token: string) {
  const chain = await EmulatedChain.create();
  const merchant = await chain.createWallet({ version: "v5r1" });
  const toncenter = await startToncenterEmulator({ chain });
  const telegram = await startTelegramEmulator({ token, username: "shop_test_bot" });
  const { redis, url: redisUrl } = testRedis();
  await redis.quit();
  return {
    chain,
    merchant,
    toncenter,
    telegram,
    redisUrl,
    /** The environment of a shop that uses all of it. */
    env: (): Record<string, string> => ({
      BOT_TOKEN: token,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TON_NETWORK: "testnet",
      TONCENTER_ENDPOINT: toncenter.endpoint,
      TONCENTER_RPS: "100",
      MERCHANT_ADDRESS: merchant.address.toString({ bounceable: false, testOnly: true }),
      REDIS_URL: redisUrl,
    }),
    close: async () => {
      await toncenter.close();
      await telegram.close();
    },
  };
}

export type EmulatedSetup = Awaited<ReturnType<typeof emulatedSetup>>;

export interface FakeBot {
  token: string;
  username: string;
  /** Which Telegram environment the token belongs to. */
  environment: "prod" | "test";
}

/**
 * A Bot API that knows a few tokens and answers getMe the way api.telegram.org does,
 * including the `/bot<token>/test/<method>` paths of Telegram's test environment.
 */
export function startFakeBotApi(bots: readonly FakeBot[]): Promise<FakeServer> {
  return listen((request) => {
    const match = /^\/bot([^/]+)\/(test\/)?([A-Za-z]+)$/.exec(request.url ?? "");
    const environment = match?.[2] ? "test" : "prod";
    const bot = bots.find((b) => b.token === match?.[1] && b.environment === environment);
    if (!match || !bot) {
      return {
        status: 401,
        body: { ok: false, error_code: 401, description: "Unauthorized" },
      };
    }
    if (match[3] !== "getMe") {
      return { status: 404, body: { ok: false, error_code: 404, description: "Not Found" } };
    }
    return {
      status: 200,
      body: {
        ok: true,
        result: {
          id: Number(bot.token.split(":")[0]),
          is_bot: true,
          first_name: "Test Shop",
          username: bot.username,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        },
      },
    };
  });
}

/** A toncenter that answers getMasterchainInfo as mainnet's does, and nothing else. */
export function startMainnetToncenter(): Promise<FakeServer> {
  const block = (seqno: number, rootHash: string) => ({
    "@type": "ton.blockIdExt",
    workchain: -1,
    shard: "-9223372036854775808",
    seqno,
    root_hash: rootHash,
    file_hash: "XplPz01CXAps5qeSWUtxcyBfdAo5zVb1N979KLSKD24=",
  });
  return listen((_request, text) => {
    const call = JSON.parse(text || "{}") as { method?: string; id?: unknown };
    if (call.method !== "getMasterchainInfo") {
      return { status: 422, body: { ok: false, error: "Unknown method", code: 422 } };
    }
    return {
      status: 200,
      body: {
        ok: true,
        result: {
          "@type": "blocks.masterchainInfo",
          last: block(47_000_000, Buffer.alloc(32, 1).toString("base64")),
          state_root_hash: Buffer.alloc(32, 2).toString("base64"),
          init: block(0, ZERO_STATE_ROOT_HASH.mainnet),
        },
        jsonrpc: "2.0",
        id: call.id ?? null,
      },
    };
  });
}
