import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runWalkthrough } from "../../src/sandbox/walkthrough.js";

describe("the offline sandbox walkthrough", () => {
  it("buys in Gram (in two parts), in Stars and by card through the bot, fulfilling each once", async () => {
    let transcript = "";
    const out = new Writable({
      write(chunk, _encoding, done) {
        transcript += chunk.toString();
        done();
      },
    });
    expect(await runWalkthrough(out)).toBe(true);
    expect(transcript).not.toContain("✗");
    expect(transcript).toContain("bot   › Welcome to the shop, Alice!");
    expect(transcript).toMatch(
      /Before your first purchase[^\n]*\n\n\s+Terms of sale\n[^[]+\[ ✅ I agree \]/,
    );
    expect(transcript).toContain("alice › [ ✅ I agree ]");
    expect(transcript).toMatch(/Send exactly 6\.5 GRAM \(formerly Toncoin\)\n\s+to 0Q/);
    expect(transcript).toContain("[ Open in Tonkeeper ]");
    expect(transcript).toContain("[photo: QR code]");
    expect(transcript).toContain("Please send the remaining 3.25 GRAM");
    expect(transcript).toMatch(/Receipt — order ord_\w+\n\s+TON mug × 2\n\s+Paid: 6\.5 GRAM/);
    expect(transcript).toContain("order.paid, HMAC-SHA256 signature valid");
    expect(transcript).toContain("reason: unknown-comment");
    expect(transcript).toContain("fulfilled, 6.5 GRAM in 2 payments, 1 job, 1 receipt");
    expect(transcript).toContain("(alert) 📦 Order");
    expect(transcript).toContain("[invoice: TON Developer's Guide (e-book) — 150 ⭐]");
    expect(transcript).toMatch(/Paid: 150 ⭐/);
    expect(transcript).toContain("[invoice: TON mug — 9.99 USD]");
    expect(transcript).toMatch(/Paid: 25\.98 USD/);
    expect(transcript).toMatch(
      /Today: 4 orders, 4 paid \(100%\), revenue 25\.98 USD \+ 150 ⭐ \+ 9\.75 GRAM/,
    );
    expect(transcript).toMatch(/❓ ton:[0-9a-f]{8} · 0\.3 GRAM · unknown-comment/);
    expect(transcript).toContain(
      "Tonkeeper on Dan's phone opens the link and approves the connection",
    );
    expect(transcript).toMatch(/Tonkeeper is connected: 0Q\S+…\S+/);
    expect(transcript).toMatch(/Tonkeeper shows: send 3\.25 GRAM to 0Q\S+, comment TP-\w+/);
    expect(transcript).toMatch(/Receipt — order ord_\w+\n\s+TON mug × 1\n\s+Paid: 3\.25 GRAM/);
    expect(transcript).toContain("(notices Mira got as it happened: 6)");
    expect(transcript).toContain("Every step held.");
  });
});
