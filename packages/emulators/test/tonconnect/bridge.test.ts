import { beginCell, Cell, storeMessage, type Transaction, toNano } from "@ton/core";
import { EmulatedChain, type EmulatedWallet } from "@ton-payment-bot/emulators/ton";
import {
  EmulatedWalletApp,
  startTonConnectBridge,
  type TonConnectBridgeEmulator,
  type WalletNetwork,
} from "@ton-payment-bot/emulators/tonconnect";
import { Base64, hexToByteArray, SessionCrypto } from "@tonconnect/protocol";
import {
  BadRequestError,
  type IStorage,
  isWalletInfoRemote,
  TonConnect,
  type TonConnectError,
  UnknownError,
  UserRejectsError,
  type Wallet,
  type WalletInfoRemote,
  WalletWrongNetworkError,
} from "@tonconnect/sdk";
import EventSource from "eventsource";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const WAIT = { timeout: 10_000, interval: 20 };
const ORDER_COMMENT = beginCell().storeUint(0, 32).storeStringTail("ORDER-1").endCell();

/** What a dapp keeps between restarts; the SDK's only persistence. */
class MemoryStorage implements IStorage {
  private readonly items = new Map<string, string>();
  async setItem(key: string, value: string): Promise<void> {
    this.items.set(key, value);
  }
  async getItem(key: string): Promise<string | null> {
    return this.items.get(key) ?? null;
  }
  async removeItem(key: string): Promise<void> {
    this.items.delete(key);
  }
}

function commentOf(tx: Transaction): string | undefined {
  const body = tx.inMessage?.body.beginParse();
  if (!body || body.remainingBits < 32 || body.loadUint(32) !== 0) return undefined;
  return body.loadStringTail();
}

function amountOf(tx: Transaction): bigint | undefined {
  const info = tx.inMessage?.info;
  return info?.type === "internal" ? info.value.coins : undefined;
}

function inMessageHash(tx: Transaction): Buffer | undefined {
  const message = tx.inMessage;
  return message ? beginCell().store(storeMessage(message)).endCell().hash() : undefined;
}

