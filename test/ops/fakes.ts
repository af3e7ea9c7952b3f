import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ZERO_STATE_ROOT_HASH } from "../../src/ops/network.js";

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
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      paths.push(request.url ?? "/");
      const answer = handle(request, Buffer.concat(chunks).toString("utf8"));
      const text = JSON.stringify(answer.body);
      response.writeHead(answer.status, { "content-type": "application/json" });
      response.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    paths,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

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
