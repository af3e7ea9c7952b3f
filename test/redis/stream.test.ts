import { afterAll, describe, expect, it } from "vitest";
import { groupBacklog } from "../../src/redis/stream.js";
import { testRedis } from "../support/redis.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

describe("groupBacklog", () => {
  it("reads a stream nobody has written yet as empty", async () => {
    const streams = [`${prefix}none:a`, `${prefix}none:b`];
    expect(await groupBacklog(redis, streams, "fulfilment")).toEqual({ depth: 0 });
  });

  it("counts entries not yet handed out and those in hand", async () => {
    const stream = `${prefix}jobs`;
    await redis.xadd(stream, "*", "orderId", "a");
    await redis.xgroup("CREATE", stream, "fulfilment", "0");
    await redis.xadd(stream, "*", "orderId", "b");
    await redis.xreadgroup("GROUP", "fulfilment", "w1", "COUNT", 1, "STREAMS", stream, ">");
    const backlog = await groupBacklog(redis, [stream], "fulfilment");
    expect(backlog.depth).toBe(2);
    expect(backlog.oldestInHandAt).toBeGreaterThan(0);
  });

  it("fails, rather than reading an empty queue, when a stream cannot be read", async () => {
    const broken = `${prefix}broken`;
    await redis.set(broken, "not a stream");
    await expect(groupBacklog(redis, [broken], "fulfilment")).rejects.toThrow(/WRONGTYPE/);
  });
});
