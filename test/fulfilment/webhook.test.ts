import { once } from "node:events";
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import {
  MerchantWebhook,
  type MerchantWebhookOptions,
  signWebhook,
  verifyWebhookSignature,
  type WebhookEvent,
  webhookEvent,
} from "../../src/fulfilment/webhook.js";
import { FulfilmentWorker } from "../../src/fulfilment/worker.js";
import { allPartitions, partitionOf } from "../../src/redis/keys.js";
import { streamEntries } from "../support/partitions.js";
import { pendingTonOrder } from "../support/shop.js";
import { closeConnections, connect, Outbox, shop } from "./helpers.js";

const servers: Server[] = [];
const schedules: MerchantWebhook[] = [];

afterEach(async () => {
  await Promise.all(schedules.splice(0).map((schedule) => schedule.stop()));
});

afterAll(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
  await closeConnections();
});

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  answered: number;
}

/** A merchant endpoint answering with `statuses` in turn (the last one repeats). */
async function receiver(statuses: number[]) {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const answered = statuses[Math.min(requests.length, statuses.length - 1)] ?? 200;
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString(), answered });
      res.statusCode = answered;
      res.end();
    });
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/tpb`, requests };
}

/** A merchant endpoint that accepts requests and never answers; `open` counts those held. */
async function silentReceiver() {
  const held = new Set<ServerResponse>();
  const server = createServer((_req, res) => {
    held.add(res);
    res.on("close", () => held.delete(res));
  });
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, open: () => held.size };
}

const secret = "whsec_test_0123456789";

function setup(url: string, options: Partial<MerchantWebhookOptions> = {}) {
  const s = shop();
  const webhook = new MerchantWebhook({
    url,
    secret,
    redis: s.redis,
    prefix: s.prefix,
    baseDelayMs: 1,
    pollMs: 20,
    ...options,
  });
  schedules.push(webhook);
  const outbox = new Outbox(s.redis, `${s.prefix}outbox`);
  const worker = new FulfilmentWorker({
    redis: s.redis,
    store: s.store,
    prefix: s.prefix,
    consumer: "worker-a",
    deliverers: () => [webhook, outbox.deliverer("goods")],
  });
  async function deliveryLog() {
    const entries = await s.redis.xrange(s.keys.webhookLog, "-", "+");
    return entries.map(([, fields]) => Object.fromEntries(pairs(fields)));
  }
  async function eventState(orderId: string) {
    return s.redis.hgetall(s.keys.webhookEvent(partitionOf(orderId), `${orderId}:order.paid`));
  }
  async function failureEvents() {
    const events = await streamEntries(s.redis, s.keys.events);
    return events
      .map(([, fields]) => Object.fromEntries(pairs(fields)))
      .filter((e) => e.event?.includes("order.delivery_failed"));
  }
  /** Events still due (queued or waiting for a retry), over every partition. */
  async function webhooksDue(): Promise<{ id: string; dueAt: number }[]> {
    const due = await Promise.all(
      allPartitions.map((p) => s.redis.zrange(s.keys.webhookDue(p), 0, -1, "WITHSCORES")),
    );
    return due.flatMap((flat) =>
      flat.flatMap((id, i) => (i % 2 === 0 ? [{ id, dueAt: Number(flat[i + 1]) }] : [])),
    );
  }
  return { ...s, webhook, outbox, worker, deliveryLog, eventState, failureEvents, webhooksDue };
}

function pairs(fields: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) out.push([fields[i] ?? "", fields[i + 1] ?? ""]);
  return out;
}

describe("MerchantWebhook", () => {
  it("tells each paid period of a subscription as an event of its own", () => {
    const order = pendingTonOrder({ id: "ord_sub", status: "paid" });
    const subscription = { chargeId: "c1", paidUntil: 0, renewal: "on" as const };
    expect(webhookEvent({ ...order, subscription: { ...subscription, periods: 1 } }).id).toBe(
      "ord_sub:order.paid",
    );
    expect(webhookEvent({ ...order, subscription: { ...subscription, periods: 3 } }).id).toBe(
      "ord_sub:order.paid@3",
    );
    expect(webhookEvent(order).id).toBe("ord_sub:order.paid");
  });

  it("is queued as a step, then retried on its own schedule, each attempt logged, and verifiable", async () => {
    const merchant = await receiver([500, 500, 200]);
    const s = setup(merchant.url);
    const order = await s.paidOrder();

    // The job is done without waiting for the merchant.
    expect(await s.worker.processOnce()).toBe(1);
    expect(await s.status(order.id)).toBe("fulfilled");
    expect(await s.outbox.sent()).toEqual([`goods:${order.id}`]);
    expect(merchant.requests).toHaveLength(0);

    s.webhook.start();
    await vi.waitFor(async () => expect((await s.eventState(order.id)).state).toBe("delivered"));

    expect(merchant.requests.map((r) => r.answered)).toEqual([500, 500, 200]);
    const eventIds = new Set(merchant.requests.map((r) => r.headers["x-tpb-event-id"]));
    expect(eventIds).toEqual(new Set([`${order.id}:order.paid`]));
    expect(await s.webhooksDue()).toEqual([]);

    const log = await s.deliveryLog();
    expect(log.map((e) => [e.attempt, e.status, e.eventId, e.orderId])).toEqual([
      ["1", "500", `${order.id}:order.paid`, order.id],
      ["2", "500", `${order.id}:order.paid`, order.id],
      ["3", "200", `${order.id}:order.paid`, order.id],
    ]);

    const accepted = merchant.requests[2];
    if (!accepted) throw new Error("no accepted request");
    expect(accepted.headers["content-type"]).toBe("application/json");
    const event = JSON.parse(accepted.body) as WebhookEvent;
    expect(event).toMatchObject({
      id: `${order.id}:order.paid`,
      type: "order.paid",
      order: {
        id: order.id,
        productId: "ebook",
        amount: "1500000000",
        paid: "1500000000",
        currency: "TON",
        method: "ton",
        status: "paid",
        userId: 42,
        comment: order.comment,
        payments: [{ key: `ton:${order.id}`, amount: "1500000000", currency: "TON" }],
      },
    });
    // Every attempt carried the same body.
    expect(new Set(merchant.requests.map((r) => r.body)).size).toBe(1);

    expect(verifyWebhookSignature(secret, accepted.headers, accepted.body)).toBe(true);
    const tampered = accepted.body.replace('"1500000000"', '"1"');
    expect(tampered).not.toBe(accepted.body);
    expect(verifyWebhookSignature(secret, accepted.headers, tampered)).toBe(false);
    expect(verifyWebhookSignature("another-secret", accepted.headers, accepted.body)).toBe(false);

    // A correctly signed request replayed long after it was sent is refused.
    const sentAt = Number(accepted.headers["x-tpb-timestamp"]) * 1000;
    expect(verifyWebhookSignature(secret, accepted.headers, accepted.body, 300, sentAt)).toBe(true);
    expect(
      verifyWebhookSignature(secret, accepted.headers, accepted.body, 300, sentAt + 301_000),
    ).toBe(false);
    const old = Math.floor(Date.now() / 1000) - 3600;
    const replayed = {
      "x-tpb-timestamp": String(old),
      "x-tpb-signature": signWebhook(secret, old, accepted.body),
    };
    expect(verifyWebhookSignature(secret, replayed, accepted.body)).toBe(false);
  });

  it("sends an event once when its step is repeated, before or after it was delivered", async () => {
    const merchant = await receiver([200]);
    const s = setup(merchant.url);
    const order = await s.paidOrder();

    // A crash after queueing, before the step was recorded: the retry queues it again.
    await s.webhook.deliver(order);
    await s.webhook.deliver(order);
    expect(await s.webhook.sendDue()).toBe(1);
    expect(await s.webhook.sendDue()).toBe(0);
    await s.webhook.deliver(order);
    expect(await s.webhook.sendDue()).toBe(0);

    expect(merchant.requests).toHaveLength(1);
    expect((await s.deliveryLog()).map((e) => e.status)).toEqual(["200"]);
  });

  it("gives up at once on a 400, with the goods delivered, and tells the admins", async () => {
    const merchant = await receiver([400]);
    const s = setup(merchant.url);
    const order = await s.paidOrder();

    expect(await s.worker.processOnce()).toBe(1);
    expect(await s.webhook.sendDue()).toBe(1);

    expect(merchant.requests).toHaveLength(1);
    expect(await s.status(order.id)).toBe("fulfilled");
    expect(await s.outbox.sent()).toEqual([`goods:${order.id}`]);
    expect((await s.deliveryLog()).map((e) => e.status)).toEqual(["400"]);
    expect(await s.eventState(order.id)).toMatchObject({ state: "failed", attempts: "1" });
    expect(await s.failureEvents()).toEqual([
      expect.objectContaining({
        orderId: order.id,
        event: JSON.stringify({
          type: "order.delivery_failed",
          detail: {
            deliverer: "merchant-webhook",
            error: "merchant webhook answered 400; not retried",
          },
        }),
      }),
    ]);
    expect(await s.webhooksDue()).toEqual([]);
  });

  it("retries an endpoint that keeps failing as often as allowed, logs each try, then stops", async () => {
    const merchant = await silentReceiver();
    const s = setup(merchant.url, { attempts: 3, timeoutMs: 50 });
    const order = await s.paidOrder();
    expect(await s.worker.processOnce()).toBe(1);

    s.webhook.start();
    await vi.waitFor(async () => expect((await s.eventState(order.id)).state).toBe("failed"));
    await s.webhook.stop();

    expect((await s.deliveryLog()).map((e) => [e.attempt, e.error])).toEqual([
      ["1", "timed out after 50 ms"],
      ["2", "timed out after 50 ms"],
      ["3", "timed out after 50 ms"],
    ]);
    expect(await s.failureEvents()).toHaveLength(1);
    expect(await s.webhooksDue()).toEqual([]);
    expect(await s.status(order.id)).toBe("fulfilled");
  });

  it("never holds up other orders' goods while the endpoint hangs", async () => {
    const merchant = await silentReceiver();
    const s = setup(merchant.url, { timeoutMs: 30_000 });
    s.webhook.start();
    await s.worker.start();
    const first = await s.paidOrder();
    const second = await s.paidOrder();

    await vi.waitFor(async () => {
      expect(await s.status(first.id)).toBe("fulfilled");
      expect(await s.status(second.id)).toBe("fulfilled");
    });
    expect((await s.outbox.sent()).sort()).toEqual(
      [`goods:${first.id}`, `goods:${second.id}`].sort(),
    );
    // Both webhooks are still waiting on the merchant.
    await vi.waitFor(() => expect(merchant.open()).toBe(2));
    expect(await s.deliveryLog()).toEqual([]);

    // Stopping cuts the requests off without counting them; the events are due again at once.
    await s.worker.stop();
    await s.webhook.stop();
    const due = await s.webhooksDue();
    expect(due.map((d) => d.id).sort()).toEqual(
      [`${first.id}:order.paid`, `${second.id}:order.paid`].sort(),
    );
    for (const { dueAt } of due) expect(dueAt).toBeLessThanOrEqual(Date.now());
    expect(await s.eventState(first.id)).toMatchObject({ state: "queued", attempts: "0" });
  });

  it("sends each event once when several processes run the schedule", async () => {
    const merchant = await receiver([200]);
    const s = setup(merchant.url);
    const others = [connect(), connect()].map(
      (redis) =>
        new MerchantWebhook({ url: merchant.url, secret, redis, prefix: s.prefix, pollMs: 5 }),
    );
    schedules.push(...others);
    const orders = await Promise.all(Array.from({ length: 20 }, () => s.paidOrder()));
    s.webhook.start();
    for (const other of others) other.start();
    await Promise.all(orders.map((order) => s.webhook.deliver(order)));

    await vi.waitFor(async () => {
      const states = await Promise.all(orders.map((order) => s.eventState(order.id)));
      expect(states.every((state) => state.state === "delivered")).toBe(true);
    });
    const ids = merchant.requests.map((r) => r.headers["x-tpb-event-id"]);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
  });
});
