import { randomBytes } from "node:crypto";
import { Address, toNano } from "@ton/core";
import { startRedisServer } from "@ton-payment-bot/emulators/redis";
import {
  type EmulatedUser,
  type EmulatedUserOptions,
  type EmulatorState,
  startTelegramEmulator,
  type TelegramEmulator,
  type TelegramEmulatorOptions,
} from "@ton-payment-bot/emulators/telegram";
import {
  deployJetton,
  EmulatedChain,
  type EmulatedJetton,
  type EmulatedWallet,
  type JettonTransfer,
  jettonBalance,
  mintJetton,
  sendJetton,
  startToncenterEmulator,
  type ToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import {
  EmulatedWalletApp,
  startTonConnectBridge,
  type TonConnectBridgeEmulator,
  type WalletNetwork,
} from "@ton-payment-bot/emulators/tonconnect";
import { type App, createApp } from "../app.js";
import { agreeData } from "../bot/callback-data.js";
import { type Config, clusterNodesEnv, loadConfig } from "../config.js";
import { createLogger, type Logger } from "../log.js";
import { createRedisClient, masters } from "../redis/connection.js";
import { withUsdtPrices } from "./catalog.js";

export interface SandboxOptions {
  /** A Redis to use; without it (or `redisCluster`) a redis-server is started on a free port. */
  redisUrl?: string;
  /** A Redis Cluster to use instead, as REDIS_CLUSTER_NODES names it. */
  redisCluster?: Config["redisCluster"];
  /** Key prefix; a fresh random one by default, so runs never share state. */
  redisPrefix?: string;
  /** Settings on top of the sandbox defaults (poll every 250 ms, 30-minute orders…). */
  config?: Partial<Config>;
  log?: Logger;
  /** Keys put into stock pools before the shop opens. */
  stock?: Record<string, string[]>;
  /** false: only the emulators and Redis, for a shop run in another process. */
  openShop?: boolean;
  /** Options for the Bot API emulator, e.g. a shorter pre-checkout deadline. */
  telegram?: TelegramEmulatorOptions;
  /**
   * "undeployed": the merchant wallet has never sent anything, so it has no code on chain yet —
   * a fresh `npm run testnet-wallet` address, or a wallet app's new one. Payments still arrive.
   */
  merchantWallet?: "deployed" | "undeployed";
  /**
   * Buyers from `user()` press "I agree" whenever the shop asks them to agree to its terms
   * before a purchase, as a buyer who has read them does (the default); false leaves it to them.
   */
  buyersAgreeToTerms?: boolean;
  /**
   * A test USDT on the chain — a TEP-74 jetton with 6 decimals, deployed by an issuer of its own —
   * named as the shop's USDT_MASTER; buyer wallets then hold BUYER_USDT of it. Unless `config`
   * names a catalog, the shop sells from the example catalog with SANDBOX_USDT_PRICES added.
   */
  usdt?: boolean;
}

/** What each buyer wallet holds of the sandbox's test USDT: 1,000 USDT, in millionths. */
export const BUYER_USDT = 1_000_000_000n;

export interface SandboxUserOptions extends EmulatedUserOptions {
  /** This buyer presses "I agree" when asked before a purchase; the sandbox's default if unset. */
  agreesToTerms?: boolean;
}

/** A buyer's wallet app on the emulated chain: signs real transfers from a real wallet contract. */
export interface BuyerWallet {
  wallet: EmulatedWallet;
  /** Sends `amount` nanoton to the merchant with a text comment, as Tonkeeper would. */
  pay(amount: bigint, comment: string): Promise<void>;
  /**
   * Opens a Tonkeeper or `ton://transfer` link and sends what it asks for, as a wallet app does:
   * to the address as written (a non-bounceable UQ…/0Q… form sends non-bounceable), the
   * `amount` in nanotons, and `text` as the comment. With `jetton=<master>` it sends that jetton
   * instead: `amount` base units to the address, `text` as the forward payload's comment.
   */
  payLink(link: string): Promise<void>;
  /**
   * Sends the sandbox's test USDT to the merchant, as a wallet app does: a transfer to the
   * buyer's own jetton wallet, the comment in a ref and one nanoton forwarded unless told.
   */
  payUsdt(
    amount: bigint,
    comment: string,
    options?: Pick<JettonTransfer, "forwardTonAmount" | "payloadPlace">,
  ): Promise<void>;
}

export interface WalletAppOptions {
  /** What the wallet holds; 100 TON by default. */
  balance?: bigint;
  /** "-3" testnet (the sandbox shop's network) or "-239" mainnet. */
  network?: WalletNetwork;
  appName?: string;
}

/**
 * The whole shop on loopback: Redis, an emulated TON chain behind the toncenter emulator, the
 * Telegram Bot API emulator, a TON Connect bridge, and the real app (bot, watcher, fulfilment)
 * configured against them.
 */
export class Sandbox {
  private current: App | undefined;
  private readonly cleanups: (() => Promise<unknown>)[] = [];
  private buyersAgreeToTerms = true;

  private constructor(
    readonly config: Config,
    readonly chain: EmulatedChain,
    readonly toncenter: ToncenterEmulator,
    readonly telegram: TelegramEmulator,
    readonly bridge: TonConnectBridgeEmulator,
    readonly merchant: EmulatedWallet,
    private readonly log: Logger,
    /** The test USDT, when the sandbox was started with `usdt`. */
    readonly usdt: EmulatedJetton | undefined,
  ) {}

  static async start(options: SandboxOptions = {}): Promise<Sandbox> {
    const cleanups: (() => Promise<unknown>)[] = [];
    try {
      let redisUrl = options.redisUrl;
      if (redisUrl === undefined && options.redisCluster === undefined) {
        const server = await startRedisServer();
        cleanups.push(() => server.stop());
        redisUrl = server.url;
      }
      const chain = await EmulatedChain.create();
      const merchant =
        options.merchantWallet === "undeployed"
          ? await chain.createWallet({ version: "v5r1", deploy: false, balance: 0n })
          : await chain.createWallet({ version: "v5r1", balance: toNano("1") });
      const toncenter = await startToncenterEmulator({ chain });
      cleanups.push(() => toncenter.close());
      const telegram = await startTelegramEmulator(options.telegram);
      cleanups.push(() => telegram.close());
      const bridge = await startTonConnectBridge();
      cleanups.push(() => bridge.close());
      const usdt = options.usdt
        ? await deployJetton(chain, await chain.createWallet(), "https://example.invalid/usdt.json")
        : undefined;
      const defaults = loadConfig({});
      // A shop with test USDT sells in it; the example catalog stays the merchant's, without.
      const usdtCatalog =
        usdt && options.config?.catalogPath === undefined
          ? await withUsdtPrices(defaults.catalogPath)
          : undefined;
      if (usdtCatalog) cleanups.push(() => usdtCatalog.remove());

      const config: Config = {
        ...defaults,
        botToken: telegram.token,
        telegramApiRoot: telegram.apiRoot,
        tonNetwork: "testnet",
        toncenterEndpoint: toncenter.endpoint,
        toncenterRps: 100,
        merchantAddress: merchant.address,
        redisUrl: redisUrl ?? defaults.redisUrl,
        redisCluster: options.redisCluster,
        redisPrefix: options.redisPrefix ?? `sandbox:${randomBytes(4).toString("hex")}:`,
        pollIntervalMs: 250,
        // Any token does for the emulator; with it the shop also sells by card.
        paymentProviderToken: "284685063:TEST:sandbox",
        tonconnectManifestUrl: bridge.manifestUrl,
        tonconnectWalletsListUrl: bridge.walletsListUrl,
        logLevel: "silent",
        usdtMaster: usdt?.master,
        catalogPath: usdtCatalog?.path ?? defaults.catalogPath,
        ...options.config,
      };
      const log = options.log ?? createLogger({ level: config.logLevel });
      const sandbox = new Sandbox(config, chain, toncenter, telegram, bridge, merchant, log, usdt);
      sandbox.cleanups.push(...cleanups);
      sandbox.buyersAgreeToTerms = options.buyersAgreeToTerms ?? true;
      if (options.openShop === false) return sandbox;
      const app = await sandbox.open();
      for (const [pool, keys] of Object.entries(options.stock ?? {})) {
        await app.stock.add(pool, keys);
      }
      return sandbox;
    } catch (error) {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      throw error;
    }
  }

  get app(): App {
    if (this.current === undefined) throw new Error("the shop is not running");
    return this.current;
  }

  /** Someone who opens a chat with the bot. */
  user(options: SandboxUserOptions = {}): EmulatedUser {
    const { agreesToTerms = this.buyersAgreeToTerms, ...userOptions } = options;
    const user = this.telegram.user(userOptions);
    if (agreesToTerms) agreeWhenAsked(this.telegram.state, user);
    return user;
  }

  /**
   * A deployed wallet holding `balance` that pays the merchant; with the sandbox's test USDT, it
   * holds BUYER_USDT of it too.
   */
  async buyerWallet(balance = toNano("100")): Promise<BuyerWallet> {
    const wallet = await this.chain.createWallet({ version: "v4", balance });
    const usdt = this.usdt;
    if (usdt) await mintJetton(this.chain, usdt, wallet.address, BUYER_USDT);
    const sendUsdt = async (transfer: JettonTransfer) => {
      if (!usdt) throw new Error("this wallet holds no USDT: start the sandbox with usdt");
      await sendJetton(this.chain, usdt, wallet, transfer);
    };
    return {
      wallet,
      pay: async (amount, comment) => {
        await this.chain.transfer(wallet, this.merchant.address, amount, { body: comment });
      },
      payLink: async (link) => {
        const url = new URL(link.replace(/^ton:\/\/transfer\//, "https://ton/transfer/"));
        const to = Address.parseFriendly(url.pathname.split("/").pop() ?? "");
        const amount = BigInt(url.searchParams.get("amount") ?? 0);
        const text = url.searchParams.get("text") ?? undefined;
        const jetton = url.searchParams.get("jetton");
        if (jetton === null) {
          await this.chain.transfer(wallet, to.address, amount, {
            body: text,
            bounce: to.isBounceable,
          });
          return;
        }
        // A wallet app sends only a jetton it holds, the one whose master the link names.
        if (!usdt?.master.equals(Address.parse(jetton)))
          throw new Error(`this wallet holds no jetton of master ${jetton}`);
        await sendUsdt({ to: to.address, amount, payload: text });
      },
      payUsdt: async (amount, comment, options = {}) => {
        await sendUsdt({ to: this.merchant.address, amount, payload: comment, ...options });
      },
    };
  }

  /** What the merchant holds of the sandbox's test USDT, in millionths. */
  async merchantUsdt(): Promise<bigint> {
    if (!this.usdt) return 0n;
    return jettonBalance(this.chain, this.usdt, this.merchant.address);
  }

  /**
   * A wallet app (Tonkeeper, say) on the buyer's phone: a funded wallet on the emulated chain
   * that connects through the TON Connect bridge and signs the transfers it is asked for.
   */
  async walletApp(options: WalletAppOptions = {}): Promise<EmulatedWalletApp> {
    const wallet = await this.chain.createWallet({
      version: "v4",
      balance: options.balance ?? toNano("100"),
    });
    const app = new EmulatedWalletApp({
      bridgeUrl: this.bridge.bridgeUrl,
      chain: this.chain,
      wallet,
      network: options.network,
      appName: options.appName,
    });
    this.cleanups.push(async () => app.close());
    return app;
  }

  /** The environment that runs `npm start` as this sandbox's shop in another process. */
  env(): Record<string, string> {
    const { config } = this;
    return {
      BOT_TOKEN: config.botToken ?? "",
      TELEGRAM_API_ROOT: config.telegramApiRoot,
      TON_NETWORK: config.tonNetwork,
      TONCENTER_ENDPOINT: config.toncenterEndpoint,
      TONCENTER_RPS: String(config.toncenterRps),
      MERCHANT_ADDRESS: config.merchantAddress?.toString({ testOnly: true }) ?? "",
      USDT_MASTER: config.usdtMaster?.toString({ testOnly: true }) ?? "",
      CATALOG_PATH: config.catalogPath,
      ...(config.redisCluster
        ? { REDIS_CLUSTER_NODES: clusterNodesEnv(config.redisCluster) }
        : { REDIS_URL: config.redisUrl }),
      REDIS_PREFIX: config.redisPrefix,
      POLL_INTERVAL_MS: String(config.pollIntervalMs),
      PAYMENT_PROVIDER_TOKEN: config.paymentProviderToken ?? "",
      TONCONNECT_MANIFEST_URL: config.tonconnectManifestUrl ?? "",
      TONCONNECT_WALLETS_LIST_URL: config.tonconnectWalletsListUrl,
      LOG_LEVEL: config.logLevel,
    };
  }

  /**
   * Stops the shop process, as a crash or a deploy would, and leaves Redis and the emulators
   * running; `restart()` opens it again.
   */
  async stopShop(): Promise<void> {
    const app = this.current;
    this.current = undefined;
    await app?.stop();
  }

  /**
   * Stops the shop process and starts a fresh one on the same Redis and emulators, with
   * `changes` to its settings (a merchant's new catalog, say) when given.
   */
  async restart(changes: Partial<Config> = {}): Promise<App> {
    await this.current?.stop();
    Object.assign(this.config, changes);
    this.current = undefined;
    return this.open();
  }

  /** Stops the shop, deletes its keys, and closes the emulators (and Redis, if it was started). */
  async stop(): Promise<void> {
    const app = this.current;
    if (app !== undefined) {
      await app.stop().catch(() => undefined);
      this.current = undefined;
    }
    await deleteKeys(this.config).catch(() => undefined);
    for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => undefined);
  }

  private async open(): Promise<App> {
    // The shop tells time by Telegram's clock, so a test that lets thirty days pass there sees
    // the shop live through them too.
    const app = await createApp(this.config, this.log, {
      clock: () => this.telegram.state.clock.now(),
    });
    // The first poll fixes the cursor at the wallet's newest transaction before anyone pays.
    await app.watcher?.pollOnce();
    await app.start();
    this.current = app;
    return app;
  }
}

/**
 * Presses "I agree" on every terms message that asks `buyer` to agree before a purchase, once
 * each, as soon as it arrives; the purchase then goes on as the buyer asked for it.
 */
function agreeWhenAsked(state: EmulatorState, buyer: EmulatedUser): void {
  const pressed = new Set<number>();
  state.onChange(buyer.id, () => {
    // After the change is complete: the listener runs while the message is being stored.
    setImmediate(() => {
      for (const message of buyer.fromBot()) {
        if (pressed.has(message.messageId)) continue;
        const data = buyer.buttonsData(message).find((d) => (agreeData.read(d)?.ref ?? "") !== "");
        if (data === undefined) continue;
        pressed.add(message.messageId);
        // Unanswered (a shop killed meanwhile, say): the buyer taps Pay again and is asked again.
        buyer.pressData(data, message).catch(() => undefined);
      }
    });
  });
}

async function deleteKeys(config: Config): Promise<void> {
  const redis = createRedisClient(config, { lazyConnect: true, maxRetriesPerRequest: 1 });
  // Redis gone by now fails connect(), which the caller ignores; ioredis need not print it too.
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    // One key per UNLINK: on a cluster, keys of different slots cannot share a command.
    for (const node of masters(redis)) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(
          cursor,
          "MATCH",
          `${config.redisPrefix}*`,
          "COUNT",
          500,
        );
        await Promise.all(keys.map((key) => node.unlink(key)));
        cursor = next;
      } while (cursor !== "0");
    }
  } finally {
    redis.disconnect();
  }
}
