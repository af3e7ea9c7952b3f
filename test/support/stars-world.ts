import {
  type ChatMessage,
  type EmulatedUser,
  startTelegramEmulator,
  type TelegramEmulatorOptions,
} from "@ton-payment-bot/emulators/telegram";
import { Api, Bot } from "grammy";
import { afterAll, beforeEach } from "vitest";
import { StockPool } from "../../src/fulfilment/stock.js";
import { type Logger, silentLogger } from "../../src/log.js";
import type { Order } from "../../src/orders/order.js";
import type { NewOrder } from "../../src/orders/store.js";
import type { PaymentsCore } from "../../src/payments/record.js";
import { invoiceFor } from "../../src/payments/telegram/invoice.js";
import { StarsLedger, type StarsLedgerOptions } from "../../src/payments/telegram/ledger.js";
import { TelegramPayments } from "../../src/payments/telegram/service.js";
import { Subscriptions } from "../../src/payments/telegram/subscriptions.js";
import type { RedisClient } from "../../src/redis/client.js";
import { redisKeys } from "../../src/redis/keys.js";
import { exampleCatalog, exampleProduct } from "./catalog.js";
import { streamEntries } from "./partitions.js";
import { testRedis } from "./redis.js";
import { shop } from "./shop.js";

/** What the bot does with a successful_payment or refunded_payment update it fetches. */
export type UpdateFate = "handled" | "lost";

/**
 * A shop selling for Stars through the Bot API emulator, without fulfilment: orders, invoices,
 * and a polling bot that answers pre-checkout through TelegramPayments and either records each
 * payment update or fetches and confirms it unread — the update is lost, as when a process dies
 * between the two. `ledger()` reads Telegram's record of what really happened.
 */
