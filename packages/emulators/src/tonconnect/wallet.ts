import { Address, beginCell, Cell, loadStateInit, type StateInit, storeStateInit } from "@ton/core";
import {
  Base64,
  CONNECT_EVENT_ERROR_CODES,
  CONNECT_ITEM_ERROR_CODES,
  type ConnectItemReply,
  type ConnectRequest,
  type DeviceInfo,
  hexToByteArray,
  SEND_TRANSACTION_ERROR_CODES,
  SessionCrypto,
  type WalletMessage,
} from "@tonconnect/protocol";
import { decodeTelegramUrlParameters } from "@tonconnect/sdk";
import EventSource from "eventsource";
import {
  type EmulatedChain,
  type EmulatedWallet,
  MessageRejectedError,
  type OutgoingMessage,
} from "../ton/chain.js";

/** TON Connect chain ids: "-3" testnet, "-239" mainnet. */
export type WalletNetwork = "-3" | "-239";
/** How the person holding the phone answers the next sendTransaction. */
export type TransactionAnswer = "approve" | "reject" | "ignore";
export type RequestOutcome =
  | "approved"
  | "rejected"
  | "ignored"
  /** valid_until had passed; nothing was signed. */
  | "expired"
  /** Malformed, or for another network or another account. */
  | "bad"
  /** Signed, but the chain refused the external message (e.g. valid_until behind chain time). */
  | "failed";
export type ConnectOutcome =
  | "connected"
  | "declined"
  | "bad-request"
  | "manifest-not-found"
  | "manifest-invalid";

export interface RequestedMessage {
  address: Address;
  amount: bigint;
  /** From the address's own flag when it is user-friendly; raw addresses bounce. */
  bounce: boolean;
  payload?: Cell;
  stateInit?: StateInit;
  /** The text comment, when the payload is one (op 0). */
  comment?: string;
}

/** One sendTransaction the wallet received, decoded, with what became of it. */
export interface TransactionRequest {
  /** The dapp's RPC id. */
  id: string;
  validUntil?: number;
  network?: string;
  from?: string;
  messages: RequestedMessage[];
  outcome: RequestOutcome;
  /** Base64 BOC of the signed external message: what an approved request answered. */
  boc?: string;
  /** Why it was refused, for "bad", "expired" and "failed". */
  error?: string;
}

export interface EmulatedWalletAppOptions {
  bridgeUrl: string;
  chain: EmulatedChain;
  wallet: EmulatedWallet;
  /** Defaults to "-3", testnet. */
  network?: WalletNetwork;
  /**
   * device.appName; defaults to "Tonkeeper". Avoid a wallets-list app_name ("tonkeeper"): on
   * restore the SDK re-points a session at that entry's bridge, a real one if the list is down.
   */
  appName?: string;
}

/** A link with no client id: there is nobody to answer, so a real wallet just shows an error. */
export class InvalidConnectLinkError extends Error {
  constructor(
    readonly link: string,
    reason: string,
  ) {
    super(`not a TON Connect link (${reason}): ${link}`);
    this.name = "InvalidConnectLinkError";
  }
}

export class NoRequestError extends Error {
  constructor(reason: string) {
    super(`no sendTransaction request: ${reason}`);
    this.name = "NoRequestError";
  }
}

/** The bridge answered a wallet's POST with an error status. */
export class BridgeRefusedError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`bridge refused a message: ${status} ${body}`);
    this.name = "BridgeRefusedError";
  }
}

const MESSAGE_TTL_SECONDS = 300;
/** How long a request without valid_until stays signable. */
const DEFAULT_VALIDITY_SECONDS = 300;
const MANIFEST_TIMEOUT_MS = 5_000;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const CLIENT_ID = /^[0-9a-f]{64}$/i;

interface Session {
  crypto: SessionCrypto;
  /** The dapp's client id: where answers and events go. */
  dappId: string;
  stream: EventSource;
}

