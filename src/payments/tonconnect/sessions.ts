import {
  TonConnect,
  type TonConnectError,
  type Wallet,
  type WalletInfoRemote,
  WalletsListManager,
} from "@tonconnect/sdk";
import type { Logger } from "../../log.js";
import type { RedisClient } from "../../redis/client.js";
import { redisKeys } from "../../redis/keys.js";
import { NoWalletAvailable, TooManyOpenLinks, WalletAlreadyConnected } from "./errors.js";
import { chainOf } from "./request.js";
import { routeSdkConsole } from "./sdk-log.js";
import { RedisConnectStorage, StorageGate } from "./storage.js";
import { offeredWallets } from "./wallets.js";

/** A wallet's answer to a connection link is awaited this long; the SDK forgets it after five. */
export const CONNECT_WINDOW_MS = 5 * 60_000;
/**
 * TONCONNECT_MAX_OPEN_LINKS' default. Each open link keeps an SDK instance and a bridge stream
 * (about 35 KB of heap each against the sandbox bridge; more over TLS): far below what a flood
 * of buyers tapping /wallet would otherwise make a process hold for five minutes each.
 */
export const DEFAULT_MAX_OPEN_LINKS = 200;
const IDLE_MS = 60_000;
const SESSION_TTL_SECONDS = 30 * 86_400;
const WALLETS_LIST_TTL_MS = 60 * 60_000;

export type SessionEvent =
  | { type: "connected"; userId: number; wallet: Wallet }
  /** The wallet ended the session (not the buyer through the bot). */
  | { type: "disconnected"; userId: number }
  | { type: "connect-failed"; userId: number; error: TonConnectError };

export interface WalletSessionsOptions {
  redis: RedisClient;
  prefix: string;
  manifestUrl: string;
  walletsListUrl: string;
  testnet: boolean;
  /** A connector nobody has used for this long is paused: its bridge stream is closed. */
  idleMs?: number;
  /** Connection links this process holds open at once; DEFAULT_MAX_OPEN_LINKS by default. */
  maxOpenLinks?: number;
  /** How long a connection link waits for its wallet; CONNECT_WINDOW_MS by default. */
  connectWindowMs?: number;
  log: Logger;
  onEvent: (event: SessionEvent) => void;
}

interface Live {
  connector: TonConnect;
  restored: Promise<void>;
  /** Work that must keep the bridge open: a connection link or a payment request. */
  holds: number;
  idle?: NodeJS.Timeout;
  connectWindow?: NodeJS.Timeout;
  /** Stops the SDK's attempts to open the bridge for a link nobody can use any more. */
  connectAbort?: AbortController;
  wallet: Wallet | null;
  /** Set while the buyer disconnects through the bot, so that is not reported as the wallet's. */
  leaving: boolean;
}

/** When an idle connector is paused again, for a bridge stream opened while it was paused. */
const REPAUSE_AFTER_MS = [1_000, 5_000, 15_000];

/**
 * One TON Connect SDK instance per buyer, its session kept in Redis. A connector is restored
 * from Redis when the buyer next needs it and paused when idle, so a process holds bridge
 * streams only for buyers who are connecting or paying right now.
 *
 * A connection link holds its connector open until the wallet answers, the link expires or the
 * buyer disconnects; a process holds at most `maxOpenLinks` of them, and a buyer beyond that is
 * refused with TooManyOpenLinks. The limit is per process, since what it spares is the process's
 * memory: N processes behind one bot hold up to N × maxOpenLinks.
 */
export class WalletSessions {
  private readonly live = new Map<number, Live>();
  /** Buyers with a connection link open in this process. */
  private readonly linking = new Set<number>();
  private readonly maxOpenLinks: number;
  private readonly connectWindowMs: number;
  private readonly walletsList: WalletsListManager;
  private readonly gate = new StorageGate();
  private closed = false;

