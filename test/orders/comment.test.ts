import { describe, expect, it } from "vitest";
import { newComment, normalizeComment } from "../../src/orders/comment.js";

describe("payment comments", () => {
  it("are TP- and 8 Crockford base32 characters", () => {
    for (let i = 0; i < 200; i++) {
      expect(newComment()).toMatch(/^TP-[0-9A-HJKMNP-TV-Z]{8}$/);
    }
  });

  it("are drawn at random (no repeats in 10,000)", () => {
    const seen = new Set(Array.from({ length: 10_000 }, newComment));
    expect(seen.size).toBe(10_000);
  });

  it("match what a buyer types by hand", () => {
    expect(normalizeComment("TP-7K3M9Q2D")).toBe("TP-7K3M9Q2D");
    expect(normalizeComment("  tp-7k3m9q2d \n")).toBe("TP-7K3M9Q2D");
    expect(normalizeComment("TP 7K3M 9Q2D")).toBe("TP-7K3M9Q2D");
    expect(normalizeComment("TP7K3M9Q2D")).toBe("TP-7K3M9Q2D");
    // Crockford look-alikes: O is 0, I and L are 1.
    expect(normalizeComment("TP-7K3MOQ2D")).toBe("TP-7K3M0Q2D");
    expect(normalizeComment("tp-iL3m9q2d")).toBe("TP-113M9Q2D");
  });

  it("reject anything that cannot be a comment", () => {
    for (const bad of [
      "",
      "hello",
      "TP-",
      "TP-7K3M9Q2",
      "TP-7K3M9Q2DX",
      "XX-7K3M9Q2D",
      "TP-7K3M9Q2U",
    ]) {
      expect(normalizeComment(bad), bad).toBeUndefined();
    }
  });
});
