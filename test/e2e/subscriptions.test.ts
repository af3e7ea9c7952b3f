import { afterEach, describe, expect, it } from "vitest";
import { buyData, subscriptionData } from "../../src/bot/callback-data.js";
import { SUBSCRIPTION_PERIOD_S } from "../../src/payments/telegram/subscriptions.js";
import { writeCatalogFile } from "../../src/sandbox/catalog.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { orderReaches, startShop } from "../support/sandbox.js";

/*
 * Buying a subscription through the bot: the card, the terms, a subscription invoice link, the
 * first payment and its delivery. (Renewals, cancellation and access come with the emulator's
 * subscription clock.)
 */

const ADMIN_ID = 900_017;
let sandbox: Sandbox | undefined;
let removeCatalog: (() => Promise<void>) | undefined;
afterEach(async () => {
  await sandbox?.stop();
  await removeCatalog?.();
  sandbox = undefined;
});

async function clubShop(): Promise<Sandbox> {
  const file = await writeCatalogFile({
    products: [
      {
        id: "club",
        kind: "subscription",
        title: "Club",
        description: "Monthly notes from the club.",
        prices: { stars: "250" },
        delivery: { type: "text", text: "Welcome to the club: https://example.com/club" },
      },
      {
        id: "lounge",
        kind: "subscription",
        title: "Lounge",
        description: "A private channel.",
        prices: { stars: "100" },
        access: { chatId: -1001234567890 },
      },
    ],
  });
  removeCatalog = file.remove;
  const shop = await startShop({ buyersAgreeToTerms: false });
  sandbox = shop;
  await shop.restart({ catalogPath: file.path, adminIds: [ADMIN_ID] });
  return shop;
}

describe("buying a subscription", () => {
  it("sells it through a subscription invoice link, after the terms, and delivers its first period once", async () => {
    const shop = await clubShop();
    const buyer = shop.user({ firstName: "Sam" });

    buyer.send("/start buy_club");
    const card = await buyer.waitForButton("Subscribe for 250 ⭐ / 30 days");
    expect(card.text).toContain("Telegram Stars: 250 ⭐ every 30 days");
    await buyer.press("Subscribe for 250 ⭐ / 30 days", card);
    const terms = await buyer.waitForButton("I agree", { after: card.messageId });
    await buyer.press("I agree", terms);
    const offer = await buyer.waitForButton("⭐ Subscribe", { after: terms.messageId });
    expect(offer.text).toContain("Club, 250 ⭐ every 30 days");
    const orderId = /^Order (\S+)/.exec(offer.text ?? "")?.[1] ?? "";

    const link = buyer.link("⭐ Subscribe", offer);
    const invoice = shop.telegram.state.invoiceLinks.get(link);
    expect(invoice).toMatchObject({
      currency: "XTR",
      totalAmount: 250,
      subscriptionPeriod: SUBSCRIPTION_PERIOD_S,
      payload: orderId,
    });

    const paid = await buyer.payInvoiceLink(link);
    expect(paid.ok).toBe(true);
    await buyer.waitForText("Welcome to the club", { after: offer.messageId });
    const receipt = await buyer.waitForText("Receipt", { after: offer.messageId });
    expect(receipt.text).toContain("Club, period 1, until ");
    const order = await orderReaches(shop, orderId, "fulfilled");
    expect(order.subscription).toMatchObject({
      chargeId: paid.chargeId,
      periods: 1,
      renewal: "on",
    });
    expect(order.subscription?.paidUntil).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const count = buyer.fromBot().filter((m) => m.text?.includes("Welcome to the club")).length;
    expect(count).toBe(1);

    // A second press finds the subscription running and asks for nothing.
    const before = buyer.lastMessageId();
    buyer.send("/start buy_club");
    const again = await buyer.waitForButton("Subscribe for 250 ⭐ / 30 days", { after: before });
    await buyer.press("Subscribe for 250 ⭐ / 30 days", again);
    const told = await buyer.waitForText("You are subscribed already", { after: again.messageId });
    expect(told.text).toMatch(/access lasts until \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\)/);
    expect(shop.telegram.state.invoiceLinks.size).toBe(1);

    // /subscriptions lists it, renewing, with a button to stop the renewal.
    buyer.send("/subscriptions");
    const list = await buyer.waitForButton("Cancel renewal: Club", { after: told.messageId });
    expect(list.text).toContain(`Club — 250 ⭐ every 30 days (order ${orderId})`);
    expect(list.text).toMatch(/Renews on \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\)\./);
    expect(buyer.buttonsData(list)).toEqual([subscriptionData.pack({ action: "cancel", orderId })]);

    // Someone else's subscription is not theirs to cancel, whatever their button says.
    const stranger = shop.user({ firstName: "Eve" });
    stranger.send("/subscriptions");
    await stranger.waitForText("You have no subscriptions");
    const answer = await stranger.pressData(
      subscriptionData.pack({ action: "cancel", orderId }),
      stranger.fromBot()[0] ?? list,
    );
    expect(answer?.text).toContain("This subscription cannot be changed here any more");
    expect((await shop.app.store.require(orderId)).subscription?.renewal).toBe("on");

    // The merchant sees it in the Sales view.
    const admin = shop.user({ id: ADMIN_ID, firstName: "Mira" });
    admin.send("/admin");
    const menu = await admin.waitForButton("Sales");
    await admin.press("Sales", menu);
    const sales = await admin.waitFor(
      (m) => m.messageId === menu.messageId && (m.text ?? "").includes("Subscriptions"),
    );
    expect(sales.text).toContain(
      "Subscriptions: 1 active (Club × 1), 250 ⭐ a month from those renewing",
    );
    expect(sales.text).toContain("This month: 0 renewals, 0 cancellations");

    // And the bot's Stars: the balance, and its ledger holding the payment, which the shop has.
    await admin.press("Back", sales);
    const back = await admin.waitForButton("Balances");
    await admin.press("Balances", back);
    const balances = await admin.waitFor(
      (m) => m.messageId === back.messageId && (m.text ?? "").includes("Bot's Stars"),
    );
    expect(balances.text).toContain("Bot's Stars: 250 ⭐");
    expect(balances.text).toContain("Its ledger: payments 250 ⭐, refunds 0 ⭐");
    expect(balances.text).toContain("✓ The balance matches the ledger.");
    expect(balances.text).not.toContain("have no order here");
  });

  it("does not offer a subscription that promises chat access, which the shop does not grant yet", async () => {
    const shop = await clubShop();
    const buyer = shop.user({ firstName: "Lou" });
    buyer.send("/shop");
    const list = await buyer.waitForButton("Club");
    expect(JSON.stringify(list.message.reply_markup)).not.toContain("Lounge");
    buyer.send("/start buy_lounge");
    await buyer.waitForText("This product is not on sale any more", { after: list.messageId });
    const forged = await buyer.pressData(
      buyData.pack({ id: "lounge", quantity: 1, method: "stars" }),
      list,
    );
    expect(forged?.text).toBe("This product cannot be paid that way. Tap /shop to choose again.");
    expect(shop.telegram.state.invoiceLinks.size).toBe(0);
  });
});
