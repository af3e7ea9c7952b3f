import { startTelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { Api } from "grammy";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createI18n } from "../../src/bot/i18n.js";
import { Sessions } from "../../src/bot/sessions.js";
import { AdminNotifier } from "../../src/notices/admins.js";
import { SentNotices } from "../../src/notices/sent.js";
import type { NewOrder } from "../../src/orders/store.js";
import { redisKeys } from "../../src/redis/keys.js";
import { exampleCatalog } from "../support/catalog.js";
import { capturedLog } from "../support/log.js";
import { pendingEntries } from "../support/partitions.js";
import { testRedis } from "../support/redis.js";
import { shop, TON, tonOrder } from "../support/shop.js";

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
    sessions: new Sessions(redis, prefix),
    sent: new SentNotices(redis, prefix),
    unmatched,
    testnet: true,
    log,
    blockMs: 50,
    maxAttempts: 3,
    retryDelayMs: () => 20,
  });
  await notifier.start();
  cleanups.push(() => notifier.stop());

  /** A TON order paid in full, or with `received` when given. */
  async function paidOrder(overrides: Partial<NewOrder> = {}, received?: bigint) {
    const order = await store.create(tonOrder(overrides));
    await payments.recordPayment(order.id, {
      key: `ton:${order.id}`,
      method: "ton",
      currency: "TON",
      amount: received ?? order.amount,
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

describe("the admins' paid notice", () => {
  /** The one paid notice the first admin got for an order, as Telegram shows it. */
  async function noticeOf(
    watching: Awaited<ReturnType<typeof adminsWatching>>,
    overrides: Partial<NewOrder>,
    received?: bigint,
  ): Promise<string> {
    const order = await watching.paidOrder(overrides, received);
    const [admin] = watching.admins;
    if (!admin) throw new Error("no admin");
    await vi.waitFor(() => expect(watching.notices(admin, order.id)).toHaveLength(1));
    return watching.notices(admin, order.id)[0]?.text ?? "";
  }

  it("names the buyer by name and @username, their name taken as text rather than markup", async () => {
    const watching = await adminsWatching();
    const text = await noticeOf(watching, {
      buyer: { name: "Ann <b>Lee</b> & Co", username: "ann_lee" },
    });
    expect(text).toMatch(
      /^💰 Order ord_\w+ paid: 2 GRAM for TON mug × 1 · Ann <b>Lee<\/b> & Co @ann_lee$/,
    );
  });

  it("names a buyer without a username by name alone, and one it never knew by user id, with no thousands separators", async () => {
    const watching = await adminsWatching();
    expect(await noticeOf(watching, { buyer: { name: "Борис" } })).toMatch(/ · Борис$/);
    expect(await noticeOf(watching, { userId: 1234567890 })).toMatch(/ · user 1234567890$/);
  });

  it("says what an overpaid order received and how much beyond its price", async () => {
    const watching = await adminsWatching();
    const text = await noticeOf(watching, { buyer: { name: "Ann" } }, 2n * TON + TON / 4n);
    expect(text.split("\n")).toEqual([
      expect.stringMatching(/^💰 Order ord_\w+ paid: 2 GRAM for TON mug × 1 · Ann$/),
      "💸 Overpaid: 2.25 GRAM received, 0.25 GRAM more than the price.",
    ]);
  });
});
