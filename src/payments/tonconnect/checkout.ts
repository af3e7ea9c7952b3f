import { setTimeout as delay } from "node:timers/promises";
import { type Address, Cell } from "@ton/core";
import {
  type TonConnect,
  UserRejectsError,
  type Wallet,
  WalletNotConnectedError,
  WalletWrongNetworkError,
} from "@tonconnect/sdk";
import type { Redis } from "ioredis";
import { acquireLock, releaseLock } from "../../jobs/lock.js";
import type { Logger } from "../../log.js";
import { type Order, outstanding } from "../../orders/order.js";
import type { OrderStore } from "../../orders/store.js";
import {
  OrderNotPayable,
  PaymentRequestPending,
  WalletNotConnected,
  WalletOnWrongNetwork,
} from "./errors.js";
import { chainOf, paymentTransaction } from "./request.js";
import {
  CONNECT_WINDOW_MS,
  isManifestError,
  type SessionEvent,
  WalletSessions,
} from "./sessions.js";
import { universalLinkFor, type WalletChoice } from "./wallets.js";

/** A wallet may answer a little after valid_until; what it signed in time can still land. */
const ANSWER_GRACE_MS = 3000;
/** Less than this left before the order expires is too little to confirm in a wallet. */
const MIN_REQUEST_MS = 10_000;

export interface ConnectedWallet {
  /** Raw form, "0:<hex>". */
  address: string;
  /** The wallet app's name as it introduced itself, e.g. "Tonkeeper". */
  appName: string;
  /** The wallet's universal link, to bring it to the front when a request waits there. */
  link?: string;
}

export interface ConnectOffer {
  wallets: WalletChoice[];
  expiresAt: number;
}

export interface PaymentRequested {
  wallet: ConnectedWallet;
  amount: bigint;
  /** ms since epoch; the wallet must not send the payment after this. */
  validUntil: number;
}

export type PaymentOutcome = "sent" | "declined" | "expired" | "interrupted" | "failed";

export type CheckoutEvent =
  | { type: "connected"; userId: number; wallet: ConnectedWallet; orderId?: string }
  | { type: "connect-failed"; userId: number; reason: "wrong-network" | "declined" | "failed" }
  | { type: "disconnected"; userId: number }
  | { type: "payment"; userId: number; orderId: string; outcome: PaymentOutcome };

export interface TonConnectCheckoutOptions {
  redis: Redis;
  prefix: string;
  store: OrderStore;
  merchant: Address;
  testnet: boolean;
  manifestUrl: string;
  walletsListUrl: string;
  requestTtlMs: number;
  /** See WalletSessions. */
  idleMs?: number;
  log: Logger;
}

interface Intent {
  orderId?: string;
}

/**
 * Paying from a connected wallet (DESIGN §8): connect Tonkeeper or Telegram Wallet, then ask it
 * to send the order's amount with the order's comment. What the wallet answers only decides what
 * the buyer is told; the order is paid when the watcher finds the transfer on chain.
 */
