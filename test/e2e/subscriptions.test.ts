import type { ChatMessage, EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import { Api } from "grammy";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buyData, subscriptionData } from "../../src/bot/callback-data.js";
import type { Order } from "../../src/orders/order.js";
import { SUBSCRIPTION_PERIOD_S } from "../../src/payments/telegram/subscriptions.js";
import { writeCatalogFile } from "../../src/sandbox/catalog.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { orderReaches, startShop } from "../support/sandbox.js";

const DAY_MS = 86_400_000;

/*
 * Subscriptions through the bot: the card, the terms, a subscription invoice link, the first
 * payment and its delivery; then, on Telegram's clock moved forward (the shop tells time by it),
 * renewals, a renewal that fails, cancel and re-enable, the end of access, and the Stars ledger.
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

  it("refuses a second link's payment for a subscription the buyer already has", async () => {
    const shop = await clubShop();
    const buyer = shop.user({ firstName: "Eli" });
    // Two links asked for before either was paid, as a buyer tapping twice gets.
    buyer.send("/start buy_club");
    const card = await buyer.waitForButton("Subscribe for 250 ⭐ / 30 days");
    await buyer.press("Subscribe for 250 ⭐ / 30 days", card);
    const terms = await buyer.waitForButton("I agree", { after: card.messageId });
    await buyer.press("I agree", terms);
    const first = await buyer.waitForButton("⭐ Subscribe", { after: terms.messageId });
    await buyer.press("Subscribe for 250 ⭐ / 30 days", card);
    const second = await buyer.waitForButton("⭐ Subscribe", { after: first.messageId });
    const secondId = /^Order (\S+)/.exec(second.text ?? "")?.[1] ?? "";

    expect((await buyer.payInvoiceLink(buyer.link("⭐ Subscribe", first))).ok).toBe(true);
    const refused = await buyer.payInvoiceLink(buyer.link("⭐ Subscribe", second));

    expect(refused.ok).toBe(false);
    expect(refused.errorMessage).toContain("You are subscribed to this already");
    expect(shop.telegram.state.payments.size).toBe(1);
    expect((await shop.app.store.require(secondId)).status).toBe("pending");
  });

  it("does not offer a subscription whose chat the bot is not an administrator of", async () => {
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

/** Subscribes `buyer` to the Club through the card, the terms and the invoice link. */
async function subscribeToClub(shop: Sandbox, buyer: EmulatedUser) {
  buyer.send("/start buy_club");
  const card = await buyer.waitForButton("Subscribe for 250 ⭐ / 30 days");
  await buyer.press("Subscribe for 250 ⭐ / 30 days", card);
  const terms = await buyer.waitForButton("I agree", { after: card.messageId });
  await buyer.press("I agree", terms);
  const offer = await buyer.waitForButton("⭐ Subscribe", { after: terms.messageId });
  const orderId = /^Order (\S+)/.exec(offer.text ?? "")?.[1] ?? "";
  const paid = await buyer.payInvoiceLink(buyer.link("⭐ Subscribe", offer));
  expect(paid.ok).toBe(true);
  await orderReaches(shop, orderId, "fulfilled");
  return { orderId, chargeId: paid.chargeId ?? "", offer };
}

function welcomes(buyer: EmulatedUser): ChatMessage[] {
  return buyer.fromBot().filter((m) => m.text?.includes("Welcome to the club"));
}

