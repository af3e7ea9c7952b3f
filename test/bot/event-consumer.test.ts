import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { EventConsumer, type EventConsumerOptions } from "../../src/bot/event-consumer.js";
import { silentLogger } from "../../src/log.js";
import { partitionOf, redisKeys } from "../../src/redis/keys.js";
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
      '{"type":"order.paid"}',
    );
  return { events, handled, tries, pending, publish };
}

describe("EventConsumer", () => {
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
    expect(handled).toEqual(["order-1", "order-2"]);
    await waitUntil(async () => (await pending()) === 0, "both events to be acknowledged");
  });
});
