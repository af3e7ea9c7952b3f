import { hostname } from "node:os";
import type { Bot } from "grammy";
import { AuditLog } from "./admin/audit.js";
import { ShopReports } from "./admin/reports.js";
import { AdminNotifier } from "./bot/admin-notifier.js";
import { setCommandMenu } from "./bot/commands.js";
import type { BotContext } from "./bot/context.js";
import { createBot } from "./bot/create-bot.js";
import { TelegramDelivery } from "./bot/deliver.js";
import { formatPrice } from "./bot/format.js";
import { BuyerNotifier } from "./bot/notifier.js";
import { startPolling, startWebhook } from "./bot/serve.js";
import { whenTelegramAnswers } from "./bot/telegram-outage.js";
import { telegramUnreachable } from "./bot/unreachable.js";
import { WalletNotices } from "./bot/wallet-notices.js";
import { type Catalog, loadCatalog } from "./catalog/catalog.js";
import type { Config } from "./config.js";
import { StockPool } from "./fulfilment/stock.js";
import { MerchantWebhook } from "./fulfilment/webhook.js";
import { FulfilmentWorker } from "./fulfilment/worker.js";
import { scheduleJobs } from "./jobs/schedule.js";
import { reconcileStars } from "./jobs/stars-ledger.js";
import type { Logger } from "./log.js";
import { OrderStore } from "./orders/store.js";
import { followRedis } from "./outage.js";
import { PaymentsCore } from "./payments/core.js";
import { StarsLedger, type StarsReconcileResult } from "./payments/telegram/ledger.js";
import { TelegramPayments } from "./payments/telegram/service.js";
import { ToncenterClient } from "./payments/ton/client.js";
import { threadDecoder } from "./payments/ton/decoder.js";
import { PaymentWatcher } from "./payments/ton/watcher.js";
import { TonConnectCheckout } from "./payments/tonconnect/checkout.js";
import { checkManifest } from "./payments/tonconnect/manifest.js";
import { UnmatchedPayments } from "./payments/unmatched.js";
import type { RedisClient } from "./redis/client.js";
import { shopRedis } from "./redis/connection.js";

/** Every long-lived service of one process, built from a Config. */
export interface App {
  config: Config;
  redis: RedisClient;
  catalog: Catalog;
  store: OrderStore;
  payments: PaymentsCore;
  unmatched: UnmatchedPayments;
  toncenter: ToncenterClient;
  watcher: PaymentWatcher | undefined;
  fulfilment: FulfilmentWorker;
  stock: StockPool;
  /** Sales, status counts and exceptions for /admin. */
  reports: ShopReports;
  /** Every admin action, newest first. */
  audit: AuditLog;
  /** Stars and card payments: pre-checkout, successful payments, Star refunds. */
  telegramPayments: TelegramPayments;
  /** Paying from a connected wallet, when TONCONNECT_MANIFEST_URL and MERCHANT_ADDRESS are set. */
  wallets: TonConnectCheckout | undefined;
  /** The buyer-facing bot, when BOT_TOKEN and MERCHANT_ADDRESS are set. */
  bot: Bot<BotContext> | undefined;
  /** Sends the admins' daily report now (the schedule does it at 09:00 UTC). */
  dailyReport(): Promise<void>;
  /** Reads Telegram's Stars ledger for lost payments and refunds now (the schedule: every 10 min). */
  reconcileStars(): Promise<StarsReconcileResult | undefined>;
  /** Starts polling, delivering and the schedules. */
  start(): Promise<void>;
  /** Finishes the work in hand, then closes connections. */
  stop(): Promise<void>;
}

/** stop() gives up waiting after this long, within the 10 s a supervisor allows after SIGTERM. */
const STOP_WITHIN_MS = 7000;

/** True when `task` settled (either way) before `deadline`. */
function settleBy(deadline: number, task: Promise<unknown> | undefined): Promise<boolean> {
  if (task === undefined) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    task.then(done, done);
  });
}

/**
 * The composition root: the one place that knows how the pieces fit. `npm start` builds it from
 * the environment; the offline sandbox builds it against its emulators.
 */
