import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../src/log.js";
import { EventConsumer, type EventConsumerOptions } from "../../src/notices/event-consumer.js";
import { partitionOf, redisKeys } from "../../src/redis/keys.js";
import { capturedLog } from "../support/log.js";
import { pendingEntries } from "../support/partitions.js";
import { testRedis } from "../support/redis.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Synchronisation only: waits for something the consumer does, failing after a while. */
async function waitUntil(condition: () => boolean | Promise<boolean>, what: string) {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

/**
 * A consumer whose handler fails the first `failures` times it sees an event. Another process
 * would take the event over only after ten minutes.
 */
async function consumer(failures: number, options: Partial<EventConsumerOptions> = {}) {
  const { redis, prefix } = testRedis();
  cleanups.push(() => redis.quit());
  const keys = redisKeys(prefix);
  const handled: string[] = [];
  const tries = { count: 0 };
  let left = failures;
  const events = new EventConsumer({
    redis,
    prefix,
    group: "notices",
    log: silentLogger,
    blockMs: 50,
    staleMs: 600_000,
    handle: async (event) => {
      tries.count++;
      if (left-- > 0) throw new Error("Telegram is away");
      handled.push(event.orderId ?? "");
    },
    ...options,
  });
  await events.start();
  cleanups.push(() => events.stop());
  const pending = () => pendingEntries(redis, keys.events, "notices");
  const publish = (orderId: string) =>
    redis.xadd(
      keys.events(partitionOf(orderId)),
      "*",
      "orderId",
      orderId,
      "event",
      '{"type":"order.fulfilled"}',
    );
  const publishRaw = (...fields: string[]) =>
    redis.xadd(keys.events(partitionOf("raw")), "*", ...fields);
  return { events, handled, tries, pending, publish, publishRaw };
}

describe("EventConsumer", () => {
  it("gives events of two partitions that carry the same entry id two different ids", async () => {
    const { redis, prefix } = testRedis();
    cleanups.push(() => redis.quit());
    const keys = redisKeys(prefix);
    const ids = new Map<string, string>();
    const events = new EventConsumer({
      redis,
      prefix,
      group: "notices",
      log: silentLogger,
      blockMs: 50,
      handle: async (event) => void ids.set(event.orderId ?? "", event.id),
    });
    await events.start();
    cleanups.push(() => events.stop());
    // Each partition's stream numbers its own entries: the same id in two of them is common.
    const orders = ["ord_a", "ord_b", "ord_c", "ord_d", "ord_e"];
    const [a, b] = orders.filter(
      (o, i) => orders.findIndex((x) => partitionOf(x) === partitionOf(o)) === i,
    );
    const id = `${Date.now() + 60_000}-0`;
    for (const orderId of [a, b] as string[]) {
      const event = '{"type":"order.fulfilled"}';
      await redis.xadd(keys.events(partitionOf(orderId)), id, "orderId", orderId, "event", event);
    }
    await expect.poll(() => ids.size).toBe(2);
    // Notices are marked as told by event id: one id for both would silence the second.
    expect(new Set(ids.values()).size).toBe(2);
  });

  it("tries an event whose handler failed again itself, without waiting for a takeover", async () => {
    const { handled, pending, publish } = await consumer(3, { retryDelayMs: () => 50 });

    await publish("order-1");

    await waitUntil(() => handled.length === 1, "the event to be handled");
    expect(handled).toEqual(["order-1"]);
    await waitUntil(async () => (await pending()) === 0, "the event to be acknowledged");
  });

  it("tries failed events at once when told to, whatever their backoff", async () => {
    const { events, handled, tries, pending, publish } = await consumer(2, {
      retryDelayMs: () => 600_000,
    });

    await publish("order-1");
    await publish("order-2");
    await waitUntil(() => tries.count === 2, "both events to fail once");
    expect(handled).toEqual([]);
    expect(await pending()).toBe(2);

    events.retryNow();

    await waitUntil(() => handled.length === 2, "both events to be handled");
    // Two orders' events sit in their own partitions: each order's events keep their order,
    // events of different orders need not.
    expect([...handled].sort()).toEqual(["order-1", "order-2"]);
    await waitUntil(async () => (await pending()) === 0, "both events to be acknowledged");
  });

  it("skips an entry that does not read with one warn line, and handles the ones behind it", async () => {
    const { log, records } = capturedLog();
    const { handled, pending, publish, publishRaw } = await consumer(0, { log });

    await publishRaw("orderId", "order-0", "event", '{"type":"order.paid","detail":{}}');
    await publish("order-1");

    await waitUntil(() => handled.length === 1, "the event behind it to be handled");
    expect(handled).toEqual(["order-1"]);
    await waitUntil(async () => (await pending()) === 0, "both entries to be acknowledged");
    expect(records().filter((r) => r.level === 40)).toEqual([
      expect.objectContaining({ msg: "event does not read; skipped", group: "notices" }),
    ]);
  });
});
