import { afterEach, describe, expect, it, vi } from "vitest";
import { OrderStore } from "../../src/orders/store.js";
import { Sandbox } from "../../src/sandbox/world.js";
import { testRedis } from "../support/redis.js";
import { startRedisProxy } from "../support/redis-proxy.js";
import { invoiceFor } from "../support/sandbox.js";
import { startShopProcess } from "../support/shop-process.js";

/*
 * Redis goes away under a running shop (`npm start`, a process of its own) and comes back. The
 * shop stays up, says so in one line each way, answers buyers "busy" meanwhile without a word
 * from ioredis on stderr, and serves them again once Redis is back — without a restart.
 */

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const PRODUCT = "TON Developer's Guide";
const BUSY_EN = "The shop is busy for a moment. Please try again in a minute.";
const BUSY_RU = "Магазин ненадолго занят. Попробуйте ещё раз через минуту.";
const WENT_AWAY = "Redis unreachable";
const CAME_BACK = "Redis reachable again";

describe("a Redis outage", () => {
  it("is said once each way, buyers hear 'busy' meanwhile, and the shop serves them again after", async () => {
    const { redis, prefix, url } = testRedis();
    cleanups.push(() => redis.quit());
    const store = new OrderStore(redis, { prefix });
    const proxy = await startRedisProxy(url);
    cleanups.push(async () => proxy.close());
    const sandbox = await Sandbox.start({
      redisUrl: proxy.url,
      redisPrefix: prefix,
      openShop: false,
    });
    cleanups.push(async () => {
      await proxy.restore();
      await sandbox.stop();
    });
    const shop = startShopProcess(sandbox.env());
    cleanups.push(async () => {
      shop.kill("SIGKILL");
      await shop.exited;
    });
    await shop.waitForLog("payment engine running");

    const buyer = sandbox.user();
    const russian = sandbox.user({ languageCode: "ru" });
    const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    buyer.send("/shop");
    const list = await buyer.waitForButton(PRODUCT);

    proxy.cut();
    await shop.waitForLog(WENT_AWAY);

    let since = buyer.lastMessageId();
    buyer.send("/shop");
    await buyer.waitForText(BUSY_EN, { after: since });
    // A button, and the pay button of an invoice opened before: told the same, charged nothing.
    expect(await buyer.press(PRODUCT, list)).toEqual({ text: BUSY_EN });
    const paying = await buyer.payInvoice(invoice);
    expect(paying).toMatchObject({ ok: false, errorMessage: BUSY_EN });
    expect(sandbox.telegram.state.starBalance).toBe(0);
    russian.send("/start");
    await russian.waitForText(BUSY_RU);

    await proxy.restore();
    await shop.waitForLog(CAME_BACK);

    since = buyer.lastMessageId();
    buyer.send("/shop");
    await buyer.waitForButton(PRODUCT, { after: since });
    // The order opened before the outage is still there to pay.
    expect((await buyer.payInvoice(invoice)).ok).toBe(true);
    await buyer.waitForText("Your download link");
    await buyer.waitForText("Receipt");
    await vi.waitFor(async () => expect((await store.require(orderId)).status).toBe("fulfilled"));

    const lines = (fragment: string) => shop.logs.filter((r) => r.msg.includes(fragment));
    expect(lines(WENT_AWAY)).toEqual([
      expect.objectContaining({ level: 40, service: "redis", reason: expect.any(String) }),
    ]);
    expect(lines(CAME_BACK)).toEqual([
      expect.objectContaining({ level: 30, service: "redis", downForMs: expect.any(Number) }),
    ]);
    expect(shop.stderr()).not.toContain("Unhandled error event");
    expect(shop.stderr()).toBe("");
    expect(shop.logs.filter((r) => r.level >= 50)).toEqual([]);

    shop.kill("SIGTERM");
    expect(await shop.exited).toEqual({ code: 0, signal: null });
  });
});
