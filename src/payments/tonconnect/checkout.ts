import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import { Address, Cell } from "@ton/core";
import {
  type SendTransactionRequest,
  type TonConnect,
  UserRejectsError,
  type Wallet,
  WalletNotConnectedError,
  WalletWrongNetworkError,
} from "@tonconnect/sdk";
import { deadline } from "../../clock.js";
import type { Logger } from "../../log.js";
import { type Order, outstanding } from "../../orders/order.js";
import { isOpen } from "../../orders/state.js";
import type { OrderStore } from "../../orders/store.js";
import type { RedisClient } from "../../redis/client.js";
import { redisKeys } from "../../redis/keys.js";
import { releaseLock } from "../../redis/lock.js";
import { type GetMethods, jettonWalletBalance, jettonWalletOf } from "../jetton/wallet.js";
import { ToncenterError, ToncenterUnavailable } from "../ton/errors.js";
import {
  NotEnoughTonForFee,
  NotEnoughUsdt,
  OrderNotPayable,
  PaymentAlreadySent,
  PaymentRequestPending,
  WalletNotChecked,
  WalletNotConnected,
  WalletOnWrongNetwork,
} from "./errors.js";
import {
  chainOf,
  JETTON_TON_NEEDED,
  jettonPaymentTransaction,
  paymentTransaction,
} from "./request.js";
import { isManifestError, type SessionEvent, WalletSessions } from "./sessions.js";
import { universalLinkFor, type WalletChoice } from "./wallets.js";

/** A wallet may answer a little after valid_until; what it signed in time can still land. */
const ANSWER_GRACE_MS = 3000;
/** Less than this left before the order expires is too little to confirm in a wallet. */
const MIN_REQUEST_MS = 10_000;
/** After a wallet says it sent a payment, how long the order waits for the watcher to see it. */
const SENT_HOLD_MS = 10 * 60_000;

export interface ConnectedWallet {
  /** Raw form, "0:<hex>". */
  address: string;
  /** The wallet app's id as it introduced itself, e.g. "Tonkeeper" or "telegram-wallet". */
  appName: string;
  /** Its name in the wallets list when known ("Wallet" for Telegram Wallet), else appName. */
  name: string;
  /** The wallet's universal link, to bring it to the front when a request waits there. */
  link?: string;
}

export interface ConnectOffer {
  wallets: WalletChoice[];
  expiresAt: number;
}

export interface PaymentRequested {
  wallet: ConnectedWallet;
  /** Base units of `currency`: nanotons, or millionths of a USDT. */
  amount: bigint;
  /** The order's currency: "TON" or "USDT". */
  currency: string;
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
  redis: RedisClient;
  prefix: string;
  store: OrderStore;
  merchant: Address;
  testnet: boolean;
  /**
   * The shop's USDT and where to ask about buyers' jetton wallets; without it only TON orders
   * are paid from a wallet.
   */
  usdt?: {
    master: Address;
    toncenter: GetMethods & { getBalance(address: Address): Promise<bigint> };
  };
  manifestUrl: string;
  walletsListUrl: string;
  requestTtlMs: number;
  /** See WalletSessions. */
  idleMs?: number;
  /** Connection links held open at once in this process (TONCONNECT_MAX_OPEN_LINKS). */
  maxOpenLinks?: number;
  log: Logger;
}

interface Intent {
  orderId?: string;
}

