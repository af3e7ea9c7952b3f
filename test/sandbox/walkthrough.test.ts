import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runWalkthrough } from "../../src/sandbox/walkthrough.js";

describe("the offline sandbox walkthrough", () => {
  it("buys in Gram (in two parts), in Stars, by card and in USDT, and a subscription renewed once, fulfilling each once", async () => {
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
    expect(transcript).toMatch(/• USDT: 5 USDT\n(?:.*\n)*?\s+\[ Pay with USDT \]/);
    expect(transcript).toMatch(/Send exactly 5 USDT\n\s+to 0Q\S+\n\s+with the comment TP-\w+/);
    expect(transcript).toContain("Send USDT on the TON network only");
    expect(transcript).toMatch(
      /\[ Open in Tonkeeper \] → https:\/\/app\.tonkeeper\.com\/transfer\/0Q\S+\?jetton=kQ\S+&amount=5000000&text=TP-\w+/,
    );
    expect(transcript).toMatch(/our USDT wallet kQ\S+ is credited: tx [0-9a-f]{16}…/);
    expect(transcript).toMatch(
      /Receipt — order ord_\w+\n\s+TON Developer's Guide \(e-book\) × 1\n\s+Paid: 5 USDT/,
    );
    expect(transcript).toContain(
      "fulfilled, 5 USDT in 1 payment, 1 download link; the merchant's USDT: 0 USDT → 5 USDT",
    );
    expect(transcript).toContain("USDT (our jetton wallet): 5 USDT");
    expect(transcript).toMatch(
      /Today: 5 orders, 5 paid \(100%\), revenue 25\.98 USD \+ 150 ⭐ \+ 9\.75 GRAM \+ 5 USDT/,
    );
    expect(transcript).toMatch(/❓ ton:[0-9a-f]{8} · 0\.3 GRAM · unknown-comment/);
    expect(transcript).toContain(
      "Tonkeeper on Dan's phone opens the link and approves the connection",
    );
    expect(transcript).toMatch(/Tonkeeper is connected: 0Q\S+…\S+/);
    expect(transcript).toMatch(/Tonkeeper shows: send 3\.25 GRAM to 0Q\S+, comment TP-\w+/);
    expect(transcript).toMatch(/Receipt — order ord_\w+\n\s+TON mug × 1\n\s+Paid: 3\.25 GRAM/);
    expect(transcript).toContain("(notices Mira got as it happened: 7)");
    expect(transcript).toMatch(
      /paid: 5 USDT for TON Developer's Guide \(e-book\) × 1 · Erin @erin/,
    );
    // A subscription: bought through a 30-day link, renewed once as Telegram's clock moves on,
    // then canceled, its access ending with the month paid.
    expect(transcript).toContain("• Telegram Stars: 250 ⭐ every 30 days");
    expect(transcript).toMatch(/TON Builders' Club, period 1, until \d{4}-\d\d-\d\d/);
    expect(transcript).toMatch(/TON Builders' Club, period 2, until \d{4}-\d\d-\d\d/);
    expect(transcript).toMatch(/order ord_\w+: 2 payments, paid until /);
    expect(transcript).toContain("Renewal canceled: you keep access until");
    expect(transcript).toMatch(/Your subscription \(order ord_\w+\) has ended/);
    expect(transcript).toContain("Every step held.");
  });
});
