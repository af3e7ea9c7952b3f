import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runWalkthrough } from "../../src/sandbox/walkthrough.js";

describe("the offline sandbox walkthrough", () => {
  it("buys, pays in two parts, fulfils once and keeps a stray payment, every step holding", async () => {
    let transcript = "";
    const out = new Writable({
      write(chunk, _encoding, done) {
        transcript += chunk.toString();
        done();
      },
    });
    expect(await runWalkthrough(out)).toBe(true);
    expect(transcript).not.toContain("✗");
    expect(transcript).toContain("status pending (underpaid), still owed");
    expect(transcript).toContain("status fulfilled, paid 6.5 TON in 2 payments");
    expect(transcript).toContain("order.paid, HMAC-SHA256 signature valid");
    expect(transcript).toContain("reason: unknown-comment");
    expect(transcript).toContain("Every step held.");
  });
});