/** A wallet's universal link carrying the tc:// link's query, as the TON Connect spec builds it. */
function universalLinkFor(tcLink: string, wallet: WalletInfoRemote): string {
  const url = new URL(wallet.universalLink);
  url.search = new URL(tcLink).search;
  return url.toString();
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

interface Heard {
  messages: { id: string; from: string; message: string }[];
  heartbeats: number;
}

const rawStreams: EventSource[] = [];

/** What a bare EventSource on the bridge hears, heartbeats counted apart. */
function listen(bridgeUrl: string, query: string): Heard {
  const heard: Heard = { messages: [], heartbeats: 0 };
  const stream = new EventSource(`${bridgeUrl}/events?${query}`);
  stream.onmessage = (event) => {
    if (event.data === "heartbeat") {
      heard.heartbeats++;
      return;
    }
    heard.messages.push({ id: event.lastEventId, ...JSON.parse(String(event.data)) });
  };
  rawStreams.push(stream);
  return heard;
}

afterEach(() => {
  for (const stream of rawStreams.splice(0)) stream.close();
});

describe("TON Connect through the bridge emulator", () => {
  let chain: EmulatedChain;
  let merchant: EmulatedWallet;
  let buyer: EmulatedWallet;
  let bridge: TonConnectBridgeEmulator;
  let connectors: TonConnect[];
  let apps: EmulatedWalletApp[];

  const dapp = (storage: IStorage = new MemoryStorage()) => {
    const connector = new TonConnect({
      manifestUrl: bridge.manifestUrl,
      walletsListSource: bridge.walletsListUrl,
      storage,
      analytics: { mode: "off" },
      disableAutoPauseConnection: true,
    });
    connectors.push(connector);
    return connector;
  };

  const walletApp = (network: WalletNetwork = "-3") => {
    const app = new EmulatedWalletApp({
      bridgeUrl: bridge.bridgeUrl,
      chain,
      wallet: buyer,
      network,
    });
    apps.push(app);
    return app;
  };

  const watch = (connector: TonConnect) => {
    const seen = { statuses: [] as (Wallet | null)[], errors: [] as TonConnectError[] };
    connector.onStatusChange(
      (wallet) => seen.statuses.push(wallet),
      (error) => seen.errors.push(error),
    );
    return seen;
  };

  /** The shop shows every wallet; the buyer taps Tonkeeper. */
  const connectThroughList = async (connector: TonConnect, app: EmulatedWalletApp) => {
    const wallets = (await connector.getWallets()).filter(isWalletInfoRemote);
    const tcLink = connector.connect(wallets.map((w) => ({ bridgeUrl: w.bridgeUrl })));
    const tonkeeper = wallets.find((w) => w.appName === "tonkeeper");
    if (!tonkeeper) throw new Error("Tonkeeper is missing from the wallets list");
    return app.openLink(universalLinkFor(tcLink, tonkeeper));
  };

  const connected = async (connector: TonConnect, app: EmulatedWalletApp) => {
    expect(await connectThroughList(connector, app)).toBe("connected");
    await vi.waitFor(() => expect(connector.connected).toBe(true), WAIT);
  };

  const payment = (validUntil = unixNow() + 300) => ({
    validUntil,
    messages: [
      {
        address: merchant.address.toString({ testOnly: true }),
        amount: toNano("1.5").toString(),
        payload: ORDER_COMMENT.toBoc().toString("base64"),
      },
    ],
  });

  beforeEach(async () => {
    // The SDK narrates every bridge message on console.debug; keep the test output readable.
    vi.spyOn(console, "debug").mockImplementation(() => {});
    connectors = [];
    apps = [];
    chain = await EmulatedChain.create();
    merchant = await chain.createWallet({ version: "v4", balance: toNano("100") });
    buyer = await chain.createWallet({ version: "v4", balance: toNano("100") });
    bridge = await startTonConnectBridge();
  });

  afterEach(async () => {
    for (const connector of connectors) connector.pauseConnection();
    for (const app of apps) app.close();
    await bridge.close();
    vi.restoreAllMocks();
  });

  it("connects from the wallets list and tells the shop the buyer's testnet address", async () => {
    const connector = dapp();
    const seen = watch(connector);
    const app = walletApp();

    expect(await connectThroughList(connector, app)).toBe("connected");

    await vi.waitFor(() => expect(seen.statuses).toHaveLength(1), WAIT);
    const account = seen.statuses[0]?.account;
    expect(account?.address).toBe(buyer.address.toRawString());
    expect(account?.chain).toBe("-3");
    expect(seen.statuses[0]?.device.appName).toBe("Tonkeeper");
    expect(app.connected).toBe(true);
  });

  it("connects through Telegram Wallet's own link when the shop names a single wallet", async () => {
    const connector = dapp();
    const wallets = (await connector.getWallets()).filter(isWalletInfoRemote);
    const telegramWallet = wallets.find((w) => w.appName === "telegram-wallet");
    if (!telegramWallet) throw new Error("Wallet is missing from the wallets list");

    const link = connector.connect({
      bridgeUrl: telegramWallet.bridgeUrl,
      universalLink: telegramWallet.universalLink,
    });
    expect(link.startsWith("https://t.me/wallet/start?startapp=tonconnect-")).toBe(true);
    expect(await walletApp().openLink(link)).toBe("connected");

    await vi.waitFor(
      () => expect(connector.account?.address).toBe(buyer.address.toRawString()),
      WAIT,
    );
  });

  it("pays the merchant: the comment and amount land on chain and the shop gets the BOC", async () => {
    const connector = dapp();
    const app = walletApp();
    await connected(connector, app);

    const { boc } = await connector.sendTransaction(payment());

    const incoming = chain
      .transactions(merchant.address)
      .filter((tx) => commentOf(tx) === "ORDER-1");
    expect(incoming).toHaveLength(1);
    expect(amountOf(incoming[0] as Transaction)).toBe(toNano("1.5"));
    // The BOC the shop got is the very external message the buyer's wallet executed.
    const sent = chain.transactions(buyer.address).at(-1) as Transaction;
    expect(inMessageHash(sent)).toEqual(Cell.fromBoc(Buffer.from(boc, "base64"))[0]?.hash());

    const request = await app.nextRequest();
    expect(request.outcome).toBe("approved");
    expect(request.messages[0]?.comment).toBe("ORDER-1");
    expect(request.messages[0]?.address.equals(merchant.address)).toBe(true);
  });

  it("surfaces a declined payment as UserRejectsError, and nothing leaves the wallet", async () => {
    const connector = dapp();
    const app = walletApp().answer("reject");
    await connected(connector, app);
    const before = chain.transactions(buyer.address).length;

    await expect(connector.sendTransaction(payment())).rejects.toBeInstanceOf(UserRejectsError);

    expect((await app.nextRequest()).outcome).toBe("rejected");
    expect(chain.transactions(buyer.address)).toHaveLength(before);
  });

  it("refuses a request whose valid_until has passed, without signing it", async () => {
    const connector = dapp();
    const app = walletApp();
    await connected(connector, app);
    const before = chain.transactions(buyer.address).length;

    const refused = connector.sendTransaction(payment(unixNow() - 60));

    await expect(refused).rejects.toBeInstanceOf(BadRequestError);
    await expect(refused).rejects.toThrow("Request expired");
    expect((await app.nextRequest()).outcome).toBe("expired");
    expect(chain.transactions(buyer.address)).toHaveLength(before);
  });

  it("fails a payment whose valid_until is behind chain time: the wallet contract refuses it", async () => {
    const connector = dapp();
    const app = walletApp();
    await connected(connector, app);
    chain.advance(3600);

    await expect(connector.sendTransaction(payment())).rejects.toBeInstanceOf(UnknownError);

    expect((await app.nextRequest()).outcome).toBe("failed");
    expect(chain.transactions(merchant.address).some((tx) => commentOf(tx) === "ORDER-1")).toBe(
      false,
    );
  });

  it("refuses a mainnet wallet when the shop asked for testnet, and drops the session", async () => {
    const connector = dapp();
    connector.setConnectionNetwork("-3");
    const seen = watch(connector);
    const app = walletApp("-239");

    expect(await connectThroughList(connector, app)).toBe("connected");

    await vi.waitFor(() => expect(seen.errors).toHaveLength(1), WAIT);
    expect(seen.errors[0]).toBeInstanceOf(WalletWrongNetworkError);
    expect(connector.connected).toBe(false);
    expect(seen.statuses).toEqual([]);
    // The SDK tells the wallet to forget the session, too.
    await vi.waitFor(() => expect(app.connected).toBe(false), WAIT);
  });

  it("turns the shop's status to null when the buyer disconnects in the wallet", async () => {
    const connector = dapp();
    const seen = watch(connector);
    const app = walletApp();
    await connected(connector, app);

    await app.disconnect();

    await vi.waitFor(() => expect(seen.statuses.at(-1)).toBeNull(), WAIT);
    expect(connector.connected).toBe(false);
    expect(app.connected).toBe(false);
  });

  it("restores the session in a restarted process, which can still take a payment", async () => {
    const storage = new MemoryStorage();
    const before = dapp(storage);
    const app = walletApp();
    await connected(before, app);
    before.pauseConnection();

    const after = dapp(storage);
    await after.restoreConnection();

    expect(after.connected).toBe(true);
    expect(after.account?.address).toBe(buyer.address.toRawString());
    const { boc } = await after.sendTransaction(payment());
    expect(boc).not.toBe("");
    expect(
      chain.transactions(merchant.address).filter((tx) => commentOf(tx) === "ORDER-1"),
    ).toHaveLength(1);
  });

  it("reports a connection the buyer declines as UserRejectsError", async () => {
    const connector = dapp();
    const seen = watch(connector);
    const wallets = (await connector.getWallets()).filter(isWalletInfoRemote);
    const link = connector.connect(wallets.map((w) => ({ bridgeUrl: w.bridgeUrl })));

    expect(await walletApp().openLink(link, { decline: true })).toBe("declined");

    await vi.waitFor(() => expect(seen.errors).toHaveLength(1), WAIT);
    expect(seen.errors[0]).toBeInstanceOf(UserRejectsError);
    expect(connector.connected).toBe(false);
  });

  // Not through the SDK: it rethrows ManifestNotFoundError out of its listener, unhandled.
  it("answers connect_error 2 when the shop's manifest cannot be fetched", async () => {
    const shop = new SessionCrypto();
    const heard = listen(bridge.bridgeUrl, `client_id=${shop.sessionId}`);
    const request = { manifestUrl: `${bridge.manifestUrl}.missing`, items: [{ name: "ton_addr" }] };
    const link = `tc://?v=2&id=${shop.sessionId}&r=${encodeURIComponent(JSON.stringify(request))}`;

    expect(await walletApp().openLink(link)).toBe("manifest-not-found");

    await vi.waitFor(() => expect(heard.messages).toHaveLength(1), WAIT);
    const { from, message } = heard.messages[0] as Heard["messages"][number];
    const event = JSON.parse(
      shop.decrypt(Base64.decode(message).toUint8Array(), hexToByteArray(from)),
    );
    expect(event).toMatchObject({ event: "connect_error", payload: { code: 2 } });
  });

  it("falls back to the SDK's built-in wallets list when ours is unavailable", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    bridge.faults.walletsList = "unavailable";

    const wallets = (await dapp().getWallets()).filter(isWalletInfoRemote);

    const names = wallets.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining(["Tonkeeper", "Wallet"]));
    // Built-in entries point at the real bridges: proof of the fallback. Never connect to them.
    expect(wallets.some((w) => w.bridgeUrl === bridge.bridgeUrl)).toBe(false);
  });
});