/**
 * Paying from a connected wallet (DESIGN §8): connect Tonkeeper or Telegram Wallet, then ask it
 * to send the order's amount with the order's comment, in TON or as a USDT jetton transfer. What the wallet answers only decides what
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
      maxOpenLinks: options.maxOpenLinks,
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

  /**
   * Links that connect the buyer's wallet; `orderId` is offered for payment once it connects.
   * Throws TooManyOpenLinks when this process holds as many open as it may.
   */
  async connect(userId: number, intent: Intent = {}): Promise<ConnectOffer> {
    const { redis, log } = this.options;
    const wallets = await this.sessions.wallets();
    const { link, until } = await this.sessions.connect(userId, wallets);
    // A second offer for the same open link keeps the order the first one was for.
    const before = await redis.get(this.intentKey(userId));
    const orderId = intent.orderId ?? (before ? (JSON.parse(before) as Intent).orderId : undefined);
    const ttl = Math.max(1, until - Date.now());
    await redis.set(this.intentKey(userId), JSON.stringify({ orderId }), "PX", ttl);
    log.info({ userId, orderId }, "wallet connection offered");
    return {
      wallets: wallets.map((wallet) => ({
        appName: wallet.appName,
        name: wallet.name,
        link: universalLinkFor(link, wallet),
      })),
      expiresAt: until,
    };
  }

  async disconnect(userId: number): Promise<boolean> {
    this.interrupts.get(userId)?.("interrupted");
    const had = await this.sessions.disconnect(userId);
    if (had) this.options.log.info({ userId }, "wallet disconnected by the buyer");
    return had;
  }

  /**
   * Asks the buyer's wallet to pay what the order still owes. `announce` runs once the request is
   * settled on and before it goes out, so the buyer reads "sent to your wallet" before any answer;
   * the wallet's answer arrives later as a "payment" event.
   */
  async pay(
    userId: number,
    orderId: string,
    announce: (request: PaymentRequested) => Promise<unknown> = async () => undefined,
  ): Promise<PaymentRequested> {
    const { store, redis, requestTtlMs, log } = this.options;
    const order = await store.get(orderId);
    this.checkPayable(orderId, order, userId, store.now());
    if ((await redis.exists(this.sentKey(orderId))) === 1) throw new PaymentAlreadySent(orderId);
    const connector = await this.sessions.open(userId);
    const wallet = connector.wallet;
    if (!wallet) throw new WalletNotConnected();
    if (wallet.account.chain !== chainOf(this.options.testnet)) {
      await this.sessions.disconnect(userId).catch(() => false);
      throw new WalletOnWrongNetwork(wallet.account.chain);
    }
    const amount = outstanding(order);
    // Looked at first: toncenter may take a while, and the request's time starts after.
    const jetton = await this.jettonSource(order, wallet.account.address, amount);
    const now = store.now();
    const validUntil = Math.min(now + requestTtlMs, order.expiresAt);
    if (validUntil - now < MIN_REQUEST_MS) throw new OrderNotPayable(orderId, "too-late");
    const requested = {
      wallet: await this.describe(wallet),
      amount,
      currency: order.currency,
      validUntil,
    };
    const transaction = this.transactionFor(order, requested, jetton);

    // One request per buyer; the lock names the order, and outlives the request by the grace.
    const lockKey = this.requestKey(userId);
    const token = `${randomBytes(8).toString("hex")}:${orderId}`;
    const taken = await redis.set(lockKey, token, "PX", validUntil - now + ANSWER_GRACE_MS, "NX");
    if (taken !== "OK") {
      const [held, ttl] = await Promise.all([redis.get(lockKey), redis.pttl(lockKey)]);
      const pendingOrder = held?.slice(held.indexOf(":") + 1) || orderId;
      throw new PaymentRequestPending(pendingOrder, now + Math.max(ttl, 0));
    }
    this.sessions.hold(userId);
    const finish = async (outcome: PaymentOutcome | "abandoned") => {
      this.sessions.release(userId);
      // A request left behind by a stopping process may still be confirmed: its lock stays.
      if (outcome !== "abandoned") await releaseLock(redis, lockKey, token).catch(() => undefined);
    };
    try {
      await announce(requested);
    } catch (error) {
      log.warn({ err: error, userId, orderId }, "payment request not announced");
    }
    const run = this.request(userId, orderId, connector, requested, transaction, finish)
      .catch(async (error: unknown) => {
        await finish("failed");
        log.error({ err: error, userId, orderId }, "wallet request broke");
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
    log.info(
      {
        userId,
        orderId,
        amount: requested.amount.toString(),
        currency: requested.currency,
        wallet: wallet.device.appName,
        validUntil,
      },
      "payment request sent to the wallet",
    );
    return requested;
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
    const onChain = order.method === "ton" || (order.method === "usdt" && this.options.usdt);
    if (!onChain || !order.comment) throw new OrderNotPayable(orderId, "not-ton");
    if (isOpen(order, now)) return;
    // A pending order that is not open has run out of time.
    const expired = order.status === "pending" || order.status === "expired";
    throw new OrderNotPayable(orderId, expired ? "expired" : "paid");
  }

  /**
   * For a USDT order, where the buyer's jetton transfer starts: their own jetton wallet, which the
   * master names. A wallet holding too little USDT (NotEnoughUsdt) or too little TON for the fee
   * (NotEnoughTonForFee) is refused here rather than asked for a transfer that fails; toncenter
   * not answering is WalletNotChecked. Undefined for a TON order.
   */
  private async jettonSource(
    order: Order,
    buyerAddress: string,
    amount: bigint,
  ): Promise<{ buyer: Address; buyerJettonWallet: Address } | undefined> {
    const { testnet, usdt } = this.options;
    if (order.method !== "usdt" || !usdt) return undefined;
    const buyer = Address.parse(buyerAddress);
    const { buyerJettonWallet, usdtHeld, tonHeld } = await holdings(usdt, buyer, testnet).catch(
      (error: unknown) => {
        throw error instanceof ToncenterError ? new WalletNotChecked(order.id, error) : error;
      },
    );
    if (usdtHeld < amount) throw new NotEnoughUsdt(order.id, usdtHeld, amount);
    if (tonHeld < JETTON_TON_NEEDED) {
      throw new NotEnoughTonForFee(order.id, tonHeld, JETTON_TON_NEEDED);
    }
    return { buyer, buyerJettonWallet };
  }

  /** What the wallet is asked to sign: a TON transfer with the comment, or a jetton transfer. */
  private transactionFor(
    order: Order,
    { amount, validUntil }: PaymentRequested,
    jetton: { buyer: Address; buyerJettonWallet: Address } | undefined,
  ): SendTransactionRequest {
    const { merchant, testnet } = this.options;
    const payment = {
      merchant,
      amount,
      comment: order.comment ?? "",
      validUntil: Math.floor(validUntil / 1000),
      testnet,
    };
    return jetton
      ? jettonPaymentTransaction({ ...payment, ...jetton })
      : paymentTransaction(payment);
  }

  private async request(
    userId: number,
    orderId: string,
    connector: TonConnect,
    requested: PaymentRequested,
    transaction: SendTransactionRequest,
    finish: (outcome: PaymentOutcome | "abandoned") => Promise<void>,
  ): Promise<void> {
    const { redis, log } = this.options;
    const { validUntil } = requested;
    const ended = new AbortController();
    const interrupted = new Promise<PaymentOutcome | "abandoned">((resolve) =>
      this.interrupts.set(userId, resolve),
    );
    const expired = delay(validUntil - Date.now() + ANSWER_GRACE_MS, "expired" as const, {
      signal: ended.signal,
    }).catch(() => "abandoned" as const);
    // A stream the bridge dropped would never hear the answer; reopening it costs one reconnect.
    await connector.unPauseConnection().catch((error: unknown) => {
      log.warn({ userId, err: error }, "wallet bridge not reopened");
    });
    const answered = connector.sendTransaction(transaction, { signal: ended.signal }).then(
      (response) => {
        // The BOC is the wallet's word, not proof; its hash only helps find the transfer in logs.
        const hash = Cell.fromBase64(response.boc).hash().toString("hex");
        log.info({ userId, orderId, externalMessageHash: hash }, "wallet says it sent the payment");
        return "sent" as const;
      },
      (error: unknown) => outcomeOfError(error, log, userId, orderId),
    );
    const outcome = await Promise.race([answered, interrupted, expired]);
    ended.abort();
    this.interrupts.delete(userId);
    if (outcome === "sent") {
      // Until the watcher sees it, another request for this order would charge the buyer twice.
      await redis.set(this.sentKey(orderId), "1", "PX", SENT_HOLD_MS);
    }
    await finish(outcome);
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
    return {
      address: wallet.account.address,
      appName,
      name: known?.name ?? appName,
      link: known?.universalLink,
    };
  }

  private intentKey(userId: number): string {
    return redisKeys(this.options.prefix).tonconnectIntent(userId);
  }

  private sentKey(orderId: string): string {
    return redisKeys(this.options.prefix).tonconnectSent(orderId);
  }

  private requestKey(userId: number): string {
    return redisKeys(this.options.prefix).tonconnectRequest(userId);
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

/**
 * How long a buyer who pressed "Pay with my wallet" waits for toncenter to say what their wallet
 * holds before being told to try again: well within the time Telegram lets a button press be
 * answered, though the client's own retries would go on for longer.
 */
const WALLET_CHECK_MS = 5000;

/**
 * What a buyer's wallet holds for a USDT payment: its jetton wallet as the master names it, the
 * USDT there (none for a jetton wallet never created) and the TON for the fee. Rejects with
 * ToncenterUnavailable when toncenter has not answered within WALLET_CHECK_MS.
 */
async function holdings(
  usdt: NonNullable<TonConnectCheckoutOptions["usdt"]>,
  buyer: Address,
  testnet: boolean,
) {
  const { toncenter, master } = usdt;
  const look = async () => {
    const buyerJettonWallet = await jettonWalletOf(toncenter, master, buyer, testnet);
    const [usdtHeld, tonHeld] = await Promise.all([
      jettonWalletBalance(toncenter, buyerJettonWallet),
      toncenter.getBalance(buyer),
    ]);
    return { buyerJettonWallet, usdtHeld, tonHeld };
  };
  return deadline(
    WALLET_CHECK_MS,
    look(),
    () => new ToncenterUnavailable(`no answer within ${WALLET_CHECK_MS} ms`),
  );
}
