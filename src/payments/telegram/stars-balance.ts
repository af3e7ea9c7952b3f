import type { Api } from "grammy";
import type { StarAmount, StarTransaction, TransactionPartner } from "grammy/types";

/*
 * The bot's Stars, reconciled: Telegram's balance (getMyStarBalance) against the sum of its own
 * list of transactions (getStarTransactions), each kind of entry added up apart, and the Star
 * payments in that list the shop has no record of. A difference is named, never smoothed over.
 * Amounts are nanostars (a Star is 10⁹), as paid broadcasts cost fractions of a Star.
 */

const NANOSTARS = 1_000_000_000n;
const MAX_PAGE = 100;
/** A ledger longer than this is read no further by the admin's view. */
const MAX_PAGES = 200;

/** What each kind of entry added to (or took from) the balance, in nanostars. */
export interface StarsLedgerTotals {
  /** Buyers' invoice and subscription payments, net of affiliates' commissions. */
  payments: bigint;
  /** Refunds of buyers' payments (negative). */
  refunds: bigint;
  /** Fragment withdrawals (negative), pending ones included, and failed ones given back. */
  withdrawals: bigint;
  /** Withdrawals still pending at Fragment. */
  pendingWithdrawals: number;
  /** Stars spent on Telegram Ads (negative). */
  ads: bigint;
  /** Paid broadcasts, billed per message beyond the free limit (negative). */
  broadcasts: bigint;
  /** Commissions the bot earned as an affiliate. */
  commissions: bigint;
  /** Anything else: gifts, business transfers, entries Telegram does not describe. */
  other: bigint;
}

export interface StarsReconciliation {
  /** Telegram's balance, nanostars. */
  balance: bigint;
  /** The sum of every transaction, nanostars. */
  ledger: bigint;
  /** balance − ledger: zero when Telegram's two figures agree. */
  difference: bigint;
  totals: StarsLedgerTotals;
  /** Charge ids of buyers' payments in the ledger that the shop has not recorded. */
  unrecorded: string[];
  /** True when the list was longer than the view reads; totals then cover its start only. */
  truncated: boolean;
}

function nano(amount: { amount: number; nanostar_amount?: number }): bigint {
  return BigInt(amount.amount) * NANOSTARS + BigInt(amount.nanostar_amount ?? 0);
}

/** Adds one transaction to `totals`; `signed` is its effect on the balance. */
function add(totals: StarsLedgerTotals, partner: TransactionPartner, signed: bigint): void {
  switch (partner.type) {
    case "user":
      if (partner.transaction_type === "invoice_payment") {
        if (signed >= 0n) totals.payments += signed;
        else totals.refunds += signed;
      } else totals.other += signed;
      return;
    case "fragment":
      totals.withdrawals += signed;
      if (signed < 0n && partner.withdrawal_state?.type === "pending") totals.pendingWithdrawals++;
      return;
    case "telegram_ads":
      totals.ads += signed;
      return;
    case "telegram_api":
      totals.broadcasts += signed;
      return;
    case "affiliate_program":
      totals.commissions += signed;
      return;
    default:
      totals.other += signed;
  }
}

/**
 * Reconciles `transactions` (the whole list, oldest first) with `balance`. `recorded` says
 * whether the shop holds a buyer's payment by its charge id. Pure.
 */
export function reconcileStarsBalance(
  balance: StarAmount,
  transactions: readonly StarTransaction[],
  recorded: ReadonlySet<string>,
  truncated = false,
): StarsReconciliation {
  const totals: StarsLedgerTotals = {
    payments: 0n,
    refunds: 0n,
    withdrawals: 0n,
    pendingWithdrawals: 0,
    ads: 0n,
    broadcasts: 0n,
    commissions: 0n,
    other: 0n,
  };
  let ledger = 0n;
  // A refund carries its payment's id: a payment refunded is settled, recorded or not.
  const refunded = new Set(
    transactions.filter((tx) => tx.receiver?.type === "user").map((tx) => tx.id),
  );
  const unrecorded: string[] = [];
  for (const tx of transactions) {
    const incoming = tx.source !== undefined;
    const signed = incoming ? nano(tx) : -nano(tx);
    const partner = tx.source ?? tx.receiver;
    ledger += signed;
    if (!partner) {
      totals.other += signed;
      continue;
    }
    add(totals, partner, signed);
    const payment =
      incoming && partner.type === "user" && partner.transaction_type === "invoice_payment";
    if (payment && !recorded.has(tx.id) && !refunded.has(tx.id)) unrecorded.push(tx.id);
  }
  const total = nano(balance);
  return { balance: total, ledger, difference: total - ledger, totals, unrecorded, truncated };
}

/** Every transaction of the bot's, oldest first, up to MAX_PAGES pages; and whether it stopped. */
export async function readStarTransactions(
  api: Pick<Api, "getStarTransactions">,
): Promise<{ transactions: StarTransaction[]; truncated: boolean }> {
  const transactions: StarTransaction[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const { transactions: read } = await api.getStarTransactions({
      offset: transactions.length,
      limit: MAX_PAGE,
    });
    transactions.push(...read);
    if (read.length < MAX_PAGE) return { transactions, truncated: false };
  }
  return { transactions, truncated: true };
}
