import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import {
  MerchantWebhookDeliverer,
  signWebhook,
  verifyWebhookSignature,
  type WebhookEvent,
} from "../../src/fulfilment/webhook.js";
import { FulfilmentWorker } from "../../src/fulfilment/worker.js";
import { closeConnections, shop } from "./helpers.js";

const servers: Server[] = [];

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

/** A merchant endpoint that accepts the request and never answers. */
async function silentReceiver() {
  const server = createServer(() => undefined);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/` };
}

const secret = "whsec_test_0123456789";

function setup(url: string, options: { attempts?: number; timeoutMs?: number } = {}) {
  const s = shop();
  const webhook = new MerchantWebhookDeliverer({
    url,
    secret,
    redis: s.redis,
    prefix: s.prefix,
    baseDelayMs: 1,
    ...options,
  });
  const worker = new FulfilmentWorker({
    redis: s.redis,
    store: s.store,
    prefix: s.prefix,
    consumer: "worker-a",
    deliverers: () => [webhook],
  });
  async function deliveryLog() {
    const entries = await s.redis.xrange(s.keys.webhookLog, "-", "+");
    return entries.map(([, fields]) => Object.fromEntries(pairs(fields)));
  }
  return { ...s, worker, deliveryLog };
}

function pairs(fields: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) out.push([fields[i] ?? "", fields[i + 1] ?? ""]);
  return out;
}

describe("MerchantWebhookDeliverer", () => {
  it("retries 500s, delivers once with a signature the merchant can verify", async () => {
    const merchant = await receiver([500, 500, 200]);
    const s = setup(merchant.url);
    const order = await s.paidOrder();

    expect(await s.worker.processOnce()).toBe(1);

    expect(merchant.requests.map((r) => r.answered)).toEqual([500, 500, 200]);
    const eventIds = new Set(merchant.requests.map((r) => r.headers["x-tpb-event-id"]));
    expect(eventIds).toEqual(new Set([`${order.id}:order.paid`]));
    expect(await s.status(order.id)).toBe("fulfilled");
    expect(await s.pendingJobs()).toBe(0);

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

  it("sends the job to the dead stream when the merchant answers 400", async () => {
    const merchant = await receiver([400]);
    const s = setup(merchant.url);
    const order = await s.paidOrder();

    expect(await s.worker.processOnce()).toBe(1);

    expect(merchant.requests).toHaveLength(1);
    const dead = await s.redis.xrange(s.keys.fulfilmentDead, "-", "+");
    expect(dead.map(([, fields]) => Object.fromEntries(pairs(fields)))).toEqual([
      expect.objectContaining({
        orderId: order.id,
        deliverer: "merchant-webhook",
        error: "merchant webhook answered 400",
      }),
    ]);
    expect(await s.status(order.id)).toBe("paid");
    expect(await s.pendingJobs()).toBe(0);
    expect((await s.deliveryLog()).map((e) => e.status)).toEqual(["400"]);
  });

  it("logs timeouts and leaves the job pending for the worker's retry", async () => {
    const merchant = await silentReceiver();
    const s = setup(merchant.url, { attempts: 2, timeoutMs: 50 });
    const order = await s.paidOrder();

    expect(await s.worker.processOnce()).toBe(1);

    const log = await s.deliveryLog();
    expect(log.map((e) => [e.attempt, e.error])).toEqual([
      ["1", "timed out after 50 ms"],
      ["2", "timed out after 50 ms"],
    ]);
    expect(await s.status(order.id)).toBe("paid");
    expect(await s.pendingJobs()).toBe(1);
  });
});
