import { setTimeout as delay } from "node:timers/promises";
import { freePort } from "@ton-payment-bot/emulators/redis";
import type { EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import type { Update } from "grammy/types";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import type { Order } from "../../src/orders/order.js";
import { OrderStore } from "../../src/orders/store.js";
import { Sandbox, type SandboxOptions } from "../../src/sandbox/world.js";
import { capturedLog } from "../support/log.js";
import { testRedis } from "../support/redis.js";
import { type RedisProxy, startRedisProxy } from "../support/redis-proxy.js";
import { invoiceFor } from "../support/sandbox.js";
import { type ShopProcess, startShopProcess } from "../support/shop-process.js";

/*
 * A buyer pays in Stars and Redis goes away between the pre-checkout answer and the
 * successful_payment update. Telegram has taken the money; the shop must not let Telegram drop
 * the update before the payment is recorded — through SIGTERM, SIGKILL, a handler that fails,
 * and in webhook mode — and must deliver exactly once when Redis is back.
 */

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const GOODS = "Your download link";
const RECEIPT = "Paid: 150 ⭐";
const STOPPED_WITH_PAYMENT_HELD =
  "payment updates not recorded yet stay with Telegram for the next start";

const isSuccessfulPayment = (update: Update) => update.message?.successful_payment !== undefined;

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(25);
  }
}

/** The test run's Redis behind a proxy the test can cut, the emulators, and a direct look at orders. */
async function outageWorld(options: Omit<SandboxOptions, "redisUrl" | "redisPrefix"> = {}) {
  const { redis, prefix, url } = testRedis();
  cleanups.push(() => redis.quit());
  const proxy = await startRedisProxy(url);
  cleanups.push(async () => proxy.close());
  const sandbox = await Sandbox.start({ redisUrl: proxy.url, redisPrefix: prefix, ...options });
  // Redis is back before the shop is stopped and its keys deleted.
  cleanups.push(async () => {
    await proxy.restore();
    await sandbox.stop();
  });
  return { sandbox, proxy, store: new OrderStore(redis, { prefix }) };
}
type OutageWorld = Awaited<ReturnType<typeof outageWorld>>;

/** `npm start` against the world's emulators, through the proxy; waits until it is running. */
async function startShop(world: OutageWorld): Promise<ShopProcess> {
  const shop = startShopProcess(world.sandbox.env());
  cleanups.push(async () => {
    shop.kill("SIGKILL");
    await shop.exited;
  });
  await shop.waitForLog("payment engine running");
  return shop;
}

/** The successful_payment updates Telegram still holds for the bot, i.e. would deliver again. */
function heldByTelegram(sandbox: Sandbox): Update[] {
  return sandbox.telegram.state.queue.peek(100).filter(isSuccessfulPayment);
}

/**
 * The buyer pays the Stars invoice of the guide. The moment Telegram queues the
 * successful_payment — after the bot answered pre-checkout — Redis becomes unreachable. Resolves
 * once the shop has taken the update and polled on past it.
 */
async function payWhileRedisGoesDown(sandbox: Sandbox, proxy: RedisProxy) {
  const buyer = sandbox.user();
  const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
  const { queue } = sandbox.telegram.state;
  const { stats } = sandbox.telegram;
  let pollsAtPayment = Number.POSITIVE_INFINITY;
  const stopWatching = queue.onPush(() => {
    if (!queue.peek(100).some(isSuccessfulPayment)) return;
    proxy.cut();
    pollsAtPayment = stats.byMethod.getUpdates ?? 0;
    stopWatching();
  });
  cleanups.push(async () => stopWatching());
  const paid = await buyer.payInvoice(invoice);
  expect(paid.ok).toBe(true);
  // Two polls after the payment was queued: the shop has taken it and asked for more since.
  await waitUntil(
    () => (stats.byMethod.getUpdates ?? 0) >= pollsAtPayment + 2,
    "the shop to poll past the payment",
  );
  return { buyer, orderId };
}

async function orderReaches(store: OrderStore, orderId: string, status: Order["status"]) {
  let order: Order | undefined;
  await waitUntil(async () => {
    order = await store.get(orderId);
    return order?.status === status;
  }, `order ${orderId} to be ${status} (it is ${order?.status})`);
  return order as Order;
}

function received(buyer: EmulatedUser, fragment: string) {
  return buyer.fromBot().filter((m) => m.text?.includes(fragment));
}

/** Waits for the goods and the receipt, then checks the order was paid and delivered once. */
async function expectDeliveredOnce(
  store: OrderStore,
  sandbox: Sandbox,
  buyer: EmulatedUser,
  orderId: string,
) {
  await buyer.waitForText(GOODS);
  await buyer.waitForText(RECEIPT);
  const order = await orderReaches(store, orderId, "fulfilled");
  await waitUntil(() => heldByTelegram(sandbox).length === 0, "Telegram to drop the payment");
  expect(order.payments).toHaveLength(1);
  expect(order.paid).toBe(150n);
  expect(sandbox.telegram.state.starBalance).toBe(150);
}

/** Redis comes back and a new shop process starts: the held payment is delivered once. */
async function restartDeliversOnce(world: OutageWorld, buyer: EmulatedUser, orderId: string) {
  await world.proxy.restore();
  const second = await startShop(world);
  await expectDeliveredOnce(world.store, world.sandbox, buyer, orderId);
  second.kill("SIGTERM");
  expect((await second.exited).code).toBe(0);
  expect(received(buyer, GOODS)).toHaveLength(1);
  expect(received(buyer, RECEIPT)).toHaveLength(1);
}