  constructor(private readonly options: WalletSessionsOptions) {
    this.maxOpenLinks = options.maxOpenLinks ?? DEFAULT_MAX_OPEN_LINKS;
    this.connectWindowMs = options.connectWindowMs ?? CONNECT_WINDOW_MS;
    routeSdkConsole(options.log);
    this.walletsList = new WalletsListManager({
      walletsListSource: options.walletsListUrl,
      cacheTTLMs: WALLETS_LIST_TTL_MS,
    });
    // A server is never inside a wallet's browser; without this every restore would fetch the list.
    this.walletsList.getEmbeddedWallet = async () => null;
  }

  /** The buyer's connector, restored from Redis if this process has not got it open. */
  async open(userId: number): Promise<TonConnect> {
    if (this.closed) throw new Error("wallet sessions are closed");
    let live = this.live.get(userId);
    if (live === undefined) {
      live = this.create(userId);
      this.live.set(userId, live);
    }
    this.touch(userId, live);
    await live.restored;
    return live.connector;
  }

  /** The wallets a buyer can connect, from the wallets list or the SDK's built-in one. */
  async wallets(): Promise<WalletInfoRemote[]> {
    return offeredWallets(await this.walletsList.getWallets(), this.options.testnet);
  }

  /**
   * The SDK's `tc://` link for connecting a wallet, which `universalLinkFor` turns into each
   * wallet's link. While a link is open the same one is given again, so an older QR code or
   * button keeps working; the bridge stays open for the answer for the connect window. A buyer
   * whose link is not open here yet is refused with TooManyOpenLinks once `maxOpenLinks` are.
   */
  async connect(
    userId: number,
    wallets: readonly WalletInfoRemote[],
  ): Promise<{ link: string; until: number }> {
    if (wallets.length === 0) throw new NoWalletAvailable();
    const newSlot = this.takeLinkSlot(userId);
    try {
      return await this.openLink(userId, wallets);
    } catch (error) {
      if (newSlot && this.live.get(userId)?.connectWindow === undefined) {
        this.linking.delete(userId);
      }
      throw error;
    }
  }

  /** How many connection links this process holds open. */
  get openLinks(): number {
    return this.linking.size;
  }

  /** Counts the buyer among the open links; false when they were counted already. */
  private takeLinkSlot(userId: number): boolean {
    if (this.linking.has(userId)) return false;
    if (this.linking.size >= this.maxOpenLinks) throw new TooManyOpenLinks(this.maxOpenLinks);
    this.linking.add(userId);
    return true;
  }

  private async openLink(
    userId: number,
    wallets: readonly WalletInfoRemote[],
  ): Promise<{ link: string; until: number }> {
    const { redis } = this.options;
    const connector = await this.open(userId);
    if (connector.account) throw new WalletAlreadyConnected(connector.account.address);
    const live = this.live.get(userId);
    if (live === undefined) throw new Error("wallet sessions are closed");
    const open = await redis.get(this.linkKey(userId));
    if (open !== null) {
      const until = Number(await redis.zscore(this.connectingKey, String(userId)));
      this.openConnectWindow(userId, live, until);
      return { link: open, until };
    }
    const bridges = [...new Set(wallets.map((wallet) => wallet.bridgeUrl))];
    live.connectAbort?.abort();
    live.connectAbort = new AbortController();
    const link = connector.connect(
      bridges.map((bridgeUrl) => ({ bridgeUrl })),
      { signal: live.connectAbort.signal },
    );
    const until = Date.now() + this.connectWindowMs;
    await redis
      .multi()
      .set(this.linkKey(userId), link, "PX", this.connectWindowMs)
      .zadd(this.connectingKey, until, String(userId))
      .exec();
    this.openConnectWindow(userId, live, until);
    return { link, until };
  }