export async function createApp(config: Config, log: Logger): Promise<App> {
  const catalog = await loadCatalog(config.catalogPath, { fiatCurrency: config.fiatCurrency });
  const redis = shopRedis(config, log);
  // One line when Redis goes away and one when it is back, rather than one per reconnect attempt.
  followRedis(redis, log);
  await redis.connect();
  const prefix = config.redisPrefix;

  const store = new OrderStore(redis, { prefix });
  const payments = new PaymentsCore(store, { latePolicy: config.latePaymentPolicy });
  const unmatched = new UnmatchedPayments(redis, prefix);
  // One decoding thread keeps transaction parsing off the event loop that serves buyers.
  const decoder = threadDecoder(1);
  const toncenter = new ToncenterClient({
    endpoint: config.toncenterEndpoint,
    apiKey: config.toncenterApiKey,
    rps: config.toncenterRps,
    decoder,
    log: log.child({ module: "toncenter" }),
  });
  const watcher = config.merchantAddress
    ? new PaymentWatcher({
        redis,
        prefix,
        source: toncenter,
        merchant: config.merchantAddress,
        store,
        payments,
        unmatched,
        log: log.child({ module: "watcher" }),
      })
    : undefined;

  const stock = new StockPool(redis, { prefix });
  const telegramPayments = new TelegramPayments({
    redis,
    prefix,
    providerToken: config.paymentProviderToken,
    store,
    payments,
    unmatched,
    catalog,
    stock,
    log: log.child({ module: "telegram-payments" }),
  });
  const wallets =
    config.tonconnectManifestUrl && config.merchantAddress
      ? new TonConnectCheckout({
          redis,
          prefix,
          store,
          merchant: config.merchantAddress,
          testnet: config.tonNetwork === "testnet",
          manifestUrl: config.tonconnectManifestUrl,
          walletsListUrl: config.tonconnectWalletsListUrl,
          requestTtlMs: config.tonconnectRequestTtlSeconds * 1000,
          maxOpenLinks: config.tonconnectMaxOpenLinks,
          log: log.child({ module: "tonconnect" }),
        })
      : undefined;
  const reports = new ShopReports(store);
  const audit = new AuditLog(redis, prefix);
  const telegram =
    config.botToken && config.merchantAddress
      ? createBot(
          {
            token: config.botToken,
            apiRoot: config.telegramApiRoot,
            testEnv: config.telegramTestEnv,
          },
          {
            catalog,
            store,
            stock,
            redis,
            prefix,
            merchantAddress: config.merchantAddress,
            testnet: config.tonNetwork === "testnet",
            orderTtlMs: config.orderTtlMinutes * 60_000,
            payMethods: ["ton", "stars", ...(config.paymentProviderToken ? ["fiat" as const] : [])],
            telegramPayments,
            wallets,
            providerToken: config.paymentProviderToken,
            log: log.child({ module: "bot" }),
          },
          {
            adminIds: config.adminIds,
            adminChatId: config.adminChatId,
            redis,
            prefix,
            catalog,
            store,
            payments,
            unmatched,
            reports,
            audit,
            telegramPayments,
            toncenter,
            merchantAddress: config.merchantAddress,
            testnet: config.tonNetwork === "testnet",
            log: log.child({ module: "admin" }),
          },
        )
      : undefined;
  const adminNotifier = telegram
    ? new AdminNotifier({
        api: telegram.bot.api,
        redis,
        prefix,
        store,
        catalog,
        i18n: telegram.i18n,
        adminIds: config.adminIds,
        unmatched,
        testnet: config.tonNetwork === "testnet",
        log: log.child({ module: "admin-notifier" }),
      })
    : undefined;
  const notifier =
    telegram && config.merchantAddress
      ? new BuyerNotifier({
          api: telegram.bot.api,
          redis,
          prefix,
          store,
          catalog,
          ton: {
            merchant: config.merchantAddress,
            testnet: config.tonNetwork === "testnet",
            walletPay: wallets !== undefined,
          },
          i18n: telegram.i18n,
          log: log.child({ module: "notifier" }),
        })
      : undefined;

  if (telegram && wallets) {
    const notices = new WalletNotices({
      api: telegram.bot.api,
      i18n: telegram.i18n,
      redis,
      prefix,
      store,
      testnet: config.tonNetwork === "testnet",
      log: log.child({ module: "wallet-notices" }),
    });
    wallets.listen((event) => {
      notices
        .handle(event)
        .catch((error: unknown) =>
          log.error({ err: error, userId: event.userId }, "wallet notice not sent"),
        );
    });
  }

  const starsLedger = telegram
    ? new StarsLedger({
        api: telegram.bot.api,
        redis,
        prefix,
        store,
        unmatched,
        telegramPayments,
        log: log.child({ module: "stars-ledger" }),
      })
    : undefined;

  const merchantWebhook =
    config.merchantWebhookUrl && config.merchantWebhookSecret
      ? new MerchantWebhook({
          url: config.merchantWebhookUrl,
          secret: config.merchantWebhookSecret,
          redis,
          prefix,
          log: log.child({ module: "merchant-webhook" }),
        })
      : undefined;
  const chat = telegram && new TelegramDelivery(telegram.bot.api, catalog, stock, telegram.i18n);
  const fulfilment = new FulfilmentWorker({
    redis,
    store,
    prefix,
    consumer: `${hostname()}-${process.pid}`,
    concurrency: config.fulfilmentConcurrency,
    // The webhook first: it is only queued, and the merchant hears of the payment even when the
    // buyer's chat refuses the goods.
    deliverers: async (order, done) => [
      ...(merchantWebhook ? [merchantWebhook] : []),
      ...(chat ? await chat.steps(order, done) : []),
    ],
    // Telegram away is waited out, not counted against the job's attempts.
    outage: telegramUnreachable,
    log: log.child({ module: "fulfilment" }),
  });
  // What waits for Telegram goes out as soon as it answers again.
  telegram?.outage.onRecovered(() => {
    notifier?.retryNow();
    adminNotifier?.retryNow();
    void fulfilment.retryNow();
  });

  /** The last 24 hours' figures to every admin, at 09:00 UTC, once across processes. */
  async function sendDailyReport(admins: AdminNotifier): Promise<void> {
    const now = store.now();
    const figures = await reports.sales(now - 86_400_000, now);
    // Open: money that matches no order, underpaid orders still waiting, and held payments.
    const waiting = (await reports.exceptions(100)).filter(
      (order) => (order.status === "pending" && order.paid > 0n) || order.held,
    );
    const open = (await unmatched.count()) + waiting.length;
    const revenue =
      figures.revenue.map((line) => formatPrice(line.amount, line.currency)).join(" + ") || "—";
    await admins.broadcast(
      undefined,
      (locale) =>
        telegram?.i18n.t(locale, "notice-daily", {
          created: figures.created,
          paid: figures.paid,
          conversion: Math.round(figures.conversion * 100),
          revenue,
          exceptions: open,
        }) ?? "",
    );
  }

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
    reports,
    audit,
    wallets,
    bot: telegram?.bot,
    dailyReport: () => (adminNotifier ? sendDailyReport(adminNotifier) : Promise.resolve()),
    reconcileStars: async () =>
      starsLedger && reconcileStars(starsLedger, log.child({ module: "jobs" })),
    async start() {
      await fulfilment.start();
      merchantWebhook?.start();
      await notifier?.start();
      await adminNotifier?.start();
      watcher?.start(config.pollIntervalMs);
      // In the background: a wallet bridge that is down must not hold up the shop's start.
      wallets
        ?.resume()
        .catch((error: unknown) => log.warn({ err: error }, "open wallet links not resumed"));
      if (wallets && config.tonconnectManifestUrl) {
        const manifestUrl = config.tonconnectManifestUrl;
        // Said once at start, so a broken manifest is found before the first buyer finds it.
        void checkManifest(manifestUrl).then((manifest) => {
          if (!manifest.ok) {
            log.error(
              { manifestUrl, problem: manifest.problem },
              "TONCONNECT_MANIFEST_URL does not serve a usable manifest; wallets will refuse to connect",
            );
          }
        });
      }
      if (telegram) {
        // Telegram may be away as the shop starts: it waits, and the outage lines say so.
        await whenTelegramAnswers(() => telegram.bot.init());
        await whenTelegramAnswers(() =>
          setCommandMenu(telegram.bot.api, telegram.i18n, { wallet: wallets !== undefined }),
        );
        stopBot =
          config.botMode === "webhook" && config.webhookUrl
            ? await startWebhook(telegram.bot, {
                url: config.webhookUrl,
                secret: config.webhookSecret,
                port: config.port,
                redis,
                prefix,
                log,
              })
            : await whenTelegramAnswers(() =>
                startPolling(telegram.bot, log.child({ module: "polling" })),
              );
      }
      stopJobs = scheduleJobs({
        store,
        log: log.child({ module: "jobs" }),
        redis,
        prefix,
        watcher,
        starsLedger,
        dailyReport: adminNotifier && (() => sendDailyReport(adminNotifier)),
      });
    },
    async stop() {
      // Bounded at every step: with Redis unreachable, commands wait forever (maxRetriesPerRequest
      // null) and a disconnect does not fail them. Nothing is lost by not waiting: no payment
      // update is confirmed to Telegram before it is recorded, and a job not acknowledged returns.
      const deadline = Date.now() + STOP_WITHIN_MS;
      const step = (name: string, task: Promise<unknown> | undefined) =>
        settleBy(deadline, task).then((settled) => {
          if (!settled) log.warn({ step: name }, "stopping did not finish in time; left behind");
        });
      await step("bot", stopBot?.());
      await Promise.all([
        step("wallets", wallets?.close()),
        // The chain reconcile job drives the watcher, so it stops first.
        step("jobs", stopJobs?.()).then(() => step("watcher", watcher?.stop())),
        step("fulfilment", fulfilment.stop()),
        step("merchant webhook", merchantWebhook?.stop()),
        step("notifier", notifier?.stop()),
        step("admin notifier", adminNotifier?.stop()),
      ]);
      await step("decoder", decoder.close());
      redis.disconnect();
    },
  };
}