describe("TON Connect bridge protocol", () => {
  const A = "a".repeat(64);
  const B = "b".repeat(64);
  const C = "c".repeat(64);
  let bridge: TonConnectBridgeEmulator;

  const post = (query: Record<string, string>, body: string) => {
    const url = new URL(`${bridge.bridgeUrl}/message`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return fetch(url, { method: "POST", body });
  };

  beforeEach(async () => {
    bridge = await startTonConnectBridge({ heartbeatMs: 50 });
  });

  afterEach(async () => {
    await bridge.close();
  });

  it("rejects a bad POST with a 400 and says why", async () => {
    const ok = { client_id: A, to: B, ttl: "300" };
    const bad: [Record<string, string>, string][] = [
      [{ client_id: A, ttl: "300" }, "aGk="],
      [{ client_id: "zz", to: B, ttl: "300" }, "aGk="],
      [{ ...ok, ttl: "301" }, "aGk="],
      [{ ...ok, ttl: "soon" }, "aGk="],
      [ok, ""],
      [ok, "not base64!"],
    ];
    for (const [query, body] of bad) {
      const response = await post(query, body);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ statusCode: 400, message: expect.any(String) });
    }

    const accepted = await post(ok, "aGk=");
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ message: "OK", statusCode: 200 });
    expect(bridge.stats).toMatchObject({ messagesPosted: 1, badRequests: bad.length });
  });

  it("replays stored messages past last_event_id, then pushes live ones and heartbeats", async () => {
    for (const [to, body] of [
      [A, "MQ=="],
      [B, "Mg=="],
      [C, "Mw=="],
    ] as const) {
      expect((await post({ client_id: C, to, ttl: "60" }, body)).status).toBe(200);
    }

    const both = listen(bridge.bridgeUrl, `client_id=${A},${B}`);
    await vi.waitFor(
      () => expect(both.messages.map((m) => m.message)).toEqual(["MQ==", "Mg=="]),
      WAIT,
    );
    expect(both.messages[0]?.from).toBe(C);
    const firstId = both.messages[0]?.id ?? "";

    const resumed = listen(bridge.bridgeUrl, `client_id=${A},${B}&last_event_id=${firstId}`);
    await vi.waitFor(() => expect(resumed.messages.map((m) => m.message)).toEqual(["Mg=="]), WAIT);

    await post({ client_id: C, to: A, ttl: "60" }, "NA==");
    await vi.waitFor(
      () => expect(resumed.messages.map((m) => m.message)).toEqual(["Mg==", "NA=="]),
      WAIT,
    );
    expect(Number(resumed.messages[1]?.id)).toBeGreaterThan(Number(resumed.messages[0]?.id));
    await vi.waitFor(() => expect(resumed.heartbeats).toBeGreaterThan(0), WAIT);
    expect(bridge.stats.streamsOpen).toBe(2);
  });
});