interface Waiter {
  resolve: (request: TransactionRequest) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

type Parsed = Omit<TransactionRequest, "id" | "outcome" | "boc" | "error">;

/**
 * A phone wallet app (Tonkeeper, Telegram Wallet) holding one wallet on an EmulatedChain: it opens
 * TON Connect links, talks to dapps through the bridge and signs for real when told to approve.
 */
export class EmulatedWalletApp {
  /** Every sendTransaction received, in arrival order. */
  readonly requests: TransactionRequest[] = [];
  /** Failures while handling bridge messages (e.g. the bridge refused an answer). */
  readonly errors: unknown[] = [];
  readonly network: WalletNetwork;
  readonly appName: string;
  private readonly bridgeUrl: string;
  private readonly sessions = new Map<string, Session>();
  private readonly answers: TransactionAnswer[] = [];
  private readonly waiters: Waiter[] = [];
  private seen = 0;
  private lastEventId = 0;
  // One request on screen at a time, as on a phone; also keeps seqnos in order.
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly opts: EmulatedWalletAppOptions) {
    this.bridgeUrl = opts.bridgeUrl.replace(/\/+$/, "");
    this.network = opts.network ?? "-3";
    this.appName = opts.appName ?? "Tonkeeper";
  }

  get address(): Address {
    return this.opts.wallet.address;
  }

  get connected(): boolean {
    return this.sessions.size > 0;
  }

  /** Queues answers for the next sendTransaction requests; with none queued the wallet approves. */
  answer(...answers: TransactionAnswer[]): this {
    this.answers.push(...answers);
    return this;
  }

  /** Opens a universal link (regular, Telegram or tc://) as the dapp produced it. */
  async openLink(link: string, opts: { decline?: boolean } = {}): Promise<ConnectOutcome> {
    const { clientId, request } = parseConnectLink(link);
    const crypto = new SessionCrypto();
    const refuse = async (code: CONNECT_EVENT_ERROR_CODES, message: string) => {
      const id = this.nextEventId();
      await this.post(crypto, clientId, { event: "connect_error", id, payload: { code, message } });
    };
    if (request === undefined) {
      await refuse(CONNECT_EVENT_ERROR_CODES.BAD_REQUEST_ERROR, "Bad request");
      return "bad-request";
    }
    const manifest = await checkManifest(request.manifestUrl);
    if (manifest === "not-found") {
      await refuse(CONNECT_EVENT_ERROR_CODES.MANIFEST_NOT_FOUND_ERROR, "App manifest not found");
      return "manifest-not-found";
    }
    if (manifest === "invalid") {
      await refuse(CONNECT_EVENT_ERROR_CODES.MANIFEST_CONTENT_ERROR, "App manifest content error");
      return "manifest-invalid";
    }
    if (opts.decline) {
      await refuse(CONNECT_EVENT_ERROR_CODES.USER_REJECTS_ERROR, "User declined the connection");
      return "declined";
    }

    // Listen before answering, as a real wallet does, so no request can arrive unheard.
    const session = { crypto, dappId: clientId, stream: await this.openStream(crypto) };
    session.stream.onmessage = (event) => {
      if (event.data === "heartbeat") return;
      this.enqueue(() => this.onBridgeMessage(session, String(event.data)));
    };
    this.sessions.get(clientId)?.stream.close();
    this.sessions.set(clientId, session);
    await this.post(crypto, clientId, {
      event: "connect",
      id: this.nextEventId(),
      payload: { items: this.connectItems(request), device: this.device() },
    });
    return "connected";
  }