/** Polls the order until `check` holds; fails with where it stood. */
async function orderSettles(shop: Sandbox, orderId: string, check: (o: Order) => boolean) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const order = await shop.app.store.require(orderId);
    if (check(order)) return order;
    if (Date.now() > deadline)
      throw new Error(`order ${orderId} stands at ${JSON.stringify(order.subscription)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe("a subscription over time", () => {
  it("renews once when Telegram charges the next period, across a restart and a repeated update", async () => {
    const shop = await clubShop();
    const buyer = shop.user({ firstName: "Ria" });
    const { orderId, offer } = await subscribeToClub(shop, buyer);
    const first = await shop.app.store.require(orderId);
    const firstEnd = first.subscription?.paidUntil ?? 0;

    // The shop is down when the renewal is charged; it finds the payment waiting on restart.
    await shop.stopShop();
    shop.telegram.state.clock.advance(31 * DAY_MS);
    await shop.restart();
    const renewed = await orderSettles(shop, orderId, (o) => o.subscription?.periods === 2);
    expect(renewed.subscription).toMatchObject({
      renewal: "on",
      paidUntil: firstEnd + 30 * DAY_MS,
    });
    await buyer.waitForText("period 2, until", { after: offer.messageId });
    await buyer.waitFor(() => welcomes(buyer).length === 2);
    expect(renewed.payments).toHaveLength(2);

    // Telegram delivers the renewal's message again, and the shop restarts once more: nothing
    // is paid, delivered or announced twice.
    const renewal = shop.telegram.state
      .messages(buyer.id)
      .filter((m) => m.message.successful_payment)
      .at(-1);
    if (renewal === undefined) throw new Error("no renewal message");
    buyer.redeliver(renewal);
    await shop.restart();
    const marker = buyer.send("/subscriptions");
    await buyer.waitForText("Renews on", { after: marker.messageId });
    const after = await shop.app.store.require(orderId);
    expect(after.payments).toHaveLength(2);
    expect(after.subscription?.periods).toBe(2);
    expect(welcomes(buyer)).toHaveLength(2);
    expect(buyer.fromBot().filter((m) => m.text?.includes("period 2, until"))).toHaveLength(1);
    expect(await shop.app.endSubscriptions()).toBe(0);
  });

  it("ends access when a renewal fails, at the end of the paid period and not before", async () => {
    const shop = await clubShop();
    const admin = shop.user({ id: ADMIN_ID, firstName: "Mira" });
    const buyer = shop.user({ firstName: "Ola" });
    buyer.setStars(300);
    const { orderId } = await subscribeToClub(shop, buyer);
    const paidUntil = (await shop.app.store.require(orderId)).subscription?.paidUntil ?? 0;

    // An hour before the end, nothing is due.
    const { clock } = shop.telegram.state;
    clock.advance(paidUntil - clock.now() - 3_600_000);
    expect(await shop.app.endSubscriptions()).toBe(0);
    // Telegram tries at the end, and the buyer holds 50 Stars.
    clock.advance(2 * 3_600_000);
    const notice = await admin.waitForText("could not be charged");
    expect(notice.text).toContain(`order ${orderId}`);
    const failed = await orderSettles(shop, orderId, (o) => o.subscription?.renewal === "failed");
    expect(failed.subscription?.endedAt).toBeUndefined();

    expect(await shop.app.endSubscriptions()).toBe(1);
    const ended = await shop.app.store.require(orderId);
    // Ended by the run after the period's end: the end is when access stopped.
    expect(ended.subscription?.endedAt).toBeGreaterThanOrEqual(paidUntil);
    await buyer.waitForText("Your subscription (order");
    expect(await shop.app.subscriptions.activeFor(buyer.id, "club")).toBeUndefined();
    expect(buyer.stars).toBe(50);
  });

  it("keeps access without a gap when the buyer cancels and re-enables, and ends it after /subscriptions cancels", async () => {
    const shop = await clubShop();
    const admin = shop.user({ id: ADMIN_ID, firstName: "Mira" });
    const buyer = shop.user({ firstName: "Tao" });
    const { orderId, chargeId } = await subscribeToClub(shop, buyer);
    const firstEnd = (await shop.app.store.require(orderId)).subscription?.paidUntil ?? 0;

    buyer.cancelSubscription(chargeId);
    await admin.waitForText("canceled the renewal of Club");
    await orderSettles(shop, orderId, (o) => o.subscription?.renewal === "canceled");
    buyer.reenableSubscription(chargeId);
    await admin.waitForText("turned the renewal of Club back on");
    await orderSettles(shop, orderId, (o) => o.subscription?.renewal === "on");

    shop.telegram.state.clock.advance(31 * DAY_MS);
    const renewed = await orderSettles(shop, orderId, (o) => o.subscription?.periods === 2);
    expect(renewed.subscription?.paidUntil).toBe(firstEnd + 30 * DAY_MS);
    expect(await shop.app.endSubscriptions()).toBe(0);

    // The buyer stops the renewal from the bot; Telegram then charges nothing more.
    const marker = buyer.send("/subscriptions");
    const list = await buyer.waitForButton("Cancel renewal: Club", { after: marker.messageId });
    await buyer.press("Cancel renewal: Club", list);
    await buyer.waitForText("Renewal canceled", { after: list.messageId });
    expect(shop.telegram.state.subscriptions.get(chargeId)).toMatchObject({ botCanceled: true });
    shop.telegram.state.clock.advance(31 * DAY_MS);
    expect(await shop.app.endSubscriptions()).toBe(1);
    const ended = await shop.app.store.require(orderId);
    expect(ended.subscription).toMatchObject({ paidUntil: firstEnd + 30 * DAY_MS, periods: 2 });
    expect(ended.subscription?.endedAt).toBeGreaterThanOrEqual(firstEnd + 30 * DAY_MS);
    expect(ended.payments).toHaveLength(2);
    await buyer.waitForText("Your subscription (order");
  });

  it("refunds a renewed subscription whole, stops its renewal, and the ledger still matches", async () => {
    const shop = await clubShop();
    const admin = shop.user({ id: ADMIN_ID, firstName: "Mira" });
    const buyer = shop.user({ firstName: "Ivo" });
    const { orderId, chargeId } = await subscribeToClub(shop, buyer);
    shop.telegram.state.clock.advance(31 * DAY_MS);
    await orderSettles(shop, orderId, (o) => o.subscription?.periods === 2);
    // Fragment and ads entries besides, as a real bot's ledger has.
    const withdrawal = shop.telegram.state.stars.withdraw(100);
    shop.telegram.state.stars.spendOnAds(20);

    admin.send(`/refund ${orderId}`);
    await admin.waitForText(`Order ${orderId} is refunded`);
    expect(shop.telegram.state.subscriptions.get(chargeId)).toMatchObject({ canceled: true });
    // Access ends with the refund, not with the period paid.
    expect(await shop.app.endSubscriptions()).toBe(1);
    await buyer.waitForText("Your subscription (order");
    shop.telegram.state.stars.settleWithdrawal(withdrawal, "failed");

    admin.send("/admin");
    const menu = await admin.waitForButton("Balances");
    await admin.press("Balances", menu);
    const balances = await admin.waitFor(
      (m) => m.messageId === menu.messageId && (m.text ?? "").includes("Bot's Stars"),
    );
    // 250 + 250 − 500 − 100 + 100 − 20
    expect(balances.text).toContain("Bot's Stars: -20 ⭐");
    expect(balances.text).toContain("Its ledger: payments 500 ⭐, refunds -500 ⭐");
    expect(balances.text).toContain("✓ The balance matches the ledger.");
    expect(balances.text).not.toContain("have no order here");

    // No renewal comes after the refund.
    shop.telegram.state.clock.advance(31 * DAY_MS);
    expect(shop.telegram.state.payments.size).toBe(2);
  });

  it("refunds one renewal alone, by the payment /order shows, and ends the subscription", async () => {
    const shop = await clubShop();
    const admin = shop.user({ id: ADMIN_ID, firstName: "Mira" });
    const buyer = shop.user({ firstName: "Kai" });
    const { orderId, chargeId } = await subscribeToClub(shop, buyer);
    shop.telegram.state.clock.advance(31 * DAY_MS);
    await orderSettles(shop, orderId, (o) => o.subscription?.periods === 2);

    let marker = admin.send(`/order ${orderId}`);
    const card = await admin.waitForText(`Order ${orderId}`, { after: marker.messageId });
    const periods = (card.text ?? "").split("\n").filter((line) => line.includes("period"));
    expect(periods).toHaveLength(2);
    expect(periods[0]).toContain(`stars:${chargeId}`);
    const renewal = /stars:\S+/.exec(periods[1] ?? "")?.[0] ?? "";
    expect(renewal).not.toBe(`stars:${chargeId}`);

    admin.send(`/refund ${renewal}`);
    await admin.waitForText(`Order ${orderId} is refunded`);
    await buyer.waitForText(`Order ${orderId} was refunded`);
    expect(shop.telegram.state.subscriptions.get(chargeId)).toMatchObject({ canceled: true });
    expect(await shop.app.endSubscriptions()).toBe(1);

    marker = admin.send(`/order ${orderId}`);
    const after = await admin.waitForText(`Order ${orderId}`, { after: marker.messageId });
    const lines = (after.text ?? "").split("\n").filter((line) => line.includes("period"));
    expect(lines.map((line) => line.includes("refunded"))).toEqual([false, true]);
    const refunds = shop.telegram.state.starTransactions.filter((tx) => tx.receiver);
    expect(refunds.map((tx) => tx.amount)).toEqual([250]);
  });

  it("stops the renewal of a subscription refunded outside /refund, so Telegram charges it no more", async () => {
    const shop = await clubShop();
    const buyer = shop.user({ firstName: "Noa" });
    const { orderId, chargeId } = await subscribeToClub(shop, buyer);

    // The merchant refunds it with another tool, straight through the Bot API.
    const api = new Api(shop.telegram.token, { apiRoot: shop.telegram.apiRoot });
    await api.refundStarPayment(buyer.id, chargeId);
    await buyer.waitForText(`Order ${orderId} was refunded`);
    await orderReaches(shop, orderId, "refunded");
    await vi.waitFor(() =>
      expect(shop.telegram.state.subscriptions.get(chargeId)).toMatchObject({ canceled: true }),
    );
    // Its access ends with the refund too, a month before the period paid would have.
    expect(await shop.app.endSubscriptions()).toBe(1);
    await buyer.waitForText("Your subscription (order");
    shop.telegram.state.clock.advance(31 * DAY_MS);
    expect(shop.telegram.state.payments.size).toBe(1);
  });
});
