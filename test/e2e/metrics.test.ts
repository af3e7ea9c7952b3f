import { freePort } from "@ton-payment-bot/emulators/redis";
import { afterEach, describe, expect, it } from "vitest";
import { Sandbox } from "../../src/sandbox/world.js";
import { capturedLog } from "../support/log.js";
import { testRedis } from "../support/redis.js";
import { startRedisProxy } from "../support/redis-proxy.js";
import { checkoutTon, invoiceFor, orderReaches, startShop } from "../support/sandbox.js";
import { get, sample } from "../support/scrape.js";

/*
 * A shop with METRICS_PORT set sells in Gram and in Stars; Prometheus's scrape shows what
 * happened, and /readyz turns 503 with the reason when Redis goes away or the watcher stops.
 */

const HALF_TON = 500_000_000n;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe("metrics and health", () => {
  it("counts a Gram and a Stars sale, and /readyz names Redis away and a stopped watcher", async () => {
    const { redis, prefix, url } = testRedis();
    cleanups.push(() => redis.quit());
    const proxy = await startRedisProxy(url);
    cleanups.push(async () => proxy.close());
    const captured = capturedLog();
    const sandbox = await Sandbox.start({
      redisUrl: proxy.url,
      redisPrefix: prefix,
      config: { metricsPort: 0 },
      log: captured.log,
    });
    cleanups.push(async () => {
      await proxy.restore();
      await sandbox.stop();
    });
    const port = sandbox.app.metricsPort();
    expect(port).toBeGreaterThan(0);
    const at = port ?? 0;

    // Live at once; ready once the watcher has polled.
    expect((await get(at, "/healthz")).status).toBe(200);
    await expect.poll(async () => (await get(at, "/readyz")).status).toBe(200);

    const buyer = sandbox.user();
    const ton = await checkoutTon(buyer, "TON Developer");
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(HALF_TON, ton.comment);
    await orderReaches(sandbox, ton.orderId, "fulfilled");
    // Money with a comment no order has is kept for the admin.
    await wallet.pay(HALF_TON, "no-such-order");
    await expect.poll(() => sandbox.app.unmatched.count()).toBe(1);
    const stars = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    expect((await buyer.payInvoice(stars.invoice)).ok).toBe(true);
    await orderReaches(sandbox, stars.orderId, "fulfilled");

    // One grep follows each payment: the chain's or Telegram's id, and the order's.
    const paidTon = await sandbox.app.store.require(ton.orderId);
    const paidStars = await sandbox.app.store.require(stars.orderId);
    const line = (msg: string) => captured.records().find((r) => r.msg === msg);
    await expect
      .poll(() => line("payment applied"))
      .toMatchObject({
        orderId: ton.orderId,
        txHash: paidTon.payments[0]?.reference?.hash,
        lt: paidTon.payments[0]?.reference?.lt,
      });
    await expect
      .poll(() => line("telegram payment recorded"))
      .toMatchObject({
        orderId: stars.orderId,
        chargeId: paidStars.payments[0]?.key.replace(/^stars:/, ""),
      });
    await expect
      .poll(() =>
        captured
          .records()
          .filter((r) => r.msg === "fulfilment job done")
          .map((r) => r.orderId)
          .sort(),
      )
      .toEqual([ton.orderId, stars.orderId].sort());

    const scraped = await get(at, "/metrics");
    expect(scraped.status).toBe(200);
    const text = scraped.body;
    expect(sample(text, 'tpb_payments_recorded_total{method="ton",outcome="paid"}')).toBe(1);
    expect(sample(text, 'tpb_payments_recorded_total{method="stars",outcome="paid"}')).toBe(1);
    expect(sample(text, 'tpb_order_transitions_total{from="pending",to="paid"}')).toBe(2);
    expect(sample(text, 'tpb_order_transitions_total{from="paid",to="fulfilled"}')).toBe(2);
    expect(sample(text, 'tpb_payments_unmatched_total{reason="unknown-comment"}')).toBe(1);
    expect(sample(text, "tpb_fulfilment_job_attempts_total")).toBeGreaterThanOrEqual(2);
    expect(sample(text, "tpb_pre_checkout_answer_seconds_count")).toBe(1);
    expect(sample(text, "tpb_update_handling_seconds_count")).toBeGreaterThan(0);
    expect(sample(text, 'tpb_watcher_polls_total{wallet="merchant"}')).toBeGreaterThan(0);
    expect(sample(text, 'tpb_toncenter_requests_total{status="200"}')).toBeGreaterThan(0);
    expect(sample(text, "tpb_fulfilment_queue_depth")).toBe(0);
    expect(sample(text, "tpb_fulfilment_dead_jobs")).toBe(0);
    expect(sample(text, 'tpb_watcher_lag_seconds{wallet="merchant"}')).toBeGreaterThanOrEqual(0);
    // A shop selling only for TON follows no jetton wallet.
    expect(text).not.toContain('wallet="jetton-wallet"');
    expect(text).toContain("tpb_process_resident_memory_bytes");
    // No ids as labels, and no secret anywhere.
    for (const id of [ton.orderId, stars.orderId, ton.comment, String(buyer.id)]) {
      expect(text).not.toContain(`"${id}"`);
    }
    for (const secret of [sandbox.config.botToken, sandbox.config.paymentProviderToken]) {
      expect(text).not.toContain(secret ?? "-");
    }

    proxy.cut();
    await expect
      .poll(async () => get(at, "/readyz"), { timeout: 10_000 })
      .toMatchObject({ status: 503, body: expect.stringContaining("redis: no answer to PING") });
    expect((await get(at, "/healthz")).status).toBe(200);
    await proxy.restore();
    await expect.poll(async () => (await get(at, "/readyz")).status, { timeout: 10_000 }).toBe(200);

    await sandbox.app.watcher.stop();
    await expect
      .poll(async () => get(at, "/readyz"), { timeout: 10_000 })
      .toMatchObject({ status: 503, body: expect.stringMatching(/^watcher: last poll \d+ s ago/) });
  });

  it("shares the webhook's port when METRICS_PORT is PORT, and the webhook keeps its secret", async () => {
    const port = await freePort();
    const hook = `http://127.0.0.1:${port}/telegram/hook`;
    const captured = capturedLog();
    const sandbox = await startShop({
      log: captured.log,
      config: {
        botMode: "webhook",
        webhookUrl: hook,
        webhookSecret: "shop_webhook-secret_42_abcdef",
        port,
        metricsPort: port,
      },
    });
    cleanups.push(() => sandbox.stop());
    expect(sandbox.app.metricsPort()).toBe(port);
    // METRICS_HOST cannot keep them on loopback there, and the merchant is told so.
    expect(
      captured
        .records()
        .filter((r) => r.level === 40 && r.msg.startsWith("metrics and health share")),
    ).toHaveLength(1);

    const buyer = sandbox.user({ firstName: "Ann" });
    buyer.send("/start");
    await buyer.waitForText("Welcome to the shop, Ann!");
    await expect.poll(async () => (await get(port, "/readyz")).status).toBe(200);
    const scraped = await get(port, "/metrics");
    expect(scraped.status).toBe(200);
    expect(sample(scraped.body, "tpb_update_handling_seconds_count")).toBeGreaterThan(0);
    expect(scraped.body).not.toContain("shop_webhook-secret_42_abcdef");

    const forged = await fetch(hook, { method: "POST", body: JSON.stringify({ update_id: 1 }) });
    expect(forged.status).toBe(401);
    expect((await get(port, "/telegram/hook")).status).toBe(404);
  });

  it("answers health on the shared port while Telegram is away, and takes updates once it answers", async () => {
    const port = await freePort();
    const hook = `http://127.0.0.1:${port}/telegram/hook`;
    const secret = "shop_webhook-secret_42_abcdef";
    const sandbox = await startShop({
      log: capturedLog().log,
      openShop: false,
      telegram: { faults: { outage: "unreachable" } },
      config: {
        botMode: "webhook",
        webhookUrl: hook,
        webhookSecret: secret,
        port,
        metricsPort: port,
      },
    });
    cleanups.push(() => sandbox.stop());
    const opening = sandbox.restart();
    // Should an assertion fail first, the shop is let open, so that stopping it stops it.
    cleanups.push(async () => {
      sandbox.telegram.faults.outage = undefined;
      await opening.catch(() => undefined);
    });

    const reached = (path: string) => get(port, path).catch(() => ({ status: 0, body: "" }));
    await expect.poll(async () => (await reached("/healthz")).status).toBe(200);
    expect(await get(port, "/readyz")).toMatchObject({
      status: 503,
      body: expect.stringContaining("bot: starting, not taking updates yet"),
    });
    // An update Telegram delivers meanwhile is asked for again, not taken by a bot not yet set up.
    const early = await fetch(hook, {
      method: "POST",
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": secret },
      body: JSON.stringify({ update_id: 7 }),
    });
    expect(early.status).toBe(503);

    sandbox.telegram.faults.outage = undefined;
    await opening;
    await expect
      .poll(async () => (await get(port, "/readyz")).status, { timeout: 10_000 })
      .toBe(200);
    const buyer = sandbox.user({ firstName: "Ann" });
    buyer.send("/start");
    await buyer.waitForText("Welcome to the shop, Ann!");
  });
});