  /** The oldest request nextRequest has not returned yet, or the next one to arrive. */
  nextRequest(timeoutMs = 10_000): Promise<TransactionRequest> {
    const unseen = this.requests[this.seen];
    if (unseen !== undefined) {
      this.seen++;
      return Promise.resolve(unseen);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new NoRequestError(`none arrived within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  /** The person disconnects in the wallet: every dapp is told, then forgotten. */
  async disconnect(): Promise<void> {
    const sessions = [...this.sessions.values()];
    for (const session of sessions) this.forget(session);
    await Promise.all(
      sessions.map((session) =>
        this.post(session.crypto, session.dappId, {
          event: "disconnect",
          id: this.nextEventId(),
          payload: {},
        }),
      ),
    );
  }

  /** The app is killed: streams close without telling anyone. */
  close(): void {
    for (const session of this.sessions.values()) this.forget(session);
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(new NoRequestError("the wallet app was closed"));
    }
  }

  private async onBridgeMessage(session: Session, data: string): Promise<void> {
    if (this.sessions.get(session.dappId) !== session) return;
    const envelope = JSON.parse(data) as { from?: unknown; message?: unknown };
    if (envelope.from !== session.dappId || typeof envelope.message !== "string") return;
    const request = JSON.parse(
      session.crypto.decrypt(
        Base64.decode(envelope.message).toUint8Array(),
        hexToByteArray(session.dappId),
      ),
    ) as { method?: unknown; params?: unknown; id?: unknown };
    const id = String(request.id);
    switch (request.method) {
      case "sendTransaction":
        return this.onSendTransaction(session, id, request.params);
      case "disconnect":
        await this.post(session.crypto, session.dappId, { result: {}, id });
        this.forget(session);
        return;
      default:
        return this.reply(
          session,
          id,
          SEND_TRANSACTION_ERROR_CODES.METHOD_NOT_SUPPORTED,
          "Method not supported",
        );
    }
  }

  private async onSendTransaction(session: Session, id: string, params: unknown): Promise<void> {
    const parsed = parseTransaction(params, maxMessages(this.opts.wallet));
    const bad = SEND_TRANSACTION_ERROR_CODES.BAD_REQUEST_ERROR;
    if (typeof parsed === "string") {
      this.record({ id, messages: [], outcome: "bad", error: parsed });
      return this.reply(session, id, bad, "Bad request");
    }
    const refusal = this.refusal(parsed);
    if (refusal !== undefined) {
      this.record({ id, ...parsed, ...refusal });
      return this.reply(session, id, bad, refusal.error);
    }

    const answer = this.answers.shift() ?? "approve";
    if (answer === "ignore") return this.record({ id, ...parsed, outcome: "ignored" });
    if (answer === "reject") {
      this.record({ id, ...parsed, outcome: "rejected" });
      const code = SEND_TRANSACTION_ERROR_CODES.USER_REJECTS_ERROR;
      return this.reply(session, id, code, "User declined the transaction");
    }

    const { chain, wallet } = this.opts;
    const validUntil =
      parsed.validUntil ?? Math.max(unixNow(), chain.now) + DEFAULT_VALIDITY_SECONDS;
    const outgoing = parsed.messages.map(
      (m): OutgoingMessage => ({
        to: m.address,
        amount: m.amount,
        bounce: m.bounce,
        body: m.payload,
        init: m.stateInit,
      }),
    );
    const external = (await chain.signTransfer(wallet, outgoing, validUntil)).toBoc();
    const boc = external.toString("base64");
    try {
      await chain.sendBoc(external);
    } catch (error) {
      if (!(error instanceof MessageRejectedError)) throw error;
      this.record({ id, ...parsed, outcome: "failed", boc, error: error.message });
      const code = SEND_TRANSACTION_ERROR_CODES.UNKNOWN_ERROR;
      return this.reply(session, id, code, `Transaction failed: ${error.reason}`);
    }
    this.record({ id, ...parsed, outcome: "approved", boc });
    await this.post(session.crypto, session.dappId, { result: boc, id });
  }

  /** Reasons a wallet refuses a well-formed request before showing it to anyone. */
  private refusal(parsed: Parsed): { outcome: RequestOutcome; error: string } | undefined {
    if (parsed.network !== undefined && parsed.network !== this.network) {
      return { outcome: "bad", error: `Wrong network: wallet is on ${this.network}` };
    }
    if (parsed.from !== undefined && !sameAddress(parsed.from, this.address)) {
      return { outcome: "bad", error: "Wrong from address" };
    }
    if (parsed.validUntil !== undefined && parsed.validUntil < unixNow()) {
      return { outcome: "expired", error: "Request expired" };
    }
    return undefined;
  }

  private reply(session: Session, id: string, code: number, message: string): Promise<void> {
    return this.post(session.crypto, session.dappId, { error: { code, message }, id });
  }

  private record(request: TransactionRequest): void {
    this.requests.push(request);
    const waiter = this.waiters.shift();
    if (waiter === undefined) return;
    clearTimeout(waiter.timer);
    waiter.resolve(this.requests[this.seen++] as TransactionRequest);
  }

  private connectItems(request: ConnectRequest): ConnectItemReply[] {
    const { wallet } = this.opts;
    const stateInit = beginCell().store(storeStateInit(wallet.wallet.init)).endCell();
    return request.items.map((item): ConnectItemReply => {
      if (item.name === "ton_addr") {
        // The wallet's real network, whatever the dapp asked for: that is how a dapp spots it.
        return {
          name: "ton_addr",
          address: wallet.address.toRawString(),
          network: this.network,
          publicKey: wallet.keyPair.publicKey.toString("hex"),
          walletStateInit: stateInit.toBoc().toString("base64"),
        };
      }
      const code = CONNECT_ITEM_ERROR_CODES.METHOD_NOT_SUPPORTED;
      return { name: item.name, error: { code, message: "ton_proof is not supported" } };
    });
  }

  private device(): DeviceInfo {
    return {
      platform: "iphone",
      appName: this.appName,
      appVersion: "5.0.0",
      maxProtocolVersion: 2,
      features: [
        "SendTransaction",
        { name: "SendTransaction", maxMessages: maxMessages(this.opts.wallet) },
      ],
    };
  }

  private openStream(crypto: SessionCrypto): Promise<EventSource> {
    const stream = new EventSource(`${this.bridgeUrl}/events?client_id=${crypto.sessionId}`);
    return new Promise((resolve, reject) => {
      stream.onopen = () => {
        // From here on EventSource reconnects by itself, resending the last event id.
        stream.onerror = () => {};
        resolve(stream);
      };
      stream.onerror = (event) => {
        stream.close();
        reject(new BridgeRefusedError(event.status ?? 0, "could not open the event stream"));
      };
    });
  }

  private async post(crypto: SessionCrypto, to: string, message: WalletMessage): Promise<void> {
    const body = Base64.encode(crypto.encrypt(JSON.stringify(message), hexToByteArray(to)));
    const url = new URL(`${this.bridgeUrl}/message`);
    url.searchParams.set("client_id", crypto.sessionId);
    url.searchParams.set("to", to);
    url.searchParams.set("ttl", String(MESSAGE_TTL_SECONDS));
    const response = await fetch(url, { method: "POST", body });
    if (!response.ok) throw new BridgeRefusedError(response.status, await response.text());
  }

  private forget(session: Session): void {
    session.stream.close();
    if (this.sessions.get(session.dappId) === session) this.sessions.delete(session.dappId);
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((error: unknown) => {
      this.errors.push(error);
    });
  }

  private nextEventId(): number {
    this.lastEventId++;
    return this.lastEventId;
  }
}

/** The client id and connect request inside a universal link, a Telegram one or a tc:// one. */
function parseConnectLink(link: string): { clientId: string; request?: ConnectRequest } {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new InvalidConnectLinkError(link, "not a URL");
  }
  const startapp = url.searchParams.get("startapp") ?? url.searchParams.get("startattach");
  const params = startapp?.startsWith("tonconnect-")
    ? new URLSearchParams(decodeTelegramUrlParameters(startapp.slice("tonconnect-".length)))
    : url.searchParams;
  const clientId = params.get("id");
  if (clientId === null || !CLIENT_ID.test(clientId)) {
    throw new InvalidConnectLinkError(link, "no client id");
  }
  return { clientId, request: connectRequestOf(params.get("r")) };
}

function connectRequestOf(raw: string | null): ConnectRequest | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw ?? "");
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.manifestUrl !== "string" || !Array.isArray(value.items)) {
    return undefined;
  }
  const items = value.items as unknown[];
  if (!items.some((item) => isRecord(item) && item.name === "ton_addr")) return undefined;
  return value as unknown as ConnectRequest;
}

async function checkManifest(manifestUrl: string): Promise<"ok" | "not-found" | "invalid"> {
  let url: URL;
  try {
    url = new URL(manifestUrl);
  } catch {
    return "not-found";
  }
  // The sandbox never leaves the machine, whatever a dapp writes in its connect request.
  if (!LOOPBACK.has(url.hostname)) return "not-found";
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(MANIFEST_TIMEOUT_MS) });
  } catch {
    return "not-found";
  }
  if (!response.ok) return "not-found";
  try {
    const manifest: unknown = await response.json();
    const valid =
      isRecord(manifest) && typeof manifest.url === "string" && typeof manifest.name === "string";
    return valid ? "ok" : "invalid";
  } catch {
    return "invalid";
  }
}

/** The body of params[0], checked the way a wallet must before showing it; a string says why not. */
function parseTransaction(params: unknown, max: number): Parsed | string {
  if (!Array.isArray(params) || typeof params[0] !== "string") {
    return "params[0] must be a JSON string";
  }
  let body: unknown;
  try {
    body = JSON.parse(params[0]);
  } catch {
    return "params[0] is not JSON";
  }
  if (!isRecord(body)) return "params[0] is not an object";
  const { valid_until: validUntil, network, from, messages } = body;
  if (validUntil !== undefined && !Number.isInteger(validUntil))
    return "valid_until is not an integer";
  if (network !== undefined && typeof network !== "string") return "network is not a string";
  if (from !== undefined && typeof from !== "string") return "from is not a string";
  if (!Array.isArray(messages) || messages.length === 0) return "messages are missing";
  if (messages.length > max) return `more than ${max} messages`;
  const parsed: RequestedMessage[] = [];
  for (const [index, raw] of messages.entries()) {
    const message = parseMessage(raw);
    if (typeof message === "string") return `messages[${index}]: ${message}`;
    parsed.push(message);
  }
  return {
    validUntil: validUntil as number | undefined,
    network: network as string | undefined,
    from: from as string | undefined,
    messages: parsed,
  };
}

function parseMessage(raw: unknown): RequestedMessage | string {
  if (!isRecord(raw)) return "not an object";
  const { address, amount, payload, stateInit } = raw;
  if (typeof address !== "string") return "address is missing";
  if (typeof amount !== "string" || !/^\d+$/.test(amount)) return "amount is not a decimal string";
  let to: Address;
  try {
    to = Address.parse(address);
  } catch {
    return `bad address ${address}`;
  }
  const bounce = Address.isFriendly(address) ? Address.parseFriendly(address).isBounceable : true;
  const message: RequestedMessage = { address: to, amount: BigInt(amount), bounce };
  if (payload != null) {
    const body = cellOf(payload);
    if (body === undefined) return "payload is not a base64 BOC";
    message.payload = body;
    message.comment = commentOf(body);
  }
  if (stateInit != null) {
    const init = cellOf(stateInit);
    if (init === undefined) return "stateInit is not a base64 BOC";
    try {
      message.stateInit = loadStateInit(init.beginParse());
    } catch {
      return "stateInit is not a StateInit";
    }
  }
  return message;
}

function cellOf(value: unknown): Cell | undefined {
  if (typeof value !== "string") return undefined;
  try {
    return Cell.fromBoc(Buffer.from(value, "base64"))[0];
  } catch {
    return undefined;
  }
}

function commentOf(body: Cell): string | undefined {
  try {
    const slice = body.beginParse();
    if (slice.remainingBits < 32 || slice.loadUint(32) !== 0) return undefined;
    return slice.loadStringTail();
  } catch {
    return undefined;
  }
}

function sameAddress(raw: string, address: Address): boolean {
  try {
    return Address.parse(raw).equals(address);
  } catch {
    return false;
  }
}

/** v4 carries at most four messages per transfer; v5r1 up to 255. */
function maxMessages(wallet: EmulatedWallet): number {
  return wallet.version === "v4" ? 4 : 255;
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
