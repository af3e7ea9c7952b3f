import { afterEach, describe, expect, it } from "vitest";
import { redisKeys } from "../../src/redis/keys.js";
import { TermsAgreements } from "../../src/support/terms.js";
import { testRedis } from "./redis.js";

describe("TermsAgreements", () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function agreements(start = 1_800_000_000_000) {
    const { redis, prefix } = testRedis();
    cleanups.push(() => redis.quit());
    let now = start;
    const clock = () => now;
    return {
      redis,
      prefix,
      terms: new TermsAgreements(redis, { prefix, clock }),
      later: (ms: number) => {
        now += ms;
      },
    };
  }

  it("knows nothing of a buyer who never agreed", async () => {
    const { terms } = agreements();
    expect(await terms.agreementOf(42)).toBeUndefined();
    expect(await terms.hasAgreed(42, "default")).toBe(false);
  });

  it("records the version a buyer agreed to and when, by the shop's clock", async () => {
    const { terms, redis, prefix } = agreements(1_800_000_000_000);
    expect(await terms.agree(42, "2026-12")).toEqual({ version: "2026-12", at: 1_800_000_000_000 });
    expect(await terms.agreementOf(42)).toEqual({ version: "2026-12", at: 1_800_000_000_000 });
    expect(await terms.hasAgreed(42, "2026-12")).toBe(true);
    // One hash per buyer, kept with no expiry: the record that they agreed.
    const key = redisKeys(prefix).termsAgreement(42);
    expect(await redis.hgetall(key)).toEqual({ version: "2026-12", at: "1800000000000" });
    expect(await redis.ttl(key)).toBe(-1);
  });

  it("asks again for a new version: agreeing to one version is not agreeing to another", async () => {
    const { terms, later } = agreements();
    await terms.agree(42, "v1");
    expect(await terms.hasAgreed(42, "v2")).toBe(false);
    later(60_000);
    const second = await terms.agree(42, "v2");
    expect(await terms.agreementOf(42)).toEqual(second);
    expect(await terms.hasAgreed(42, "v2")).toBe(true);
    expect(await terms.hasAgreed(42, "v1")).toBe(false);
  });

  it("keeps each buyer's agreement apart", async () => {
    const { terms } = agreements();
    await terms.agree(1, "v1");
    expect(await terms.hasAgreed(1, "v1")).toBe(true);
    expect(await terms.hasAgreed(2, "v1")).toBe(false);
  });

  it("fails loudly, and records nothing, when Redis refuses the write", async () => {
    const { terms, redis, prefix } = agreements();
    // A key of another type: Redis answers WRONGTYPE, as a failing call would.
    const key = redisKeys(prefix).termsAgreement(7);
    await redis.set(key, "not a hash");
    await expect(terms.agree(7, "v1")).rejects.toThrow(/WRONGTYPE/);
    expect(await redis.get(key)).toBe("not a hash");
  });
});
