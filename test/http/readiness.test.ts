import { afterEach, describe, expect, it } from "vitest";
import { checkReadiness } from "../../src/http/health.js";
import { allPartitions } from "../../src/redis/keys.js";
import { groupBacklog } from "../../src/redis/stream.js";
import { testRedis } from "../support/redis.js";
import { tonWorld } from "../support/ton-world.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const POLL_MS = 3000;

describe("readiness across processes", () => {
  it("counts a poll by whichever process leads the watcher, and not one three intervals old", async () => {
    const { redis, prefix } = testRedis();
    cleanups.push(() => redis.quit());
    const world = await tonWorld(redis, prefix);
    cleanups.push(() => world.close());
    const leader = world.watcher({ owner: "leader" });
    const follower = world.watcher({ owner: "follower" });
    expect((await leader.pollOnce()).kind).toBe("initialised");
    expect((await leader.pollOnce()).kind).toBe("idle");
    expect((await follower.pollOnce()).kind).toBe("not-leader");

    // The process that does not lead the watcher reads what the leader recorded.
    const readiness = (clock: () => number) =>
      checkReadiness(
        {
          ping: () => redis.ping(),
          watcher: () => follower.health.read(),
          backlog: () =>
            groupBacklog(redis, allPartitions.map(world.keys.fulfilment), "fulfilment"),
          clock,
        },
        { pollIntervalMs: POLL_MS },
      );
    const polledAt = (await follower.health.read()).lastPollAt ?? 0;
    expect(await readiness(() => polledAt + POLL_MS)).toEqual([]);
    expect(await readiness(() => polledAt + 3 * POLL_MS + 1000)).toEqual([
      "watcher: last poll 10 s ago, more than 3 intervals (9000 ms)",
    ]);
  });
});
