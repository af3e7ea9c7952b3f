import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody, serveOnLoopback } from "../http.js";

/** The bridge spec's ceiling for how long a message waits for its receiver. */
export const MAX_TTL_SECONDS = 300;
const DEFAULT_HEARTBEAT_MS = 15_000;
const MAX_BODY_BYTES = 1024 * 1024;
/** A client id is the hex of a session's X25519 public key. */
const CLIENT_ID = /^[0-9a-f]{64}$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What a dapp publishes at its manifestUrl and a wallet shows before connecting. */
export interface DappManifest {
  url: string;
  name: string;
  iconUrl: string;
}

export interface BridgeFaults {
  /** "unavailable" answers 500 for the wallets list, so the SDK falls back to its built-in one. */
  walletsList: "ok" | "unavailable";
}

export interface BridgeStats {
  messagesPosted: number;
  /** Messages written to SSE streams, replays included. */
  messagesDelivered: number;
  /** Requests refused with a 400 (bad POSTs and streams opened without a valid client id). */
  badRequests: number;
  streamsOpen: number;
  streamsOpened: number;
}

export interface TonConnectBridgeOptions {
  /** 0 or absent = any free port. */
  port?: number;
  heartbeatMs?: number;
  manifest?: Partial<DappManifest>;
  faults?: Partial<BridgeFaults>;
}

export interface TonConnectBridgeEmulator {
  /** What wallets list as their SSE bridge; the SDK appends /events and /message. */
  bridgeUrl: string;
  walletsListUrl: string;
  manifestUrl: string;
  /** Mutable; edits take effect on the next request. */
  faults: BridgeFaults;
  stats: BridgeStats;
  close(): Promise<void>;
}

interface StoredMessage {
  id: number;
  from: string;
  message: string;
  expiresAt: number;
}

interface Stream {
  clientIds: ReadonlySet<string>;
  response: ServerResponse;
}

/** A request the real bridge would refuse; its message goes back in the JSON body. */
class BadBridgeRequest extends Error {}

/**
 * A loopback TON Connect HTTP bridge (https://github.com/ton-connect/docs/blob/main/bridge.md)
 * plus the two files a dapp and its wallets fetch around it: the wallets list and a manifest.
 */