export class TonConnectCheckout {
  private readonly sessions: WalletSessions;
  private listener: (event: CheckoutEvent) => void = () => undefined;
  /** Ends a buyer's request early: the wallet disconnected, or this process is stopping. */
  private readonly interrupts = new Map<number, (outcome: PaymentOutcome | "abandoned") => void>();
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly options: TonConnectCheckoutOptions) {
    this.sessions = new WalletSessions({
      redis: options.redis,
      prefix: options.prefix,
      manifestUrl: options.manifestUrl,
      walletsListUrl: options.walletsListUrl,
      testnet: options.testnet,
      idleMs: options.idleMs,
      log: options.log,
      onEvent: (event) => {
        this.sessionEvent(event).catch((error: unknown) =>
          options.log.error({ err: error, userId: event.userId }, "wallet event not handled"),
        );
      },
    });
  }

  /** Where connection and payment news goes (the bot tells the buyer). */
  listen(listener: (event: CheckoutEvent) => void): void {
    this.listener = listener;
  }

  async wallet(userId: number): Promise<ConnectedWallet | undefined> {
    const connector = await this.sessions.open(userId);
    return connector.wallet ? this.describe(connector.wallet) : undefined;
  }

  /** Links that connect the buyer's wallet; `orderId` is offered for payment once it connects. */
  async connect(userId: number, intent: Intent = {}): Promise<ConnectOffer> {
    const wallets = await this.sessions.wallets();
    const link = await this.sessions.connect(userId, wallets);
    await this.options.redis.set(
      this.intentKey(userId),
      JSON.stringify(intent),
      "PX",
      CONNECT_WINDOW_MS,
    );
    this.options.log.info({ userId, orderId: intent.orderId }, "wallet connection offered");
    return {
      wallets: wallets.map((wallet) => ({
        appName: wallet.appName,
        name: wallet.name,
        link: universalLinkFor(link, wallet),
      })),
      expiresAt: Date.now() + CONNECT_WINDOW_MS,
    };
  }

  async disconnect(userId: number): Promise<boolean> {
    this.interrupts.get(userId)?.("interrupted");
    const had = await this.sessions.disconnect(userId);
    if (had) this.options.log.info({ userId }, "wallet disconnected by the buyer");
    return had;
  }

  /**
   * Asks the buyer's wallet to pay what the order still owes. Returns once the request is on its
   * way; the wallet's answer arrives later as a "payment" event.
   */
  async pay(userId: number, orderId: string): Promise<PaymentRequested> {
    const { store, redis, requestTtlMs, log } = this.options;
    const order = await store.get(orderId);
    const now = store.now();
    this.checkPayable(orderId, order, userId, now);
    const connector = await this.sessions.open(userId);
    const wallet = connector.wallet;
    if (!wallet) throw new WalletNotConnected();
    if (wallet.account.chain !== chainOf(this.options.testnet)) {
      await this.sessions.disconnect(userId).catch(() => false);
      throw new WalletOnWrongNetwork(wallet.account.chain);
    }
    const validUntil = Math.min(now + requestTtlMs, order.expiresAt);
    if (validUntil - now < MIN_REQUEST_MS) throw new OrderNotPayable(orderId, "expired");

    const lockKey = this.requestKey(userId);
    const token = await acquireLock(redis, lockKey, validUntil - now + ANSWER_GRACE_MS);
    if (token === undefined) {
      const [pendingOrder, ttl] = await Promise.all([
        redis.get(`${lockKey}:order`),
        redis.pttl(lockKey),
      ]);
      throw new PaymentRequestPending(pendingOrder ?? orderId, now + Math.max(ttl, 0));
    }
    await redis.set(`${lockKey}:order`, orderId, "PX", validUntil - now + ANSWER_GRACE_MS);
    const amount = outstanding(order);
    const comment = order.comment ?? "";
    this.sessions.hold(userId);
    // Free for another try before the buyer hears how this one ended.
    const done = async () => {
      this.sessions.release(userId);
      await releaseLock(redis, lockKey, token).catch(() => undefined);
    };
    const run = this.request(userId, orderId, connector, amount, comment, validUntil, done)
      .catch(async (error: unknown) => {
        await done();
        log.error({ err: error, userId, orderId }, "wallet request broke");
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
    log.info(
      { userId, orderId, amount: amount.toString(), wallet: wallet.device.appName, validUntil },
      "payment request sent to the wallet",
    );
    return { wallet: await this.describe(wallet), amount, validUntil };
  }

  /** Listens again for connections offered before a restart; returns how many. */
  resume(): Promise<number> {
    return this.sessions.resumeConnecting();
  }

  /** Stops waiting for wallets (their answers no longer matter: the watcher decides) and pauses. */
  async close(): Promise<void> {
    for (const interrupt of this.interrupts.values()) interrupt("abandoned");
    await Promise.allSettled([...this.running]);
    await this.sessions.close();
  }

  private checkPayable(
    orderId: string,
    order: Order | undefined,
    userId: number,
    now: number,
  ): asserts order is Order {
    if (!order) throw new OrderNotPayable(orderId, "not-found");
    if (order.userId !== userId) throw new OrderNotPayable(orderId, "not-yours");
    if (order.method !== "ton" || !order.comment) throw new OrderNotPayable(orderId, "not-ton");
    if (order.status === "expired" || (order.status === "pending" && order.expiresAt <= now)) {
      throw new OrderNotPayable(orderId, "expired");
    }
    if (order.status !== "pending" || outstanding(order) === 0n) {
      throw new OrderNotPayable(orderId, "paid");
    }
  }

  private async request(
    userId: number,
    orderId: string,
    connector: TonConnect,
    amount: bigint,
    comment: string,
    validUntil: number,
    done: () => Promise<void>,
  ): Promise<void> {
    const { merchant, testnet, log } = this.options;
    const transaction = paymentTransaction({
      merchant,
      amount,
      comment,
      validUntil: Math.floor(validUntil / 1000),
      testnet,
    });
    const timer = new AbortController();
    const interrupted = new Promise<PaymentOutcome | "abandoned">((resolve) =>
      this.interrupts.set(userId, resolve),
    );
    const expired = delay(validUntil - Date.now() + ANSWER_GRACE_MS, "expired" as const, {
      signal: timer.signal,
    }).catch(() => "abandoned" as const);
    const answered = connector.sendTransaction(transaction).then(
      (response) => {
        // The BOC is the wallet's word, not proof; its hash only helps find the transfer in logs.
        const hash = Cell.fromBase64(response.boc).hash().toString("hex");
        log.info({ userId, orderId, externalMessageHash: hash }, "wallet says it sent the payment");
        return "sent" as const;
      },
      (error: unknown) => outcomeOfError(error, log, userId, orderId),
    );
    const outcome = await Promise.race([answered, interrupted, expired]);
    timer.abort();
    this.interrupts.delete(userId);
    await done();
    if (outcome === "abandoned") return;
    if (outcome !== "sent") log.info({ userId, orderId, outcome }, "wallet payment request ended");
    this.listener({ type: "payment", userId, orderId, outcome });
  }

  private async sessionEvent(event: SessionEvent): Promise<void> {
    const { redis, log } = this.options;
    const { userId } = event;
    if (event.type === "disconnected") {
      log.info({ userId }, "wallet ended the session");
      this.interrupts.get(userId)?.("interrupted");
      this.listener({ type: "disconnected", userId });
      return;
    }
    // Only a connection the buyer asked for in this window is news; restoring one is not.
    const intent = await redis.getdel(this.intentKey(userId));
    if (intent === null) return;
    const { orderId } = JSON.parse(intent) as Intent;
    if (event.type === "connected") {
      const wallet = await this.describe(event.wallet);
      log.info({ userId, wallet: wallet.appName }, "wallet connected");
      this.listener({ type: "connected", userId, wallet, orderId });
      return;
    }
    const reason =
      event.error instanceof WalletWrongNetworkError
        ? "wrong-network"
        : event.error instanceof UserRejectsError
          ? "declined"
          : "failed";
    if (isManifestError(event.error)) {
      // The shop's setup, not the buyer: every wallet will refuse until it is fixed.
      log.error(
        { userId, manifestUrl: this.options.manifestUrl, error: event.error.name },
        "a wallet could not read TONCONNECT_MANIFEST_URL; wallets refuse to connect until it serves a valid manifest",
      );
    } else {
      log.warn({ userId, reason, error: event.error.name }, "wallet connection failed");
    }
    this.listener({ type: "connect-failed", userId, reason });
  }

  private async describe(wallet: Wallet): Promise<ConnectedWallet> {
    const appName = wallet.device.appName;
    const known = (await this.sessions.wallets()).find((info) =>
      [info.appName, info.name].some((name) => name.toLowerCase() === appName.toLowerCase()),
    );
    return { address: wallet.account.address, appName, link: known?.universalLink };
  }

  private intentKey(userId: number): string {
    return `${this.options.prefix}tonconnect:intent:${userId}`;
  }

  private requestKey(userId: number): string {
    return `${this.options.prefix}tonconnect:request:${userId}`;
  }
}

function outcomeOfError(
  error: unknown,
  log: Logger,
  userId: number,
  orderId: string,
): PaymentOutcome {
  if (error instanceof UserRejectsError) return "declined";
  if (error instanceof WalletNotConnectedError) return "interrupted";
  log.warn({ userId, orderId, err: error }, "wallet payment request failed");
  return "failed";
}
