import type { TelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import type { Api } from "grammy";
import type { BotSubscriptionUpdated, SuccessfulPayment } from "grammy/types";
import { describe, expect, it } from "vitest";
import { failureOf } from "./failure.js";
import { defined, startEmulator, startPollingBot, waitUntil } from "./harness.js";

/*
 * Stars subscriptions as Telegram runs them: a subscription invoice link, renewals charged by
 * Telegram when its clock passes the end of a period, cancel and re-enable in the user's
 * settings (each a `subscription` update), renewals that fail for want of Stars, the bot's own
 * editUserStarSubscription, and a Stars ledger that getMyStarBalance and getStarTransactions
 * read alike.
 */

const DAY_MS = 86_400_000;
const PERIOD = 2_592_000;

/** A bot that says yes at checkout and keeps its payments and subscription updates. */
async function startShop(emulator: TelegramEmulator) {
  const payments: SuccessfulPayment[] = [];
  const changes: BotSubscriptionUpdated[] = [];
  await startPollingBot(emulator, (bot) => {
    bot.on("pre_checkout_query", (ctx) => ctx.answerPreCheckoutQuery(true));
    bot.on("message:successful_payment", (ctx) => {
      payments.push(ctx.message.successful_payment);
    });
    bot.on("subscription", (ctx) => {
      changes.push(ctx.update.subscription);
    });
  });
  return { payments, changes };
}

async function subscribe(api: Api, emulator: TelegramEmulator, stars?: number) {
  const link = await api.createInvoiceLink(
    "Club",
    "Monthly notes",
    "club:1",
    "",
    "XTR",
    [{ label: "Club", amount: 250 }],
    { subscription_period: PERIOD },
  );
  const alice = emulator.user({ firstName: "Alice" });
  if (stars !== undefined) alice.setStars(stars);
  const paid = await alice.payInvoiceLink(link);
  return { alice, paid, chargeId: defined(paid.chargeId, "the first charge") };
}

describe("Stars subscriptions", () => {
  it("charges the first period, then renews at each period's end as the clock passes it", async () => {
    const { emulator, api } = await startEmulator();
    const shop = await startShop(emulator);
    const start = emulator.state.clock.unixNow();
    const { alice, chargeId } = await subscribe(api, emulator, 600);
    await waitUntil(() => shop.payments.length === 1, "the first payment");
    expect(shop.payments[0]).toMatchObject({
      currency: "XTR",
      total_amount: 250,
      invoice_payload: "club:1",
      is_recurring: true,
      is_first_recurring: true,
      telegram_payment_charge_id: chargeId,
    });
    const firstEnd = defined(shop.payments[0]?.subscription_expiration_date, "the first end");
    expect(firstEnd - start).toBeGreaterThanOrEqual(PERIOD);
    expect(firstEnd - start).toBeLessThanOrEqual(PERIOD + 5);

    // 29 days: nothing yet.
    emulator.state.clock.advance(29 * DAY_MS);
    expect(emulator.state.payments.size).toBe(1);
    // 31 days: renewed once, from the user's Stars, with a charge of its own.
    emulator.state.clock.advance(2 * DAY_MS);
    await waitUntil(() => shop.payments.length === 2, "the renewal");
    const renewal = defined(shop.payments[1], "the renewal");
    expect(renewal).toMatchObject({
      total_amount: 250,
      invoice_payload: "club:1",
      is_recurring: true,
    });
    expect(renewal.is_first_recurring).toBeUndefined();
    expect(renewal.telegram_payment_charge_id).not.toBe(chargeId);
    expect(renewal.subscription_expiration_date).toBe(firstEnd + PERIOD);
    expect(alice.stars).toBe(100);
    expect((await api.getMyStarBalance()).amount).toBe(500);

    // The renewal's service message is dated by Telegram's clock, 31 days on.
    const messages = emulator.state.messages(alice.id).filter((m) => m.message.successful_payment);
    expect(defined(messages[1], "its message").date).toBeGreaterThanOrEqual(start + 31 * 86_400);

    // A charge id of a renewal is not the subscription's name.
    const wrong = await failureOf(
      api.editUserStarSubscription(alice.id, renewal.telegram_payment_charge_id, true),
    );
    expect(wrong).toMatchObject({ error_code: 400, description: "Bad Request: CHARGE_ID_INVALID" });
  });

  it("tells the bot when a renewal fails for want of Stars, and charges nothing", async () => {
    const { emulator, api } = await startEmulator();
    const shop = await startShop(emulator);
    const { alice } = await subscribe(api, emulator, 300);
    await waitUntil(() => shop.payments.length === 1, "the first payment");

    emulator.state.clock.advance(31 * DAY_MS);
    await waitUntil(() => shop.changes.length === 1, "the failure");
    expect(shop.changes[0]).toEqual({
      user: alice.user,
      invoice_payload: "club:1",
      state: "failed",
    });
    emulator.state.clock.advance(31 * DAY_MS);
    expect(shop.payments).toHaveLength(1);
    expect(alice.stars).toBe(50);
    expect((await api.getMyStarBalance()).amount).toBe(250);
  });

  it("hears the user cancel and re-enable in Telegram, and ends a canceled one quietly", async () => {
    const { emulator, api } = await startEmulator();
    const shop = await startShop(emulator);
    const { alice, chargeId } = await subscribe(api, emulator);
    await waitUntil(() => shop.payments.length === 1, "the first payment");

    alice.cancelSubscription(chargeId);
    alice.reenableSubscription(chargeId);
    await waitUntil(() => shop.changes.length === 2, "two changes");
    expect(shop.changes.map((c) => c.state)).toEqual(["canceled", "active"]);
    emulator.state.clock.advance(31 * DAY_MS);
    await waitUntil(() => shop.payments.length === 2, "the renewal");

    alice.cancelSubscription(chargeId);
    emulator.state.clock.advance(31 * DAY_MS);
    await waitUntil(() => shop.changes.length === 3, "the cancel");
    // Let the bot take whatever else there is; there is no renewal and no further update.
    await waitUntil(() => emulator.state.queue.size === 0, "an empty queue");
    expect(shop.payments).toHaveLength(2);
    expect(shop.changes).toHaveLength(3);
    expect(() => alice.reenableSubscription(chargeId)).toThrow(/has ended/);
  });

  it("lets the bot stop a renewal, which the user cannot undo until the bot allows it", async () => {
    const { emulator, api } = await startEmulator();
    const shop = await startShop(emulator);
    const { alice, chargeId } = await subscribe(api, emulator);
    await waitUntil(() => shop.payments.length === 1, "the first payment");

    expect(await api.editUserStarSubscription(alice.id, chargeId, true)).toBe(true);
    expect(() => alice.reenableSubscription(chargeId)).toThrow(/the bot canceled/);
    // The bot's undo only lets the user turn renewal on again.
    expect(await api.editUserStarSubscription(alice.id, chargeId, false)).toBe(true);
    expect(emulator.state.subscriptions.get(chargeId)).toMatchObject({ canceled: true });
    alice.reenableSubscription(chargeId);
    emulator.state.clock.advance(31 * DAY_MS);
    await waitUntil(() => shop.payments.length === 2, "the renewal");
    // What the bot did itself is no update; what the user did is.
    expect(shop.changes.map((c) => c.state)).toEqual(["active"]);

    const stranger = emulator.user();
    const refused = await failureOf(api.editUserStarSubscription(stranger.id, chargeId, true));
    expect(refused).toMatchObject({
      error_code: 400,
      description: "Bad Request: CHARGE_ID_INVALID",
    });
    const badUser = await failureOf(api.editUserStarSubscription(0, chargeId, true));
    expect(badUser).toMatchObject({ description: "Bad Request: invalid user_id specified" });

    // is_canceled read as the server's to_bool reads it: "yes" in any case, spaces around.
    const edit = (value: string) =>
      api.raw.editUserStarSubscription({
        user_id: alice.id,
        telegram_payment_charge_id: chargeId,
        is_canceled: value as unknown as boolean,
      });
    await edit(" Yes ");
    expect(emulator.state.subscriptions.get(chargeId)).toMatchObject({ botCanceled: true });
    await edit("no");
    expect(emulator.state.subscriptions.get(chargeId)).toMatchObject({ botCanceled: false });
  });

  it("keeps the ledger and the balance in step through every kind of entry", async () => {
    const { emulator, api } = await startEmulator();
    const shop = await startShop(emulator);
    const { alice, chargeId } = await subscribe(api, emulator);
    await waitUntil(() => shop.payments.length === 1, "the first payment");
    emulator.state.clock.advance(31 * DAY_MS);
    await waitUntil(() => shop.payments.length === 2, "the renewal");
    const renewal = defined(shop.payments[1], "the renewal").telegram_payment_charge_id;
    await api.refundStarPayment(alice.id, renewal);

    const stars = emulator.state.stars;
    const done = stars.withdraw(100);
    const pending = stars.withdraw(50);
    const failed = stars.withdraw(30);
    stars.settleWithdrawal(done, "succeeded");
    stars.settleWithdrawal(failed, "failed");
    stars.spendOnAds(20);
    stars.payBroadcast(3);
    stars.earnCommission(7, 100);
    expect(() => stars.settleWithdrawal(done, "failed")).toThrow(/settled already/);

    // 250 + 250 − 250 − 100 − 50 − 30 + 30 − 20 − 0.3 + 7 = 86.7
    expect(await api.getMyStarBalance()).toEqual({ amount: 86, nanostar_amount: 700_000_000 });
    const { transactions } = await api.getStarTransactions();
    const signed = transactions.reduce(
      (sum, tx) =>
        sum + (tx.source ? 1 : -1) * (tx.amount * 1_000_000_000 + (tx.nanostar_amount ?? 0)),
      0,
    );
    expect(signed).toBe(86_700_000_000);
    const period = { subscription_period: PERIOD };
    expect(transactions.map((tx) => [tx.id, tx.source?.type ?? `→${tx.receiver?.type}`])).toEqual([
      [chargeId, "user"],
      [renewal, "user"],
      [renewal, "→user"],
      [done, "→fragment"],
      [pending, "→fragment"],
      [failed, "→fragment"],
      [failed, "fragment"],
      [expect.stringMatching(/^ads_/), "→telegram_ads"],
      [expect.stringMatching(/^api_/), "→telegram_api"],
      [expect.stringMatching(/^aff_/), "affiliate_program"],
    ]);
    expect(transactions[1]?.source).toMatchObject(period);
    expect(transactions[3]?.receiver).toMatchObject({
      withdrawal_state: {
        type: "succeeded",
        url: expect.stringMatching(/^https:\/\/fragment\.com\//),
      },
    });
    expect(transactions[4]?.receiver).toEqual({
      type: "fragment",
      withdrawal_state: { type: "pending" },
    });
    expect(transactions[5]?.receiver).toEqual({
      type: "fragment",
      withdrawal_state: { type: "failed" },
    });
    expect(transactions[8]).toMatchObject({
      amount: 0,
      nanostar_amount: 300_000_000,
      receiver: { type: "telegram_api", request_count: 3 },
    });
  });

  it("refuses a subscription period other than 30 days, or outside Stars", async () => {
    const { api } = await startEmulator();
    const week = await failureOf(
      api.createInvoiceLink("Club", "Notes", "club:1", "", "XTR", [{ label: "Club", amount: 1 }], {
        subscription_period: 604_800,
      }),
    );
    expect(week).toMatchObject({ error_code: 400 });
  });
});
