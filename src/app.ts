import { hostname } from "node:os";
import type { Address } from "@ton/core";
import type { Bot } from "grammy";
import { AccessChats } from "./access/chats.js";
import { AccessGrants } from "./access/grants.js";
import { AccessRemoval } from "./access/removal.js";
import { AdminActions } from "./admin/actions.js";
import { AuditLog } from "./admin/audit.js";
import { readHealth, type ShopHealth } from "./admin/health.js";
import { ShopReports } from "./admin/reports.js";
import { telegramUnreachable } from "./bot/api/errors.js";
import { whenTelegramAnswers } from "./bot/api/outage.js";
import { setCommandMenu } from "./bot/commands.js";
import type { BotContext } from "./bot/context.js";
import { createBot } from "./bot/create-bot.js";
import { listenWebhook, startPolling } from "./bot/serve.js";
import { Sessions } from "./bot/sessions.js";
import { type Catalog, loadCatalog } from "./catalog/catalog.js";
import { type Clock, systemClock } from "./clock.js";
import { type Config, ConfigError } from "./config.js";
import { forPeriod } from "./fulfilment/deliverer.js";
import { ChatAccessDelivery } from "./fulfilment/deliverers/chat-access.js";
import { TelegramDelivery } from "./fulfilment/deliverers/telegram.js";
import { StockPool } from "./fulfilment/stock.js";
import { MerchantWebhook } from "./fulfilment/webhook.js";
import { FulfilmentWorker } from "./fulfilment/worker.js";
import { type BotPhase, checkReadiness } from "./http/health.js";
import { ShopMetrics } from "./http/metrics.js";
import { listenOps, opsRoutes, type Routes } from "./http/server.js";
import { scheduleJobs } from "./jobs/schedule.js";
import { reconcileStars } from "./jobs/stars-ledger.js";
import { endSubscriptions } from "./jobs/subscriptions.js";
import type { Logger } from "./log.js";
import { type Metrics, noMetrics } from "./metrics.js";
import { AdminNotifier } from "./notices/admins.js";
import { BuyerNotifier } from "./notices/buyers.js";
import { sendDailyReport } from "./notices/daily-report.js";
import { showCoinAs } from "./notices/format.js";
import { PaymentMessages } from "./notices/payment-messages.js";
import { SentNotices } from "./notices/sent.js";
import { WalletNotices } from "./notices/wallet.js";
import { WalletChats } from "./notices/wallet-chats.js";
import { OrderStore } from "./orders/store.js";
import { followRedis } from "./outage.js";
import {
  announceOurJettonWallet,
  type JettonWalletUnknown,
  jettonWalletBalance,
  usdtMasterOf,
} from "./payments/jetton/wallet.js";
import { PaymentsCore } from "./payments/record.js";
import { StarsLedger, type StarsReconcileResult } from "./payments/telegram/ledger.js";
import { TelegramPayments } from "./payments/telegram/service.js";
import { Subscriptions } from "./payments/telegram/subscriptions.js";
import { ToncenterClient } from "./payments/ton/client.js";
import { threadDecoder } from "./payments/ton/decoder.js";
import { PaymentWatcher } from "./payments/ton/watcher.js";
import { TonConnectCheckout } from "./payments/tonconnect/checkout.js";
import { warnIfManifestUnusable } from "./payments/tonconnect/manifest.js";
import { UnmatchedPayments } from "./payments/unmatched.js";
import type { RedisClient } from "./redis/client.js";
import { shopRedis } from "./redis/connection.js";
import { allPartitions, redisKeys } from "./redis/keys.js";
import { groupBacklog } from "./redis/stream.js";
import { stopWithin } from "./shutdown.js";
import { SupportDesk } from "./support/desk.js";
import { TermsAgreements } from "./support/terms.js";
import { TicketStore } from "./support/tickets.js";

