import { describe, expect, it } from "vitest";
import { checkReadiness, readinessFailures, STUCK_AFTER_MS } from "../../src/http/health.js";

const NOW = 1_800_000_000_000;
const bounds = { pollIntervalMs: 3000 };
const ready = {
  redis: true,
  watcher: { lastPollAt: NOW - 2000 },
  backlog: { depth: 0 },
};

describe("readiness", () => {
  it("is ready with Redis answering, a recent poll by any process and the queue moving", () => {
    expect(readinessFailures(ready, bounds, NOW)).toEqual([]);
    // A job in hand for a while is work, not a stuck worker.
    const working = { ...ready, backlog: { depth: 2, oldestInHandAt: NOW - 60_000 } };
    expect(readinessFailures(working, bounds, NOW)).toEqual([]);
  });

  it("names each failing check on a line of its own", () => {
    const failures = readinessFailures(
      {
        redis: false,
        watcher: { lastPollAt: NOW - 10_000 },
        backlog: { depth: 1, oldestInHandAt: NOW - STUCK_AFTER_MS - 1000 },
      },
      bounds,
      NOW,
    );
    expect(failures).toEqual([
      "redis: no answer to PING",
      "watcher: last poll 10 s ago, more than 3 intervals (9000 ms)",
      "fulfilment: a job queued 901 s ago is still in hand (bound 900 s)",
    ]);
  });

  it("is not ready before any poll, or when the watcher's record or the queue cannot be read", () => {
    expect(readinessFailures({ ...ready, watcher: {} }, bounds, NOW)).toEqual([
      "watcher: no poll recorded yet",
    ]);
    expect(
      readinessFailures({ ...ready, watcher: undefined, backlog: undefined }, bounds, NOW),
    ).toEqual([
      "watcher: its health record could not be read",
      "fulfilment: the queue could not be read",
    ]);
  });

  it("is not ready while the bot starts or stops, whatever else holds", () => {
    expect(readinessFailures({ ...ready, bot: "running" }, bounds, NOW)).toEqual([]);
    expect(readinessFailures({ ...ready, bot: "starting" }, bounds, NOW)).toEqual([
      "bot: starting, not taking updates yet",
    ]);
    expect(readinessFailures({ ...ready, redis: false, bot: "stopping" }, bounds, NOW)).toEqual([
      "bot: stopping, no longer taking updates",
      "redis: no answer to PING",
    ]);
  });

  it("gives up on reads that do not answer rather than hanging the probe", async () => {
    const never = () => new Promise<never>(() => undefined);
    const failures = await checkReadiness(
      { ping: never, watcher: never, backlog: never, clock: () => NOW, timeoutMs: 50 },
      bounds,
    );
    expect(failures).toEqual([
      "redis: no answer to PING",
      "watcher: its health record could not be read",
      "fulfilment: the queue could not be read",
    ]);
  });

  it("judges our jetton wallet's watcher as the merchant's in a shop selling in USDT", () => {
    const polled = { watcher: { lastPollAt: NOW - 1000 } };
    expect(readinessFailures({ ...ready, usdt: polled }, bounds, NOW)).toEqual([]);
    expect(
      readinessFailures({ ...ready, usdt: { watcher: { lastPollAt: NOW - 20_000 } } }, bounds, NOW),
    ).toEqual(["usdt watcher: last poll 20 s ago, more than 3 intervals (9000 ms)"]);
    expect(readinessFailures({ ...ready, usdt: { watcher: {} } }, bounds, NOW)).toEqual([
      "usdt watcher: no poll recorded yet",
    ]);
    expect(readinessFailures({ ...ready, usdt: { watcher: undefined } }, bounds, NOW)).toEqual([
      "usdt watcher: its health record could not be read",
    ]);
  });

  it("reads our jetton wallet's watcher when the shop has one, within the same bound", async () => {
    const never = () => new Promise<never>(() => undefined);
    const answered = {
      ping: async () => "PONG",
      watcher: async () => ({ lastPollAt: NOW - 1000 }),
      backlog: async () => ({ depth: 0 }),
      clock: () => NOW,
      timeoutMs: 50,
    };
    expect(await checkReadiness(answered, bounds)).toEqual([]);
    expect(await checkReadiness({ ...answered, usdtWatcher: never }, bounds)).toEqual([
      "usdt watcher: its health record could not be read",
    ]);
    // No such watcher yet (the wallet still asked for): the shop sells in its other currencies.
    expect(await checkReadiness({ ...answered, usdtWatcher: () => undefined }, bounds)).toEqual([]);
    const polled = async () => ({ lastPollAt: NOW - 2000 });
    expect(await checkReadiness({ ...answered, usdtWatcher: polled }, bounds)).toEqual([]);
  });
});
