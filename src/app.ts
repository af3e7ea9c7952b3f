import { hostname } from "node:os";
import { Redis } from "ioredis";
import { type Catalog, loadCatalog } from "./catalog/catalog.js";
import type { Config } from "./config.js";
import type { Deliverer } from "./fulfilment/deliverer.js";
import { MerchantWebhookDeliverer } from "./fulfilment/webhook.js";
import { FulfilmentWorker } from "./fulfilment/worker.js";
import { scheduleJobs } from "./jobs/schedule.js";
import type { Logger } from "./log.js";
import { OrderStore } from "./orders/store.js";
import { PaymentsCore } from "./payments/core.js";
import { ToncenterClient } from "./payments/ton/client.js";
import { threadDecoder } from "./payments/ton/decoder.js";
import { PaymentWatcher } from "./payments/ton/watcher.js";
import { UnmatchedPayments } from "./payments/unmatched.js";

/** Every long-lived service of one process, built from a Config. */
export interface App {
  config: Config;
  redis: Redis;
  catalog: Catalog;
  store: OrderStore;
  payments: PaymentsCore;
  unmatched: UnmatchedPayments;
  toncenter: ToncenterClient;
  watcher: PaymentWatcher | undefined;
  fulfilment: FulfilmentWorker;
  /** Starts polling, delivering and the schedules. */
  start(): Promise<void>;
  /** Finishes the work in hand, then closes connections. */
  stop(): Promise<void>;
}

/**
 * The composition root: the one place that knows how the pieces fit. `npm start` builds it from
 * the environment; the offline sandbox builds it against its emulators.
 */
export async function createApp(config: Config, log: Logger): Promise<App> {
  const catalog = await loadCatalog(config.catalogPath, { fiatCurrency: config.fiatCurrency });
  const redis = new Redis(config.redisUrl, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: null,
    lazyConnect: true,
  });
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

  const merchantWebhook =
    config.merchantWebhookUrl && config.merchantWebhookSecret
      ? new MerchantWebhookDeliverer({
          url: config.merchantWebhookUrl,
          secret: config.merchantWebhookSecret,
          redis,
          prefix,
          log: log.child({ module: "merchant-webhook" }),
        })
      : undefined;
  const deliverers: Deliverer[] = merchantWebhook ? [merchantWebhook] : [];
  const fulfilment = new FulfilmentWorker({
    redis,
    store,
    prefix,
    consumer: `${hostname()}-${process.pid}`,
    deliverers: () => deliverers,
    log: log.child({ module: "fulfilment" }),
  });

  let stopJobs: (() => Promise<void>) | undefined;
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
    async start() {
      await fulfilment.start();
      watcher?.start(config.pollIntervalMs);
      stopJobs = scheduleJobs({ store, log: log.child({ module: "jobs" }) });
    },
    async stop() {
      await stopJobs?.();
      await watcher?.stop();
      await fulfilment.stop();
      await decoder.close();
      redis.disconnect();
    },
  };
}