/** Every long-lived service of one process, built from a Config. */
export interface App {
  config: Config;
  redis: RedisClient;
  catalog: Catalog;
  store: OrderStore;
  payments: PaymentsCore;
  unmatched: UnmatchedPayments;
  toncenter: ToncenterClient;
  watcher: PaymentWatcher;
  fulfilment: FulfilmentWorker;
  stock: StockPool;
  /** Support tickets between buyers and the admins. */
  tickets: TicketStore;
  /** Sales, status counts and exceptions for /admin. */
  reports: ShopReports;
  /** Every admin action, newest first. */
  audit: AuditLog;
  /** Stars and card payments: pre-checkout, successful payments, Star refunds. */
  telegramPayments: TelegramPayments;
  subscriptions: Subscriptions;
  /** Paying from a connected wallet, when TONCONNECT_MANIFEST_URL is set. */
  wallets: TonConnectCheckout | undefined;
  /** Which terms of sale each buyer agreed to, and when. */
  terms: TermsAgreements;
  /** The buyer-facing bot. */
  bot: Bot<BotContext>;
  /** Sends the admins' daily report now (the schedule does it at 09:00 UTC). */
  dailyReport(): Promise<void>;
  /** Reads Telegram's Stars ledger for lost payments and refunds now (the schedule: every 10 min). */
  reconcileStars(): Promise<StarsReconcileResult>;
  /** Ends the access of subscriptions whose paid period is over, now (the schedule: every minute). */
  endSubscriptions(): Promise<number>;
  /** Prometheus metrics, when METRICS_PORT is set. */
  metrics: ShopMetrics | undefined;
  /** Where /metrics, /healthz and /readyz answer once started; undefined without METRICS_PORT. */
  metricsPort(): number | undefined;
  /** Starts polling, delivering and the schedules. */
  start(): Promise<void>;
  /** Finishes the work in hand, then closes connections. */
  stop(): Promise<void>;
}

/** stop() gives up waiting after this long, within the 10 s a supervisor allows after SIGTERM. */
const STOP_WITHIN_MS = 7000;

/**
 * The composition root: the one place that knows how the pieces fit. `npm start` builds it from
 * the environment; the offline sandbox builds it against its emulators.
 */
