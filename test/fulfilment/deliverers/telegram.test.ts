import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { htmlToPlainText, startTelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { Api } from "grammy";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { createI18n } from "../../../src/bot/i18n.js";
import { parseCatalog } from "../../../src/catalog/catalog.js";
import { stockMessages, TelegramDelivery } from "../../../src/fulfilment/deliverers/telegram.js";
import { StockPool } from "../../../src/fulfilment/stock.js";
import type { Order } from "../../../src/orders/order.js";
import { redisKeys } from "../../../src/redis/keys.js";
import { streamEntries } from "../../support/partitions.js";
import { testRedis } from "../../support/redis.js";
import { shop } from "../../support/shop.js";
import { closeConnections, hookedWorkers } from "../helpers.js";

const i18n = createI18n();
const t = (key: string, variables?: Record<string, string | number>) =>
  i18n.t("en", key, variables);

/** The order of a fresh world, its worker A killed at `step` and worker B finishing it. */
async function killedAt(when: "before" | "after", step: string) {
  const world = await chatWorld();
  const order = await world.paid("codes");
  await world.killedAt(order.id, when, step);
  return { world, order };
}

describe("stockMessages", () => {
  it("sends one key as before, and several in one message, one per line", () => {
    expect(stockMessages(["K-1"], t)).toEqual(["Your key: <code>K-1</code>"]);
    expect(stockMessages(["K-1", "K-2", "K<3>"], t)).toEqual([
      "Your keys (3):\n<code>K-1</code>\n<code>K-2</code>\n<code>K&lt;3&gt;</code>",
    ]);
  });

  it("splits a thousand long keys over messages Telegram accepts, each key once and in order", () => {
    const keys = Array.from(
      { length: 1000 },
      (_, i) => `${String(i).padStart(4, "0")}-${"X".repeat(60)}`,
    );
    const messages = stockMessages(keys, t);
    expect(messages.length).toBeGreaterThan(1);
    for (const message of messages)
      expect(htmlToPlainText(message).length).toBeLessThanOrEqual(4096);
    const lines = messages.flatMap((m) => htmlToPlainText(m).split("\n").slice(1));
    expect(lines).toEqual(keys);
    expect(htmlToPlainText(messages[0] ?? "")).toMatch(/^Your keys, 1–\d+ of 1,000:/);
    expect(htmlToPlainText(messages.at(-1) ?? "")).toMatch(/^Your keys, \d+–1,000 of 1,000:/);
  });
});

/*
 * The buyer's chat as a job of steps — stock keys taken, goods (one step per message), receipt —
 * run by the real worker against the Bot API emulator, with faults injected right before and
 * right after each step. A plain grammY client, so Telegram's refusal reaches the step as it
 * would after the client's own retries.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(closeConnections);

/** 50 keys of 100 characters need two messages; the pool holds 60. */
const KEY_COUNT = 50;
const keyPool = Array.from(
  { length: 60 },
  (_, i) => `KEY-${String(i).padStart(2, "0")}-${"X".repeat(93)}`,
);

async function chatWorld() {
  const emulator = await startTelegramEmulator();
  cleanups.push(() => emulator.close());
  const { redis, prefix } = testRedis();
  cleanups.push(() => redis.quit());
  const { store, payments } = shop(redis, prefix);
  const stock = new StockPool(redis, { prefix });
  await stock.add("codes", keyPool);
  const dir = await mkdtemp(join(tmpdir(), "shop-"));
  const pdf = join(dir, "guide.pdf");
  await writeFile(pdf, "%PDF-1.4\n% the guide\n");
  const catalog = parseCatalog(
    {
      products: [
        {
          id: "guide",
          kind: "digital",
          title: "Guide",
          description: "The guide.",
          prices: { stars: "50" },
          delivery: { type: "text", text: "Your link: https://example.com/d/guide" },
        },
        {
          id: "guide-pdf",
          kind: "digital",
          title: "Guide (PDF)",
          description: "The guide as a file.",
          prices: { stars: "50" },
          delivery: { type: "file", path: pdf },
        },
        {
          id: "vpn",
          kind: "subscription",
          title: "VPN",
          description: "A VPN key every month.",
          prices: { stars: "10" },
          delivery: { type: "stock", pool: "codes" },
        },
        {
          id: "codes",
          kind: "digital",
          title: "Codes",
          description: "Activation codes.",
          prices: { stars: "10" },
          maxQuantity: 100,
          delivery: { type: "stock", pool: "codes" },
        },
      ],
    },
    { fiatCurrency: "USD" },
  );
  const api = new Api(emulator.token, { apiRoot: emulator.apiRoot });
  const chat = new TelegramDelivery(api, catalog, stock, createI18n());
  const buyer = emulator.user();

  async function paid(productId: string): Promise<Order> {
    const quantity = productId === "codes" ? KEY_COUNT : 1;
    const created = await store.create({
      userId: buyer.id,
      chatId: buyer.id,
      productId,
      quantity,
      method: "stars",
      currency: "XTR",
      amount: 10n * BigInt(quantity),
      lang: "en",
      ttlMs: 30 * 60_000,
    });
    const { order } = await payments.recordPayment(created.id, {
      key: `stars:${created.id}`,
      method: "stars",
      currency: "XTR",
      amount: created.amount,
      receivedAt: Date.now(),
    });
    return order;
  }

  const { worker, finish, killedAt } = hookedWorkers({
    redis,
    store,
    prefix,
    steps: (order, done) => chat.steps(order, done),
  });

  /** What the buyer received, by step: each key message, the file and the receipt named. */
  function received(): string[] {
    return buyer.fromBot().map((m) => {
      if (m.document) return "goods";
      const text = m.text ?? "";
      if (text.startsWith("Receipt")) return "receipt";
      if (text.startsWith("Your link") || text.startsWith("Your keys, 1–")) return "goods";
      return text.startsWith("Your keys, ") ? "goods:2" : `unexpected: ${text}`;
    });
  }

  /** Every stock key the buyer was sent, in order, counting repeats. */
  function keysSent(): string[] {
    return buyer.fromBot().flatMap((m) => m.text?.match(/KEY-\d\d-X+/g) ?? []);
  }

  /** A subscription's period `period` paid by its own charge, as Telegram's updates bring it. */
  async function paidPeriod(orderId: string | undefined, period: number): Promise<Order> {
    const id =
      orderId ??
      (
        await store.create({
          userId: buyer.id,
          chatId: buyer.id,
          productId: "vpn",
          quantity: 1,
          method: "stars",
          currency: "XTR",
          amount: 10n,
          lang: "en",
          ttlMs: 30 * 60_000,
        })
      ).id;
    const { order } = await payments.recordPayment(id, {
      key: `stars:${id}:${period}`,
      method: "stars",
      currency: "XTR",
      amount: 10n,
      receivedAt: Date.now(),
      reference: { telegramChargeId: `${id}:${period}` },
      period: { until: Date.now() + period * 30 * 86_400_000 },
    });
    return order;
  }

  return {
    emulator,
    redis,
    prefix,
    store,
    stock,
    buyer,
    paid,
    paidPeriod,
    worker,
    finish,
    killedAt,
    received,
    keysSent,
  };
}

type World = Awaited<ReturnType<typeof chatWorld>>;

const STEPS: Record<string, string[]> = {
  guide: ["goods", "receipt"],
  "guide-pdf": ["goods", "receipt"],
  codes: ["goods", "goods:2", "receipt"],
};

const METHOD: Record<string, string> = {
  guide: "sendMessage",
  "guide-pdf": "sendDocument",
  codes: "sendMessage",
};

/** Each message exactly once, the order fulfilled, and a stock order holding its keys only. */
async function deliveredOnce(world: World, productId: string, orderId: string) {
  expect(world.received()).toEqual(STEPS[productId]);
  expect((await world.store.get(orderId))?.status).toBe("fulfilled");
  if (productId === "codes") {
    const issued = await world.stock.issuedTo("codes", orderId);
    expect(issued).toHaveLength(KEY_COUNT);
    expect(world.keysSent()).toEqual(issued);
    expect(await world.stock.available("codes")).toBe(keyPool.length - KEY_COUNT);
  }
}

const messageSteps = Object.entries(STEPS).flatMap(([productId, steps]) =>
  steps.map((step) => ({ productId, step })),
);

describe("TelegramDelivery run by the worker", () => {
  it.each(
    messageSteps.flatMap((c) => [
      { ...c, fault: "500" as const },
      { ...c, fault: "429" as const },
    ]),
  )(
    "sends each $productId message once when Telegram answers $fault right before $step",
    async ({ productId, step, fault }) => {
      const world = await chatWorld();
      const order = await world.paid(productId);
      const methods = [step === "receipt" ? "sendMessage" : (METHOD[productId] ?? "")];
      const { worker } = world.worker("worker-a", {
        before: {
          [step]: async () => {
            if (fault === "500") world.emulator.faults.serverError = { methods, times: 1 };
            else world.emulator.faults.rateLimit = { methods, times: 1, retryAfterSeconds: 1 };
          },
        },
      });

      expect(await worker.processOnce()).toBe(1);
      const stepsBefore = STEPS[productId]?.slice(0, STEPS[productId]?.indexOf(step)) ?? [];
      expect(world.received()).toEqual(stepsBefore);
      expect((await world.store.get(order.id))?.status).toBe("paid");

      await world.finish(worker, order.id);
      await deliveredOnce(world, productId, order.id);
      expect(world.emulator.stats.serverErrors + world.emulator.stats.rateLimited).toBe(1);
    },
  );

  it.each(["stock", ...(STEPS.codes ?? [])])(
    "sends each message once when the worker is killed right before %s",
    async (step) => {
      const { world, order } = await killedAt("before", step);

      await deliveredOnce(world, "codes", order.id);
    },
  );

  it.each(["stock", ...(STEPS.codes ?? [])])(
    "repeats only %s when the worker is killed after it took effect, before recording it",
    async (step) => {
      const { world, order } = await killedAt("after", step);

      const steps = STEPS.codes ?? [];
      const expected = step === "stock" ? steps : steps.flatMap((s) => (s === step ? [s, s] : [s]));
      expect(world.received()).toEqual(expected);
      // Repeated keys are the same keys: the pool gave out no more.
      const issued = await world.stock.issuedTo("codes", order.id);
      expect(new Set(world.keysSent())).toEqual(new Set(issued));
      expect(await world.stock.available("codes")).toBe(keyPool.length - KEY_COUNT);
      expect((await world.store.get(order.id))?.status).toBe("fulfilled");
    },
  );

  it.each(STEPS.codes ?? [])(
    "repeats only %s when its answer is lost on the way back",
    async (step) => {
      const world = await chatWorld();
      const order = await world.paid("codes");
      const { worker } = world.worker("worker-a", {
        before: {
          [step]: async () => {
            world.emulator.faults.lostAnswer = { methods: ["sendMessage"], times: 1 };
          },
        },
      });

      await world.finish(worker, order.id);

      const expected = (STEPS.codes ?? []).flatMap((s) => (s === step ? [s, s] : [s]));
      expect(world.received()).toEqual(expected);
      expect(world.emulator.stats.lostAnswers).toBe(1);
    },
  );

  it.each(["stock", ...(STEPS.codes ?? [])])(
    "finishes the step in hand when stopped during %s, and another worker does the rest",
    async (step) => {
      const world = await chatWorld();
      const order = await world.paid("codes");
      const a = world.worker("worker-a", {
        before: {
          [step]: async () => {
            stopped = a.worker.stop();
          },
        },
      });
      let stopped: Promise<void> | undefined;
      await a.worker.start();
      await vi.waitFor(() => expect(stopped).toBeDefined());
      await stopped;

      const steps = ["stock", ...(STEPS.codes ?? [])];
      const upTo = steps.slice(1, steps.indexOf(step) + 1);
      expect(world.received()).toEqual(upTo);
      expect((await world.store.get(order.id))?.status).toBe("paid");

      const b = world.worker("worker-b");
      await world.finish(b.worker, order.id);
      await deliveredOnce(world, "codes", order.id);
    },
  );

  it("delivers a subscription's every period anew: a key of its own and a receipt naming the period", async () => {
    const world = await chatWorld();
    const first = await world.paidPeriod(undefined, 1);
    const a = world.worker("worker-a", { after: { "receipt@2": async () => a.kill() } }, true);
    expect(await a.worker.processOnce()).toBe(1);
    expect((await world.store.require(first.id)).status).toBe("fulfilled");

    const renewed = await world.paidPeriod(first.id, 2);
    expect(renewed.status).toBe("paid");
    // Killed after the renewal's receipt went out, before it was recorded.
    await a.worker.processOnce().catch(() => undefined);
    const b = world.worker("worker-b");
    await world.finish(b.worker, first.id);

    const record = await world.redis.hkeys(redisKeys(world.prefix).delivery(first.id));
    expect(record.sort()).toEqual(
      ["goods", "goods@2", "receipt", "receipt@2", "stock", "stock@2"].sort(),
    );
    const [one, two] = [
      await world.stock.issuedTo("codes", first.id),
      await world.stock.issuedTo("codes", `${first.id}@2`),
    ];
    expect(one).toHaveLength(1);
    expect(two).toHaveLength(1);
    expect(two).not.toEqual(one);
    expect(world.keysSent()).toEqual([...one, ...two]);
    const receipts = world.buyer.fromBot().filter((m) => m.text?.startsWith("Receipt"));
    expect(receipts.map((m) => m.text?.split("\n")[1])).toEqual([
      expect.stringMatching(/^VPN, period 1, until /),
      expect.stringMatching(/^VPN, period 2, until /),
      // The kill came after the send: that one message is the only thing sent twice.
      expect.stringMatching(/^VPN, period 2, until /),
    ]);
  });

  it("sends nothing again for a job an older release recorded as one telegram step", async () => {
    const world = await chatWorld();
    const order = await world.paid("guide");
    await world.redis.hset(redisKeys(world.prefix).delivery(order.id), "telegram", "1");
    const { worker } = world.worker("worker-a");

    expect(await worker.processOnce()).toBe(1);

    expect(world.received()).toEqual([]);
    expect((await world.store.get(order.id))?.status).toBe("fulfilled");
  });

  it("gives up on a buyer who blocked the bot, sending nothing more", async () => {
    const world = await chatWorld();
    const order = await world.paid("guide");
    const { worker } = world.worker("worker-a", {
      before: { receipt: async () => world.emulator.state.setBlocked(world.buyer.id, true) },
    });

    expect(await worker.processOnce()).toBe(1);

    expect(world.received()).toEqual(["goods"]);
    const dead = await streamEntries(world.redis, redisKeys(world.prefix).fulfilmentDead);
    expect(dead).toHaveLength(1);
    expect(dead[0]?.[1]).toEqual(expect.arrayContaining(["deliverer", "receipt"]));
    expect((await world.store.get(order.id))?.status).toBe("paid");
  });
});
