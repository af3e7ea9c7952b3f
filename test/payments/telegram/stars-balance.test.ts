import type { StarTransaction, User } from "grammy/types";
import { describe, expect, it } from "vitest";
import { reconcileStarsBalance } from "../../../src/payments/telegram/stars-balance.js";

const buyer: User = { id: 42, is_bot: false, first_name: "Ada" };
const payment = (id: string, amount: number, extra = {}): StarTransaction => ({
  id,
  date: 1_800_000_000,
  source: {
    type: "user",
    transaction_type: "invoice_payment",
    user: buyer,
    invoice_payload: `ord_${id}`,
    ...extra,
  },
  amount,
});

/** A bot's ledger with every kind of entry Telegram lists, as getStarTransactions gives it. */
const ledger: StarTransaction[] = [
  payment("c1", 250, { subscription_period: 2_592_000 }),
  payment("c2", 150),
  payment("c3", 100),
  // c2 refunded: the refund carries the payment's id, and the user as receiver.
  {
    id: "c2",
    date: 1_800_000_100,
    receiver: {
      type: "user",
      transaction_type: "invoice_payment",
      user: buyer,
      invoice_payload: "ord_c2",
    },
    amount: 150,
  },
  {
    id: "w1",
    date: 1_800_000_200,
    receiver: {
      type: "fragment",
      withdrawal_state: { type: "succeeded", date: 1, url: "https://fragment.com/tx/w1" },
    },
    amount: 50,
  },
  {
    id: "w2",
    date: 1_800_000_300,
    receiver: { type: "fragment", withdrawal_state: { type: "pending" } },
    amount: 20,
  },
  // A failed withdrawal: its Stars come back under the same id.
  {
    id: "w3",
    date: 1_800_000_400,
    receiver: { type: "fragment", withdrawal_state: { type: "failed" } },
    amount: 10,
  },
  { id: "w3", date: 1_800_000_500, source: { type: "fragment" }, amount: 10 },
  { id: "ads1", date: 1_800_000_600, receiver: { type: "telegram_ads" }, amount: 30 },
  {
    id: "api1",
    date: 1_800_000_700,
    receiver: { type: "telegram_api", request_count: 3 },
    amount: 0,
    nanostar_amount: 300_000_000,
  },
  {
    id: "aff1",
    date: 1_800_000_800,
    source: { type: "affiliate_program", commission_per_mille: 100 },
    amount: 5,
  },
  { id: "x1", date: 1_800_000_900, source: { type: "other" }, amount: 1 },
];

const STAR = 1_000_000_000n;

describe("the bot's Stars reconciled", () => {
  it("adds each kind of entry up apart, and finds the balance equal to the ledger", () => {
    // 250 + 150 + 100 − 150 − 50 − 20 − 10 + 10 − 30 − 0.3 + 5 + 1 = 255.7
    const report = reconcileStarsBalance(
      { amount: 255, nanostar_amount: 700_000_000 },
      ledger,
      new Set(["c1", "c3"]),
    );
    expect(report.totals).toEqual({
      payments: 500n * STAR,
      refunds: -150n * STAR,
      withdrawals: -70n * STAR,
      pendingWithdrawals: 1,
      ads: -30n * STAR,
      broadcasts: -300_000_000n,
      commissions: 5n * STAR,
      other: 1n * STAR,
    });
    expect(report.ledger).toBe(255n * STAR + 700_000_000n);
    expect(report.difference).toBe(0n);
    // c2 is unrecorded but refunded: settled.
    expect(report.unrecorded).toEqual([]);
  });

  it("names a balance that differs from the ledger, and payments the shop has no record of", () => {
    const report = reconcileStarsBalance({ amount: 250 }, ledger, new Set(["c3"]));
    expect(report.difference).toBe(-5n * STAR - 700_000_000n);
    expect(report.unrecorded).toEqual(["c1"]);
  });

  it("reads a negative balance as Telegram writes it", () => {
    const report = reconcileStarsBalance(
      { amount: 0, nanostar_amount: -500_000_000 },
      [
        {
          id: "api1",
          date: 1,
          receiver: { type: "telegram_api", request_count: 5 },
          amount: 0,
          nanostar_amount: 500_000_000,
        },
      ],
      new Set(),
    );
    expect(report.balance).toBe(-500_000_000n);
    expect(report.difference).toBe(0n);
  });
});