export async function createApp(
  config: Config,
  log: Logger,
  options: { clock?: Clock } = {},
): Promise<App> {
  const { botToken, merchantAddress: merchant } = config;
  // loadConfig refuses a token without an address; without a token, main runs the sandbox.
  if (!botToken || !merchant)
    throw new ConfigError("the shop needs BOT_TOKEN and MERCHANT_ADDRESS");
  const clock = options.clock ?? systemClock;
  const testnet = config.tonNetwork === "testnet";
  showCoinAs(config.coinLabel);
  const catalog = await loadCatalog(config.catalogPath, { fiatCurrency: config.fiatCurrency });
  // Chat access is offered once start() has found the bot able to grant it in each chat.
  const accessChats = new AccessChats(catalog, log.child({ module: "chat-access" }));
  // Undefined unless a product is priced in USDT: then the shop never asks for a jetton wallet.
  const usdtMaster = usdtMasterOf(catalog, config.usdtMaster);

  const redis = shopRedis(config, log);
  // One line when Redis goes away and one when it is back, rather than one per reconnect attempt.
  followRedis(redis, log);
  await redis.connect();
  const prefix = config.redisPrefix;
  const fulfilmentStreams = allPartitions.map(redisKeys(prefix).fulfilment);

  // Counted only when served: without METRICS_PORT nothing reads them.
  const shopMetrics: ShopMetrics | undefined =
    config.metricsPort === undefined
      ? undefined
      : new ShopMetrics({
          clock,
          scrape: (): Promise<ShopHealth> =>
            readHealth(watcher.health, redis, prefix, usdtWatcherHealth),
        });
  const metrics: Metrics = shopMetrics ?? noMetrics;
  const store = new OrderStore(redis, { prefix, clock, metrics });
  const payments = new PaymentsCore(store, { latePolicy: config.latePaymentPolicy, metrics });
  const unmatched = new UnmatchedPayments(redis, prefix, metrics);
  const stock = new StockPool(redis, { prefix });
  const reports = new ShopReports(store);
  const audit = new AuditLog(redis, prefix, { clock });
  const sessions = new Sessions(redis, prefix);
  const paymentMessages = new PaymentMessages(redis, prefix);
  const walletChats = new WalletChats(redis, prefix);
  const terms = new TermsAgreements(redis, { prefix, clock });
  // One decoding thread keeps transaction parsing off the event loop that serves buyers.
  const decoder = threadDecoder(1);
  const toncenter = new ToncenterClient({
    endpoint: config.toncenterEndpoint,
    apiKey: config.toncenterApiKey,
    rps: config.toncenterRps,
    decoder,
    metrics,
    log: log.child({ module: "toncenter" }),
  });
  const watcherOptions = {
    redis,
    prefix,
    source: toncenter,
    merchant,
    store,
    payments,
    unmatched,
    clock,
    metrics,
  };
  const watcher = new PaymentWatcher({
    ...watcherOptions,
    // Jetton notices wait for our jetton wallet, so none is taken for TON or missed as a fake.
    awaitsJettonWallet: usdtMaster !== undefined,
    log: log.child({ module: "watcher" }),
  });
  /** Our jetton wallet's watcher, once the wallet is known; only a shop selling in USDT has one. */
  let usdtWatcher: PaymentWatcher | undefined;
  /**
   * Starts following our jetton wallet beside the merchant wallet, at the same pace, and tells
   * the merchant's watcher which jetton notifications are ours.
   */
  let ourUsdtWallet: Address | undefined;
  const watchJettonWallet = (jettonWallet: Address) => {
    ourUsdtWallet = jettonWallet;
    watcher.useJettonWallet(jettonWallet);
    usdtWatcher = new PaymentWatcher({
      ...watcherOptions,
      jettonWallet,
      role: "jetton-wallet",
      log: log.child({ module: "usdt-watcher" }),
    });
    usdtWatcher.start(config.pollIntervalMs);
  };
  /** Why our jetton wallet's watcher is not running yet, while it is not. */
  let usdtUnknown: JettonWalletUnknown = "asking";
  /** Health reads our jetton wallet's watcher beside the merchant's, or why there is none. */
  const usdtWatcherHealth = usdtMaster ? () => usdtWatcher?.health ?? usdtUnknown : undefined;
  const subscriptions = new Subscriptions(redis, prefix, store);
  const telegramPayments = new TelegramPayments({
    redis,
    prefix,
    providerToken: config.paymentProviderToken,
    store,
    payments,
    unmatched,
    catalog,
    stock,
    subscriptions,
    log: log.child({ module: "telegram-payments" }),
  });
  const wallets = config.tonconnectManifestUrl
    ? new TonConnectCheckout({
        redis,
        prefix,
        store,
        merchant,
        testnet,
        usdt: usdtMaster ? { master: usdtMaster, toncenter } : undefined,
        manifestUrl: config.tonconnectManifestUrl,
        walletsListUrl: config.tonconnectWalletsListUrl,
        requestTtlMs: config.tonconnectRequestTtlSeconds * 1000,
        maxOpenLinks: config.tonconnectMaxOpenLinks,
        log: log.child({ module: "tonconnect" }),
      })
    : undefined;
  const actions = new AdminActions({
    store,
    payments,
    unmatched,
    reports,
    audit,
    telegramPayments,
    clock,
    log: log.child({ module: "admin" }),
  });

  const tickets = new TicketStore(redis, prefix, clock);
  const support = new SupportDesk({
    tickets,
    store,
    catalog,
    sessions,
    adminIds: config.adminIds,
    adminChatId: config.adminChatId,
    clock,
    log: log.child({ module: "support" }),
  });

  const telegram = createBot(
    { token: botToken, apiRoot: config.telegramApiRoot, testEnv: config.telegramTestEnv },
    {
      catalog,
      store,
      stock,
      redis,
      prefix,
      sessions,
      paymentMessages,
      walletChats,
      merchantAddress: merchant,
      usdtMaster,
      testnet,
      orderTtlMs: config.orderTtlMinutes * 60_000,
      payMethods: () => [
        "ton",
        "stars",
        ...(config.paymentProviderToken ? ["fiat" as const] : []),
        // Only once our jetton wallet is watched: a payment made before would not be found.
        ...(usdtWatcher ? ["usdt" as const] : []),
      ],
      deliverable: (product) => accessChats.grants(product),
      telegramPayments,
      subscriptions,
      wallets,
      terms,
      support,
      providerToken: config.paymentProviderToken,
      metrics,
      log: log.child({ module: "bot" }),
    },
    {
      adminIds: config.adminIds,
      adminChatId: config.adminChatId,
      catalog,
      unmatched,
      reports,
      actions,
      tickets,
      subscriptions,
      starsRecorded: async (chargeIds) => {
        const held = await Promise.all(
          chargeIds.map(
            async (id) =>
              (await store.orderIdByPayment(`stars:${id}`)) !== undefined ||
              (await unmatched.has(`stars:${id}`)),
          ),
        );
        return new Set(chargeIds.filter((_, i) => held[i]));
      },
      health: () => readHealth(watcher.health, redis, prefix, usdtWatcherHealth),
      toncenter,
      merchantAddress: merchant,
      // A shop selling in USDT shows what our jetton wallet holds; "?" until the wallet is known.
      usdtBalance: usdtMaster
        ? async () => {
            if (ourUsdtWallet === undefined) throw new Error("our jetton wallet is not known yet");
            return jettonWalletBalance(toncenter, ourUsdtWallet);
          }
        : undefined,
      testnet,
      clock,
      log: log.child({ module: "admin" }),
    },
  );
  const { bot, i18n } = telegram;

  const buyerNotices = new BuyerNotifier({
    api: bot.api,
    redis,
    prefix,
    store,
    catalog,
    paymentMessages,
    ton: { merchant, testnet, walletPay: wallets !== undefined, usdtMaster },
    i18n,
    log: log.child({ module: "notifier" }),
  });
  const adminNotices = new AdminNotifier({
    api: bot.api,
    redis,
    prefix,
    store,
    catalog,
    i18n,
    adminIds: config.adminIds,
    sessions,
    sent: new SentNotices(redis, prefix),
    unmatched,
    testnet,
    log: log.child({ module: "admin-notifier" }),
  });
  if (wallets) {
    const walletNotices = new WalletNotices({
      api: bot.api,
      i18n,
      walletChats,
      store,
      testnet,
      log: log.child({ module: "wallet-notices" }),
    });
    wallets.listen((event) => {
      walletNotices
        .handle(event)
        .catch((error: unknown) =>
          log.error({ err: error, userId: event.userId }, "wallet notice not sent"),
        );
    });
  }
  const dailyReport = () =>
    sendDailyReport({ reports, unmatched, admins: adminNotices, i18n, clock });

  const starsLedger = new StarsLedger({
    api: bot.api,
    redis,
    prefix,
    store,
    unmatched,
    telegramPayments,
    log: log.child({ module: "stars-ledger" }),
  });
  const merchantWebhook =
    config.merchantWebhookUrl && config.merchantWebhookSecret
      ? new MerchantWebhook({
          url: config.merchantWebhookUrl,
          secret: config.merchantWebhookSecret,
          redis,
          prefix,
          clock,
          log: log.child({ module: "merchant-webhook" }),
        })
      : undefined;
  const chat = new TelegramDelivery(bot.api, catalog, stock, i18n);
  const accessGrants = new AccessGrants(redis, prefix);
  const accessLog = log.child({ module: "chat-access" });
  const chatAccess = new ChatAccessDelivery(bot.api, catalog, accessGrants, i18n, accessLog, clock);
  const accessRemoval = new AccessRemoval({
    api: bot.api,
    redis,
    prefix,
    store,
    catalog,
    grants: accessGrants,
    subscriptions,
    log: accessLog,
  });
  const fulfilment = new FulfilmentWorker({
    redis,
    store,
    prefix,
    consumer: `${hostname()}-${process.pid}`,
    concurrency: config.fulfilmentConcurrency,
    // The webhook first: it is only queued, and the merchant hears of the payment even when the
    // buyer's chat refuses the goods.
    deliverers: async (order, done) => [
      // A subscription's period is indexed first: its access must end on time whatever follows.
      ...[subscriptions.deliverer(order)].filter((step) => step !== undefined),
      ...(merchantWebhook ? [forPeriod(order, merchantWebhook)] : []),
      ...(await chat.steps(order, done)),
      ...(await chatAccess.steps(order, done)),
    ],
    // Telegram away is waited out, not counted against the job's attempts.
    outage: telegramUnreachable,
    clock,
    metrics,
    log: log.child({ module: "fulfilment" }),
  });
  // What waits for Telegram goes out as soon as it answers again.
  telegram.outage.onRecovered(() => {
    buyerNotices.retryNow();
    adminNotices.retryNow();
    accessRemoval.retryNow();
    void fulfilment.retryNow();
  });

  let botPhase: BotPhase = "starting";
  /** Aborted by stop(): a start() still waiting for Telegram gives up. */
  const stopping = new AbortController();
  const opsRoutesOf = (metered: ShopMetrics): Routes =>
    opsRoutes({
      metrics: () => metered.text(),
      readiness: () =>
        checkReadiness(
          {
            ping: () => redis.ping(),
            watcher: () => watcher.health.read(),
            usdtWatcher: () => usdtWatcher?.health.read(),
            backlog: () => groupBacklog(redis, fulfilmentStreams, "fulfilment"),
            bot: () => botPhase,
            clock,
          },
          { pollIntervalMs: config.pollIntervalMs },
        ),
      log: log.child({ module: "http" }),
    });
  // With METRICS_PORT equal to PORT in webhook mode, the webhook server answers them too.
  const webhook = config.botMode === "webhook" && config.webhookUrl !== undefined;
  const sharesWebhookPort = webhook && config.metricsPort === config.port;
  let ops: { port: number; close(): Promise<void> } | undefined;

  let stopJobs: (() => Promise<void>) | undefined;
  let stopBot: (() => Promise<void>) | undefined;
  return {
    config,
    redis,
    catalog,
    store,
    payments,
    unmatched,
    toncenter,
    watcher,
    fulfilment,
    stock,
    telegramPayments,
    subscriptions,
    reports,
    audit,
    tickets,
    wallets,
    terms,
    bot,
    dailyReport,
    metrics: shopMetrics,
    metricsPort: () => (sharesWebhookPort ? config.port : ops?.port),
    reconcileStars: () => reconcileStars(starsLedger, log.child({ module: "jobs" })),
    endSubscriptions: () => endSubscriptions(store, subscriptions, log.child({ module: "jobs" })),
    async start() {
      // First, so an orchestrator sees the process live (and not yet ready) while it starts.
      if (shopMetrics && config.metricsPort !== undefined && !sharesWebhookPort) {
        ops = await listenOps(
          opsRoutesOf(shopMetrics),
          { port: config.metricsPort, host: config.metricsHost },
          log.child({ module: "http" }),
        );
      }
      if (sharesWebhookPort) {
        // The webhook server answers on every interface, so METRICS_HOST cannot keep them local.
        log.warn(
          { port: config.port, metricsHost: config.metricsHost },
          "metrics and health share the webhook's port and its interfaces; put them behind the proxy's access rules, or give METRICS_PORT a port of its own",
        );
      }
      await fulfilment.start();
      merchantWebhook?.start();
      await buyerNotices.start();
      await adminNotices.start();
      await accessRemoval.start();
      watcher.start(config.pollIntervalMs);
      if (usdtMaster) {
        // In the background: toncenter away must not hold up TON and Stars sales; USDT
        // payments are looked for once our jetton wallet is known.
        void announceOurJettonWallet(
          {
            redis,
            prefix,
            toncenter,
            testnet,
            stopping: stopping.signal,
            log: log.child({ module: "usdt" }),
          },
          usdtMaster,
          merchant,
        ).then((jettonWallet) => {
          if (jettonWallet === "not-a-master") {
            // No USDT payment could ever be found: buyers are no longer offered USDT.
            usdtUnknown = jettonWallet;
            watcher.noJettonWallet();
          } else if (jettonWallet && !stopping.signal.aborted) watchJettonWallet(jettonWallet);
        });
      }
      if (wallets && config.tonconnectManifestUrl) {
        // In the background: a wallet bridge that is down must not hold up the shop's start.
        wallets
          .resume()
          .catch((error: unknown) => log.warn({ err: error }, "open wallet links not resumed"));
        void warnIfManifestUnusable(config.tonconnectManifestUrl, log);
      }
      // Listening before Telegram answers: health is served on a shared port, and updates
      // delivered meanwhile are answered 503, so Telegram sends them again.
      const hook =
        webhook && config.webhookUrl
          ? await listenWebhook(bot, {
              url: config.webhookUrl,
              secret: config.webhookSecret,
              port: config.port,
              redis,
              prefix,
              routes: sharesWebhookPort && shopMetrics ? opsRoutesOf(shopMetrics) : undefined,
              log,
            })
          : undefined;
      stopBot = hook?.stop;
      // Stopped while it started: stop() found no bot to stop, and none may start now.
      const { signal } = stopping;
      if (signal.aborted) return void (await hook?.stop());
      try {
        // Telegram may be away as the shop starts: it waits, and the outage lines say so.
        // grammY's init retries a network failure on its own, until the signal aborts it. (It
        // declares a polyfill's AbortSignal; Node's is the same at run time.)
        const initSignal = signal as Parameters<typeof bot.init>[0];
        await whenTelegramAnswers(() => bot.init(initSignal), signal);
        await whenTelegramAnswers(() => accessChats.check(bot.api, bot.botInfo.id), signal);
        await whenTelegramAnswers(
          () => setCommandMenu(bot.api, i18n, { wallet: wallets !== undefined }),
          signal,
        );
        if (hook) await hook.open(signal);
        else {
          const stopPolling = await whenTelegramAnswers(
            () => startPolling(bot, log.child({ module: "polling" })),
            signal,
          );
          if (signal.aborted) return void (await stopPolling());
          stopBot = stopPolling;
        }
      } catch (error) {
        // Stopped while it waited for Telegram: nothing more to start.
        if (signal.aborted) return;
        throw error;
      }
      if (signal.aborted) return;
      botPhase = "running";
      stopJobs = scheduleJobs({
        store,
        log: log.child({ module: "jobs" }),
        redis,
        prefix,
        watchers: () => (usdtWatcher ? [watcher, usdtWatcher] : [watcher]),
        starsLedger,
        dailyReport,
        subscriptions,
        accessRemoval,
      });
    },
    async stop() {
      // Bounded at every step: with Redis unreachable, commands wait forever (maxRetriesPerRequest
      // null) and a disconnect does not fail them. Nothing is lost by not waiting: no payment
      // update is confirmed to Telegram before it is recorded, and a job not acknowledged returns.
      botPhase = "stopping";
      stopping.abort();
      const step = stopWithin(STOP_WITHIN_MS, log);
      await step("bot", stopBot?.());
      await Promise.all([
        step("wallets", wallets?.close()),
        // The chain reconcile job drives the watcher, so it stops first.
        step("jobs", stopJobs?.()).then(() => step("watcher", watcher.stop())),
        step("usdt watcher", usdtWatcher?.stop()),
        step("fulfilment", fulfilment.stop()),
        step("merchant webhook", merchantWebhook?.stop()),
        step("notifier", buyerNotices.stop()),
        step("admin notifier", adminNotices.stop()),
        step("chat access", accessRemoval.stop()),
        step("metrics", ops?.close()),
      ]);
      await step("decoder", decoder.close());
      redis.disconnect();
    },
  };
}