  /**
   * After a restart, listens again for the wallets whose links are still open, so a buyer who
   * approves in the wallet then is told at once rather than on their next message.
   */
  async resumeConnecting(): Promise<number> {
    const { redis } = this.options;
    const now = Date.now();
    await redis.zremrangebyscore(this.connectingKey, "-inf", now);
    const waiting = await redis.zrangebyscore(this.connectingKey, now, "+inf", "WITHSCORES");
    const pairs = Array.from({ length: waiting.length / 2 }, (_, i) => ({
      userId: Number(waiting[2 * i]),
      until: Number(waiting[2 * i + 1]),
    })).filter(({ userId }) => !this.linking.has(userId));
    // Beyond the limit a link is not listened to; its buyer's next tap gives it a slot if one is free.
    const resumed = pairs.slice(0, Math.max(0, this.maxOpenLinks - this.linking.size));
    if (resumed.length < pairs.length) {
      this.options.log.warn(
        { open: pairs.length, resumed: resumed.length, limit: this.maxOpenLinks },
        "more wallet links open than TONCONNECT_MAX_OPEN_LINKS; the rest are not listened to",
      );
    }
    for (const { userId } of resumed) this.linking.add(userId);
    await Promise.all(
      resumed.map(async ({ userId, until }) => {
        await this.open(userId);
        const live = this.live.get(userId);
        if (live && !live.wallet) this.openConnectWindow(userId, live, until);
        else this.linking.delete(userId);
      }),
    );
    return resumed.length;
  }

  /**
   * Drops the buyer's session here and, if the bridge is reachable, in the wallet; a connection
   * link still open is given up too. Says whether a wallet was connected.
   */
  async disconnect(userId: number): Promise<boolean> {
    const connector = await this.open(userId);
    const live = this.live.get(userId);
    if (live !== undefined) this.endConnectWindow(userId, live, true);
    if (!connector.connected || live === undefined) return false;
    live.leaving = true;
    try {
      await connector.disconnect();
    } finally {
      live.leaving = false;
    }
    return true;
  }

  /** Keeps the buyer's bridge stream open until `release`. */
  hold(userId: number): void {
    const live = this.live.get(userId);
    if (live === undefined) return;
    live.holds += 1;
    clearTimeout(live.idle);
  }

  release(userId: number): void {
    const live = this.live.get(userId);
    if (live === undefined) return;
    live.holds = Math.max(0, live.holds - 1);
    this.touch(userId, live);
  }

  /** How many buyers have a connector open in this process. */
  get openCount(): number {
    return this.live.size;
  }

  /** Pauses every connector and waits for the SDK's writes in hand; later ones are dropped. */
  async close(): Promise<void> {
    this.closed = true;
    for (const userId of [...this.live.keys()]) this.pause(userId);
    await this.gate.close();
  }

  private create(userId: number): Live {
    const { redis, prefix, manifestUrl, walletsListUrl, testnet } = this.options;
    const connector = new TonConnect({
      manifestUrl,
      walletsListSource: walletsListUrl,
      storage: new RedisConnectStorage(
        redis,
        redisKeys(prefix).tonconnectStorage(userId),
        SESSION_TTL_SECONDS,
        this.gate,
      ),
      // A server has no window to watch, and buyers' sessions are nobody else's business.
      disableAutoPauseConnection: true,
      analytics: { mode: "off" },
    });
    shareWalletsList(connector, this.walletsList);
    // A wallet on the other network is refused by the SDK as it connects.
    connector.setConnectionNetwork(chainOf(testnet));
    const live: Live = {
      connector,
      restored: Promise.resolve(),
      holds: 0,
      wallet: null,
      leaving: false,
    };
    connector.onStatusChange(
      (wallet) => this.statusChanged(userId, live, wallet),
      (error) => this.connectFailed(userId, live, error),
    );
    keepManifestErrorsInside(connector);
    live.restored = connector.restoreConnection().catch((error: unknown) => {
      this.options.log.warn({ userId, err: error }, "wallet session could not be restored");
    });
    return live;
  }

