import { describe, expect, it } from "vitest";
import { ShopMetrics } from "../../src/http/metrics.js";
import { listenOps, opsRoutes } from "../../src/http/server.js";
import { silentLogger } from "../../src/log.js";
import { get, sample } from "../support/scrape.js";

describe("the shop's metrics", () => {
  it("counts payments by method and outcome, unmatched money by reason and order transitions", async () => {
    const metrics = new ShopMetrics({ defaultMetrics: false });
    metrics.paymentRecorded("ton", "paid");
    metrics.paymentRecorded("ton", "paid");
    metrics.paymentRecorded("stars", "duplicate");
    metrics.paymentUnmatched("no_comment");
    metrics.orderStatusChanged("pending", "paid");
    metrics.orderStatusChanged("paid", "fulfilled");
    const { body } = await metrics.text();
    expect(sample(body, 'tpb_payments_recorded_total{method="ton",outcome="paid"}')).toBe(2);
    expect(sample(body, 'tpb_payments_recorded_total{method="stars",outcome="duplicate"}')).toBe(1);
    expect(sample(body, 'tpb_payments_unmatched_total{reason="no_comment"}')).toBe(1);
    expect(sample(body, 'tpb_order_transitions_total{from="pending",to="paid"}')).toBe(1);
    expect(sample(body, 'tpb_order_transitions_total{from="paid",to="fulfilled"}')).toBe(1);
    expect(body).toContain("# TYPE tpb_payments_recorded_total counter");
  });

  it("counts polls, failed polls, toncenter requests, Bot API errors and fulfilment jobs", async () => {
    const metrics = new ShopMetrics({ defaultMetrics: false });
    metrics.watcherPolled(false, "merchant");
    metrics.watcherPolled(true, "merchant");
    metrics.watcherPolled(false, "jetton-wallet");
    metrics.toncenterRequest("200");
    metrics.toncenterRequest("429");
    metrics.telegramError("sendMessage", "403");
    metrics.jobAttempted();
    metrics.jobAttempted();
    metrics.jobDead();
    const { body } = await metrics.text();
    expect(sample(body, 'tpb_watcher_polls_total{wallet="merchant"}')).toBe(2);
    expect(sample(body, 'tpb_watcher_poll_errors_total{wallet="merchant"}')).toBe(1);
    expect(sample(body, 'tpb_watcher_polls_total{wallet="jetton-wallet"}')).toBe(1);
    expect(sample(body, 'tpb_watcher_poll_errors_total{wallet="jetton-wallet"}')).toBeUndefined();
    // The merchant wallet's series are there, at 0, before its watcher first polls.
    const fresh = (await new ShopMetrics({ defaultMetrics: false }).text()).body;
    expect(sample(fresh, 'tpb_watcher_polls_total{wallet="merchant"}')).toBe(0);
    expect(sample(fresh, 'tpb_watcher_poll_errors_total{wallet="merchant"}')).toBe(0);
    expect(sample(body, 'tpb_toncenter_requests_total{status="200"}')).toBe(1);
    expect(sample(body, 'tpb_toncenter_requests_total{status="429"}')).toBe(1);
    expect(sample(body, 'tpb_telegram_api_errors_total{method="sendMessage",code="403"}')).toBe(1);
    expect(sample(body, "tpb_fulfilment_job_attempts_total")).toBe(2);
    expect(sample(body, "tpb_fulfilment_jobs_dead_total")).toBe(1);
  });

  it("times pre-checkout answers and updates in seconds", async () => {
    const metrics = new ShopMetrics({ defaultMetrics: false });
    metrics.preCheckoutAnswered(0.03);
    metrics.updateHandled(0.2);
    metrics.updateHandled(3);
    const { body } = await metrics.text();
    expect(body).toContain("# TYPE tpb_pre_checkout_answer_seconds histogram");
    expect(sample(body, "tpb_pre_checkout_answer_seconds_count")).toBe(1);
    expect(sample(body, 'tpb_pre_checkout_answer_seconds_bucket{le="0.05"}')).toBe(1);
    expect(sample(body, 'tpb_pre_checkout_answer_seconds_bucket{le="0.025"}')).toBe(0);
    expect(sample(body, "tpb_update_handling_seconds_count")).toBe(2);
    expect(sample(body, "tpb_update_handling_seconds_sum")).toBeCloseTo(3.2);
    expect(sample(body, 'tpb_update_handling_seconds_bucket{le="2.5"}')).toBe(1);
  });

  it("reads queue depth, dead jobs and the watcher's lag when scraped", async () => {
    const now = 1_800_000_000_000;
    let depth = 3;
    const metrics = new ShopMetrics({
      defaultMetrics: false,
      clock: () => now,
      scrape: async () => ({ queueDepth: depth, deadJobs: 1, lastTxAt: now - 42_000 }),
    });
    let { body } = await metrics.text();
    expect(sample(body, "tpb_fulfilment_queue_depth")).toBe(3);
    expect(sample(body, "tpb_fulfilment_dead_jobs")).toBe(1);
    expect(sample(body, 'tpb_watcher_lag_seconds{wallet="merchant"}')).toBe(42);
    // A shop selling only for TON follows no jetton wallet.
    expect(body).not.toContain('wallet="jetton-wallet"');
    depth = 0;
    ({ body } = await metrics.text());
    expect(sample(body, "tpb_fulfilment_queue_depth")).toBe(0);
  });

  it("reads our jetton wallet's lag beside the merchant's, NaN while it is not known or not read", async () => {
    const now = 1_800_000_000_000;
    let usdt: { lastTxAt?: number } | string = "asking";
    let answers = true;
    const metrics = new ShopMetrics({
      defaultMetrics: false,
      clock: () => now,
      scrape: () =>
        answers
          ? Promise.resolve({ queueDepth: 0, deadJobs: 0, lastTxAt: now - 5000, usdt })
          : new Promise(() => undefined),
    });
    const lag = async () =>
      sample((await metrics.text()).body, 'tpb_watcher_lag_seconds{wallet="jetton-wallet"}');
    expect(await lag()).toBeNaN();
    usdt = { lastTxAt: now - 7000 };
    expect(await lag()).toBe(7);
    answers = false;
    expect(await lag()).toBeNaN();
  });

  it("shows the gauges read from Redis as NaN, not a stale figure, when Redis does not answer", async () => {
    const metrics = new ShopMetrics({
      defaultMetrics: false,
      scrape: () => new Promise(() => undefined),
    });
    metrics.paymentRecorded("ton", "paid");
    const { body } = await metrics.text();
    expect(sample(body, 'tpb_payments_recorded_total{method="ton",outcome="paid"}')).toBe(1);
    expect(sample(body, "tpb_fulfilment_queue_depth")).toBeNaN();
    expect(sample(body, 'tpb_watcher_lag_seconds{wallet="merchant"}')).toBeNaN();
  });

  it("keeps two shops' series apart in one process, and adds Node's own with the tpb_ prefix", async () => {
    const one = new ShopMetrics();
    const two = new ShopMetrics();
    one.paymentRecorded("ton", "paid");
    const [a, b] = await Promise.all([one.text(), two.text()]);
    expect(sample(a.body, 'tpb_payments_recorded_total{method="ton",outcome="paid"}')).toBe(1);
    expect(
      sample(b.body, 'tpb_payments_recorded_total{method="ton",outcome="paid"}'),
    ).toBeUndefined();
    expect(a.body).toContain("tpb_process_cpu_seconds_total");
    expect(a.body).toContain("tpb_nodejs_heap_size_used_bytes");
  });

  it("says in one line which METRICS_PORT could not be opened", async () => {
    const routes = opsRoutes({
      metrics: async () => ({ contentType: "text/plain", body: "" }),
      readiness: async () => [],
      log: silentLogger,
    });
    const first = await listenOps(routes, { port: 0, host: "127.0.0.1" }, silentLogger);
    try {
      await expect(
        listenOps(routes, { port: first.port, host: "127.0.0.1" }, silentLogger),
      ).rejects.toThrow(`METRICS_PORT ${first.port} on 127.0.0.1 could not be opened (EADDRINUSE)`);
    } finally {
      await first.close();
    }
  });

  it("serves /metrics, /healthz and /readyz over HTTP, and 404 for the rest", async () => {
    const metrics = new ShopMetrics({ defaultMetrics: false });
    metrics.paymentRecorded("stars", "paid");
    let failures: string[] = [];
    const ops = await listenOps(
      opsRoutes({
        metrics: () => metrics.text(),
        readiness: async () => failures,
        log: silentLogger,
      }),
      { port: 0, host: "127.0.0.1" },
      silentLogger,
    );
    try {
      const scraped = await get(ops.port, "/metrics");
      expect(scraped.status).toBe(200);
      expect(scraped.type).toContain("text/plain; version=0.0.4");
      expect(
        sample(scraped.body, 'tpb_payments_recorded_total{method="stars",outcome="paid"}'),
      ).toBe(1);
      expect(await get(ops.port, "/healthz")).toMatchObject({ status: 200 });
      expect(await get(ops.port, "/readyz")).toMatchObject({ status: 200, body: "ok\n" });
      failures = ["redis: no answer to PING", "watcher: no poll recorded yet"];
      expect(await get(ops.port, "/readyz")).toMatchObject({
        status: 503,
        body: "redis: no answer to PING\nwatcher: no poll recorded yet\n",
      });
      expect(await get(ops.port, "/admin")).toMatchObject({ status: 404 });
    } finally {
      await ops.close();
    }
  });
});