export async function startTonConnectBridge(
  opts: TonConnectBridgeOptions = {},
): Promise<TonConnectBridgeEmulator> {
  const faults: BridgeFaults = { walletsList: "ok", ...opts.faults };
  const stats: BridgeStats = {
    messagesPosted: 0,
    messagesDelivered: 0,
    badRequests: 0,
    streamsOpen: 0,
    streamsOpened: 0,
  };
  const mailboxes = new Map<string, StoredMessage[]>();
  const streams = new Set<Stream>();
  // Like the real bridge, ids are microsecond timestamps, so they keep growing across a restart.
  let lastEventId = Date.now() * 1000;
  let origin = "";

  const deliver = (stream: Stream, stored: StoredMessage) => {
    const data = JSON.stringify({ from: stored.from, message: stored.message });
    stream.response.write(`id: ${stored.id}\ndata: ${data}\n\n`);
    stats.messagesDelivered++;
  };

  const openStream = (request: IncomingMessage, response: ServerResponse, url: URL) => {
    const clientIds = new Set(clientIdsOf(url.searchParams.get("client_id")));
    const since = lastEventIdOf(url, request);
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    response.flushHeaders();
    const stream = { clientIds, response };
    const backlog = [...clientIds]
      .flatMap((id) => liveMessages(mailboxes, id))
      .filter((stored) => stored.id > since)
      .sort((a, b) => a.id - b.id);
    for (const stored of backlog) deliver(stream, stored);
    streams.add(stream);
    stats.streamsOpen++;
    stats.streamsOpened++;
    response.on("close", () => {
      if (streams.delete(stream)) stats.streamsOpen--;
    });
  };

  const postMessage = async (request: IncomingMessage, url: URL) => {
    const from = clientIdOf(url.searchParams, "client_id");
    const to = clientIdOf(url.searchParams, "to");
    const ttl = ttlOf(url.searchParams.get("ttl"));
    const message = (
      await readBody(request, MAX_BODY_BYTES, () => new BadBridgeRequest("body too large"))
    )
      .toString("utf8")
      .trim();
    if (message === "" || !BASE64.test(message)) {
      throw new BadBridgeRequest("body must be a base64 message");
    }
    lastEventId = Math.max(lastEventId + 1, Date.now() * 1000);
    const stored = { id: lastEventId, from, message, expiresAt: Date.now() + ttl * 1000 };
    const mailbox = liveMessages(mailboxes, to);
    mailbox.push(stored);
    mailboxes.set(to, mailbox);
    stats.messagesPosted++;
    for (const stream of streams) {
      if (stream.clientIds.has(to)) deliver(stream, stored);
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", origin);
    const route = `${request.method} ${url.pathname.replace(/\/+$/, "")}`;
    try {
      switch (route) {
        case "GET /bridge/events":
          return openStream(request, response, url);
        case "POST /bridge/message":
          await postMessage(request, url);
          return json(response, 200, { message: "OK", statusCode: 200 });
        case "GET /wallets-v2.json":
          if (faults.walletsList === "unavailable") {
            return json(response, 500, { message: "wallets list unavailable (injected fault)" });
          }
          return json(response, 200, walletsList(`${origin}/bridge`));
        case "GET /tonconnect-manifest.json":
          return json(response, 200, {
            url: origin,
            name: "Sandbox Shop",
            iconUrl: `${origin}/icon.png`,
            ...opts.manifest,
          });
        default:
          return json(response, 404, { message: "not found", statusCode: 404 });
      }
    } catch (error) {
      if (!(error instanceof BadBridgeRequest)) throw error;
      stats.badRequests++;
      return json(response, 400, { message: error.message, statusCode: 400 });
    }
  };

  const served = await serveOnLoopback(handle, opts.port);
  const { server } = served;
  origin = served.origin;
  // Unref'd: an idle bridge must not keep a test run or a script alive.
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.response.write("data: heartbeat\n\n");
  }, opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS).unref();

  return {
    bridgeUrl: `${origin}/bridge`,
    walletsListUrl: `${origin}/wallets-v2.json`,
    manifestUrl: `${origin}/tonconnect-manifest.json`,
    faults,
    stats,
    async close() {
      clearInterval(heartbeat);
      for (const stream of streams) stream.response.end();
      streams.clear();
      stats.streamsOpen = 0;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The two wallets a Telegram shop's buyers mostly use, as config.ton.org lists them, on this bridge. */
function walletsList(bridgeUrl: string) {
  const features = [
    { name: "SendTransaction", maxMessages: 255, extraCurrencySupported: true },
    { name: "SignData", types: ["text", "binary", "cell"] },
  ];
  return [
    {
      app_name: "telegram-wallet",
      name: "Wallet",
      image: "https://wallet.tg/images/logo-288.png",
      about_url: "https://wallet.tg/",
      universal_url: "https://t.me/wallet?attach=wallet",
      bridge: [{ type: "sse", url: bridgeUrl }],
      platforms: ["ios", "android", "macos", "windows", "linux"],
      features,
    },
    {
      app_name: "tonkeeper",
      name: "Tonkeeper",
      image: "https://tonkeeper.com/assets/tonconnect-icon.png",
      tondns: "tonkeeper.ton",
      about_url: "https://tonkeeper.com",
      universal_url: "https://app.tonkeeper.com/ton-connect",
      deepLink: "tonkeeper-tc://",
      bridge: [
        { type: "sse", url: bridgeUrl },
        { type: "js", key: "tonkeeper" },
      ],
      platforms: ["ios", "android", "chrome", "firefox", "macos"],
      features,
    },
  ];
}

/** Messages for `clientId` whose ttl has not run out; expired ones are dropped on the way. */
function liveMessages(mailboxes: Map<string, StoredMessage[]>, clientId: string): StoredMessage[] {
  const now = Date.now();
  const live = (mailboxes.get(clientId) ?? []).filter((stored) => stored.expiresAt > now);
  if (live.length > 0) mailboxes.set(clientId, live);
  else mailboxes.delete(clientId);
  return live;
}

function clientIdsOf(value: string | null): string[] {
  const ids = (value ?? "").split(",").filter((id) => id !== "");
  if (ids.length === 0) throw new BadBridgeRequest('param "client_id" not present');
  for (const id of ids) {
    if (!CLIENT_ID.test(id)) throw new BadBridgeRequest(`invalid client_id: ${id}`);
  }
  return ids.map((id) => id.toLowerCase());
}

function clientIdOf(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === "") throw new BadBridgeRequest(`param "${name}" not present`);
  if (!CLIENT_ID.test(value)) throw new BadBridgeRequest(`invalid ${name}: ${value}`);
  return value.toLowerCase();
}

function ttlOf(value: string | null): number {
  if (value === null || value === "") throw new BadBridgeRequest('param "ttl" not present');
  const ttl = Number(value);
  if (!Number.isInteger(ttl) || ttl <= 0) throw new BadBridgeRequest(`invalid ttl: ${value}`);
  if (ttl > MAX_TTL_SECONDS) throw new BadBridgeRequest('param "ttl" too high');
  return ttl;
}

/** The query parameter wins; EventSource itself resends the last id as a header on reconnect. */
function lastEventIdOf(url: URL, request: IncomingMessage): number {
  const raw = url.searchParams.get("last_event_id") ?? request.headers["last-event-id"];
  const id = Number(typeof raw === "string" ? raw : undefined);
  return Number.isFinite(id) ? id : 0;
}

function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}