  private statusChanged(userId: number, live: Live, wallet: Wallet | null): void {
    const before = live.wallet;
    live.wallet = wallet;
    if (wallet !== null) {
      this.endConnectWindow(userId, live, false);
      this.options.onEvent({ type: "connected", userId, wallet });
    } else if (before !== null && !live.leaving) {
      this.options.onEvent({ type: "disconnected", userId });
    }
  }

  private connectFailed(userId: number, live: Live, error: TonConnectError): void {
    this.endConnectWindow(userId, live, false);
    this.options.onEvent({ type: "connect-failed", userId, error });
  }

  private openConnectWindow(userId: number, live: Live, until: number): void {
    this.linking.add(userId);
    if (live.connectWindow === undefined) this.hold(userId);
    else clearTimeout(live.connectWindow);
    live.connectWindow = setTimeout(
      () => this.endConnectWindow(userId, live, true),
      Math.max(0, until - Date.now()),
    );
    live.connectWindow.unref();
  }

  /** The link is answered or dead: forget it, and stop the SDK trying to reach its bridge. */
  private endConnectWindow(userId: number, live: Live, expired: boolean): void {
    if (live.connectWindow === undefined) return;
    clearTimeout(live.connectWindow);
    live.connectWindow = undefined;
    this.linking.delete(userId);
    if (expired) live.connectAbort?.abort();
    live.connectAbort = undefined;
    this.options.redis
      .multi()
      .del(this.linkKey(userId))
      .zrem(this.connectingKey, String(userId))
      .exec()
      .catch(() => undefined);
    this.release(userId);
  }

  private get connectingKey(): string {
    return redisKeys(this.options.prefix).tonconnectConnecting;
  }

  private linkKey(userId: number): string {
    return redisKeys(this.options.prefix).tonconnectLink(userId);
  }

  private touch(userId: number, live: Live): void {
    clearTimeout(live.idle);
    if (live.holds > 0 || this.closed) return;
    live.idle = setTimeout(() => this.pause(userId), this.options.idleMs ?? IDLE_MS);
    live.idle.unref();
  }

  private pause(userId: number): void {
    const live = this.live.get(userId);
    if (live === undefined) return;
    clearTimeout(live.idle);
    clearTimeout(live.connectWindow);
    this.live.delete(userId);
    this.linking.delete(userId);
    live.connector.pauseConnection();
    // A restore still under way opens the bridge when it finishes; close that too.
    void live.restored.then(() => live.connector.pauseConnection());
    // So can the SDK's own switch of streams right after a wallet connects, when it was under
    // way as the pause came: pausing again a little later closes a stream opened meanwhile.
    for (const ms of REPAUSE_AFTER_MS)
      setTimeout(() => live.connector.pauseConnection(), ms).unref();
  }
}

/** Every connector reads the one wallets list this process fetched, not one download each. */
function shareWalletsList(connector: TonConnect, list: WalletsListManager): void {
  const sdk = connector as unknown as {
    walletsList: WalletsListManager;
    bridgeConnectionStorage: { walletsListManager: WalletsListManager };
  };
  sdk.walletsList = list;
  sdk.bridgeConnectionStorage.walletsListManager = list;
}

/**
 * The SDK hands a wallet's "cannot read your manifest" answer to our error handler and then
 * rethrows it from a bridge callback, where nothing can catch it and Node would exit. The
 * handler has already been told, so the rethrow is dropped here.
 */
function keepManifestErrorsInside(connector: TonConnect): void {
  const sdk = connector as unknown as { onWalletConnectError: (error: TonConnectError) => void };
  const original = sdk.onWalletConnectError.bind(connector);
  sdk.onWalletConnectError = (error) => {
    try {
      original(error);
    } catch (thrown) {
      if (!isManifestError(thrown)) throw thrown;
    }
  };
}

/** The SDK does not export its manifest error classes, so they are known by name. */
export function isManifestError(error: unknown): boolean {
  const name = (error as object | null)?.constructor?.name;
  return name === "ManifestNotFoundError" || name === "ManifestContentErrorError";
}