describe("a Stars payment while Redis is down", () => {
  it("survives SIGTERM: the process exits, Telegram keeps the update, and the next start delivers once", async () => {
    const world = await outageWorld({ openShop: false });
    const { sandbox, proxy, store } = world;
    const first = await startShop(world);
    const { buyer, orderId } = await payWhileRedisGoesDown(sandbox, proxy);
    expect(heldByTelegram(sandbox)).toHaveLength(1);

    first.kill("SIGTERM");
    const exit = await first.exited;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(first.logs.map((record) => record.msg)).toContain(STOPPED_WITH_PAYMENT_HELD);
    expect(heldByTelegram(sandbox)).toHaveLength(1);
    expect((await store.require(orderId)).status).toBe("pending");
    expect(sandbox.telegram.state.starBalance).toBe(150);

    await restartDeliversOnce(world, buyer, orderId);
  });

  it("survives SIGKILL: Telegram keeps the update, and the next start delivers once", async () => {
    const world = await outageWorld({ openShop: false });
    const { sandbox, proxy, store } = world;
    const first = await startShop(world);
    const { buyer, orderId } = await payWhileRedisGoesDown(sandbox, proxy);

    first.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    expect(heldByTelegram(sandbox)).toHaveLength(1);
    expect((await store.require(orderId)).status).toBe("pending");

    await restartDeliversOnce(world, buyer, orderId);
  });

  it("is recorded once Redis is back, without a restart, and is logged while it waits", async () => {
    const captured = capturedLog();
    const { sandbox, proxy, store } = await outageWorld({ log: captured.log });
    const { buyer, orderId } = await payWhileRedisGoesDown(sandbox, proxy);
    expect(heldByTelegram(sandbox)).toHaveLength(1);
    const waiting = () =>
      captured.records().find((r) => r.msg.startsWith("payment update still being recorded"));
    await waitUntil(() => waiting() !== undefined, "a log line about the waiting payment");
    expect(waiting()).toMatchObject({ level: 40, orderId, chargeId: expect.any(String) });

    await proxy.restore();

    await expectDeliveredOnce(store, sandbox, buyer, orderId);
    await sandbox.app.stop();
    expect(received(buyer, GOODS)).toHaveLength(1);
    expect(received(buyer, RECEIPT)).toHaveLength(1);
  });

  it("is answered 500 in webhook mode until Redis is back, then delivered once", async () => {
    const port = await freePort();
    const webhookUrl = `http://127.0.0.1:${port}/telegram/hook`;
    const { sandbox, proxy, store } = await outageWorld({
      config: { botMode: "webhook", webhookUrl, webhookSecret: "outage_hook", port },
    });
    const buyer = sandbox.user();
    const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    const { queue } = sandbox.telegram.state;
    const stopWatching = queue.onPush(() => {
      if (!queue.peek(100).some(isSuccessfulPayment)) return;
      proxy.cut();
      stopWatching();
    });
    expect((await buyer.payInvoice(invoice)).ok).toBe(true);

    // The handler waits on Redis; the request is answered 500 after its time limit, not never.
    await waitUntil(
      () => sandbox.telegram.state.webhook?.lastErrorMessage !== undefined,
      "the webhook request to fail",
    );
    expect(sandbox.telegram.state.webhook?.lastErrorMessage).toBe(
      "Wrong response from the webhook: 500 Internal Server Error",
    );
    expect(heldByTelegram(sandbox)).toHaveLength(1);

    await proxy.restore();

    await expectDeliveredOnce(store, sandbox, buyer, orderId);
    await sandbox.app.stop();
    expect(received(buyer, GOODS)).toHaveLength(1);
    expect(received(buyer, RECEIPT)).toHaveLength(1);
  });
});

describe("a Stars payment whose recording fails", () => {
  it("is handled again without a restart, and ends paid and delivered once", async () => {
    const captured = capturedLog();
    // A Redis of its own, so it can be made full without touching other tests.
    const sandbox = await Sandbox.start({ log: captured.log });
    cleanups.push(() => sandbox.stop());
    const admin = new Redis(sandbox.config.redisUrl);
    cleanups.push(() => admin.quit());
    const store = new OrderStore(admin, { prefix: sandbox.config.redisPrefix });
    const buyer = sandbox.user();
    const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");

    // Redis is full: reads work, so pre-checkout passes, but recording the payment fails.
    await admin.config("SET", "maxmemory", "1");
    expect((await buyer.payInvoice(invoice)).ok).toBe(true);
    const failed = () =>
      captured.records().find((r) => r.msg === "a successful payment could not be recorded yet");
    await waitUntil(() => failed() !== undefined, "the recording to fail");
    expect(heldByTelegram(sandbox)).toHaveLength(1);
    await admin.config("SET", "maxmemory", "0");

    await expectDeliveredOnce(store, sandbox, buyer, orderId);
    await sandbox.app.stop();
    expect(received(buyer, GOODS)).toHaveLength(1);
    expect(received(buyer, RECEIPT)).toHaveLength(1);
    // The buyer is not told something went wrong about a payment that is still being recorded.
    expect(received(buyer, "Something went wrong")).toHaveLength(0);
    expect(failed()).toMatchObject({ orderId, currency: "XTR", total: 150 });
    const retry = captured.records().find((r) => r.msg.startsWith("payment update not recorded"));
    expect(retry).toMatchObject({ level: 40, failures: 1 });
  });
});