export async function starsWorld(
  redis: RedisClient,
  prefix: string,
  options: { telegram?: TelegramEmulatorOptions; log?: Logger } = {},
) {
  const emulator = await startTelegramEmulator(options.telegram);
  // A plain client, without auto-retry: a failed call fails at once.
  const api = new Api(emulator.token, { apiRoot: emulator.apiRoot });
  const parts = shop(redis, prefix);
  const log = options.log ?? silentLogger;
  const keys = redisKeys(prefix);

  function telegramPayments(payments: PaymentsCore = parts.payments) {
    return new TelegramPayments({
      redis,
      prefix,
      providerToken: undefined,
      store: parts.store,
      payments,
      unmatched: parts.unmatched,
      catalog: exampleCatalog,
      stock: new StockPool(redis, { prefix }),
      subscriptions: new Subscriptions(redis, prefix, parts.store),
      log,
    });
  }
  const service = telegramPayments();

  let fate: UpdateFate = "handled";
  const bot = new Bot(emulator.token, {
    botInfo: emulator.bot,
    client: { apiRoot: emulator.apiRoot },
  });
  bot.on("pre_checkout_query", async (ctx) => {
    const verdict = await service.preCheckout(ctx.preCheckoutQuery);
    await ctx.answerPreCheckoutQuery(
      verdict.ok,
      verdict.ok ? {} : { error_message: verdict.reason },
    );
  });
  bot.on("message:successful_payment", async (ctx) => {
    if (fate === "handled")
      await service.successfulPayment(ctx.from, ctx.message.successful_payment);
  });
  bot.on("message:refunded_payment", async (ctx) => {
    if (fate === "handled") await service.refunded(ctx.message.refunded_payment);
  });
  await new Promise<void>((resolve, reject) => {
    bot.start({ onStart: () => resolve() }).catch(reject);
  });

  /** Waits until the bot has fetched, handled or not, and confirmed every update. */
  async function settled() {
    const deadline = Date.now() + 5_000;
    while (emulator.state.queue.size > 0) {
      if (Date.now() > deadline) throw new Error("the bot did not take its updates");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** A Stars order for `buyer` and the invoice the shop sends for it. */
  async function order(buyer: EmulatedUser, overrides: Partial<NewOrder> = {}) {
    const product = exampleProduct("ton-guide");
    const created = await parts.store.create({
      userId: buyer.id,
      chatId: buyer.id,
      productId: product.id,
      quantity: 1,
      method: "stars",
      currency: "XTR",
      amount: 150n,
      lang: "en",
      ttlMs: 30 * 60_000,
      ...overrides,
    });
    return { order: created, invoice: await sendInvoice(buyer, created) };
  }

  async function sendInvoice(buyer: EmulatedUser, to: Order, payload = to.id) {
    const product = exampleProduct(to.productId);
    const invoice = invoiceFor(to, product, {
      catalog: exampleCatalog,
      providerToken: undefined,
      locale: "en",
    });
    const sent = await api.sendInvoice(
      buyer.id,
      invoice.title,
      invoice.description,
      payload,
      invoice.currency,
      invoice.prices,
    );
    const message = emulator.state.findMessage(buyer.id, sent.message_id);
    if (!message) throw new Error("the invoice is not in the chat");
    return message;
  }

  /** The buyer pays; the bot handles or loses the successful_payment update. */
  async function pay(buyer: EmulatedUser, invoice: ChatMessage, update: UpdateFate) {
    fate = update;
    const paid = await buyer.payInvoice(invoice);
    await settled();
    if (!paid.ok || !paid.chargeId || !paid.message) throw new Error(`not paid: ${paid.reason}`);
    return { chargeId: paid.chargeId, message: paid.message };
  }

  /** Telegram gives the money back; the bot handles or loses the refunded_payment update. */
  async function refund(buyer: EmulatedUser, chargeId: string, update: UpdateFate) {
    fate = update;
    await api.refundStarPayment(buyer.id, chargeId);
    await settled();
  }

  /** What the bot does with the payment updates that come from now on. */
  function updates(update: UpdateFate) {
    fate = update;
  }

  /** Delivers a payment message once more, this time handled. */
  async function redeliver(buyer: EmulatedUser, message: ChatMessage) {
    fate = "handled";
    buyer.redeliver(message);
    await settled();
  }

  function ledger(overrides: Partial<StarsLedgerOptions> = {}) {
    return new StarsLedger({
      api,
      redis,
      prefix,
      store: parts.store,
      unmatched: parts.unmatched,
      telegramPayments: service,
      log,
      ...overrides,
    });
  }

  /** Events on the stream, as [type, detail], for one order. */
  async function eventsOf(orderId: string) {
    const entries = await streamEntries(redis, keys.events);
    return entries
      .filter(([, fields]) => fields[1] === orderId)
      .map(
        ([, fields]) =>
          JSON.parse(fields[3] ?? "{}") as { type: string; detail?: Record<string, unknown> },
      )
      .filter((event) => event.type !== "order.created");
  }

  /** Fulfilment jobs queued for one order. */
  async function jobsOf(orderId: string) {
    const entries = await streamEntries(redis, keys.fulfilment);
    return entries.filter(([, fields]) => fields[1] === orderId).length;
  }

  return {
    emulator,
    api,
    redis,
    prefix,
    ...parts,
    keys,
    telegramPayments,
    service,
    buyer: () => emulator.user(),
    order,
    sendInvoice,
    pay,
    refund,
    updates,
    redeliver,
    ledger,
    eventsOf,
    jobsOf,
    async close() {
      if (bot.isRunning()) await bot.stop();
      await emulator.close();
    },
  };
}

export type StarsWorld = Awaited<ReturnType<typeof starsWorld>>;

/** A fresh StarsWorld, under a prefix of its own, for every test of the calling file. */
export function starsWorldPerTest(
  use: (world: StarsWorld) => void,
  options: Parameters<typeof starsWorld>[2] = {},
): void {
  const { redis, prefix } = testRedis();
  let run = 0;
  beforeEach(async () => {
    run++;
    const world = await starsWorld(redis, `${prefix}${run}:`, options);
    use(world);
    return () => world.close();
  });
  afterAll(() => redis.quit());
}
