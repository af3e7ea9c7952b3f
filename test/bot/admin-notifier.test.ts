import { startTelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { Api } from "grammy";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AdminNotifier } from "../../src/bot/admin-notifier.js";
import { createI18n } from "../../src/bot/i18n.js";
import { redisKeys } from "../../src/redis/keys.js";
import { exampleCatalog } from "../support/catalog.js";
import { capturedLog } from "../support/log.js";
import { pendingEntries } from "../support/partitions.js";
import { testRedis } from "../support/redis.js";
import { shop, tonOrder } from "../support/shop.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Two admins who have opened the bot, and a notifier that tries an event three times, 20 ms
 * apart. A plain client: a refused call fails the event at once, as after the client's retries.
 */
async function adminsWatching() {
  const emulator = await startTelegramEmulator();
  cleanups.push(() => emulator.close());
  const { redis, prefix } = testRedis();
  cleanups.push(() => redis.quit());
  const { store, payments, unmatched } = shop(redis, prefix);
  const admins = [emulator.user(), emulator.user()];
  const { log, records } = capturedLog();
  const notifier = new AdminNotifier({
    api: new Api(emulator.token, { apiRoot: emulator.apiRoot }),
    redis,
    prefix,
    store,
    catalog: exampleCatalog,
    i18n: createI18n(),
    adminIds: admins.map((admin) => admin.id),
    unmatched,
    testnet: true,
    log,
    blockMs: 50,
    maxAttempts: 3,
    retryDelayMs: () => 20,
  });
  await notifier.start();
  cleanups.push(() => notifier.stop());

  async function paidOrder() {
    const order = await store.create(tonOrder());
    await payments.recordPayment(order.id, {
      key: `ton:${order.id}`,
      method: "ton",
      currency: "TON",
      amount: order.amount,
      receivedAt: Date.now(),
    });
    return order;
  }

  /** Events the admins' group has read and not yet finished with. */
  async function unfinished(): Promise<number> {
    const [count] = [await pendingEntries(redis, redisKeys(prefix).events, "admins")];
    return Number(count);
  }

  const notices = (admin: (typeof admins)[number], orderId: string) =>
    admin.fromBot().filter((m) => m.text?.startsWith(`💰 Order ${orderId} paid`));

  return { emulator, admins, records, paidOrder, unfinished, notices };
}

describe("AdminNotifier", () => {
  it("tells each admin once when Telegram answers 500 the first time", async () => {
    const { emulator, admins, paidOrder, unfinished, notices } = await adminsWatching();
    emulator.faults.serverError = { methods: ["sendMessage"], times: 1 };

    const order = await paidOrder();

    await vi.waitFor(async () => {
      for (const admin of admins) expect(notices(admin, order.id)).toHaveLength(1);
      expect(await unfinished()).toBe(0);
    });
    expect(emulator.stats.serverErrors).toBe(1);
  });

  it("retries a notice Telegram keeps refusing, then gives it up with an error line", async () => {
    const { emulator, admins, records, paidOrder, unfinished, notices } = await adminsWatching();
    // Telegram answers, and refuses: a flood wait far longer than a notice should wait for.
    emulator.faults.rateLimit = {
      methods: ["sendMessage"],
      times: Number.POSITIVE_INFINITY,
      retryAfterSeconds: 3600,
    };

    const order = await paidOrder();

    await vi.waitFor(() =>
      expect(records().some((r) => r.msg === "event given up after its last try")).toBe(true),
    );
    expect(await unfinished()).toBe(0);
    // Three tries, each to both admins: no endless loop.
    expect(emulator.stats.rateLimited).toBe(6);
    const givenUp = records().filter((r) => r.msg === "event given up after its last try");
    expect(givenUp).toEqual([
      expect.objectContaining({
        level: 50,
        group: "admins",
        orderId: order.id,
        type: "order.paid",
        attempt: 3,
      }),
    ]);
    expect(records().filter((r) => r.msg === "event not handled; will retry")).toHaveLength(2);

    // Telegram accepts again: the next event is told, the one given up is not sent late.
    emulator.faults.rateLimit = undefined;
    const next = await paidOrder();
    await vi.waitFor(() => {
      for (const admin of admins) expect(notices(admin, next.id)).toHaveLength(1);
    });
    for (const admin of admins) expect(notices(admin, order.id)).toEqual([]);
  });
});
