import { describe, expect, it } from "vitest";
import { backoff } from "../src/backoff.js";

describe("backoff", () => {
  it("doubles from the base with each failure and stops at the ceiling", () => {
    const wait = backoff(1000, 30_000);
    expect([1, 2, 3, 4, 5, 6, 7, 100].map(wait)).toEqual([
      1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
    expect(wait(0)).toBe(1000);
  });

  it("draws a jittered wait from half to all of the schedule's", () => {
    const wait = backoff(2000, 60_000, { jitter: true });
    for (let i = 0; i < 200; i++) {
      const ms = wait(3);
      expect(ms).toBeGreaterThanOrEqual(4000);
      expect(ms).toBeLessThanOrEqual(8000);
    }
  });
});
