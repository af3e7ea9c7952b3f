import type {
  RevenueWithdrawalState,
  StarAmount,
  StarTransaction,
  TransactionPartner,
} from "grammy/types";
import type { EmulatorClock } from "./clock.js";
import { randomToken } from "./state.js";

const NANOSTARS = 1_000_000_000n;

/** An amount in whole Stars and nanostars, as StarAmount and StarTransaction write it. */
function starAmount(nanostars: bigint): { amount: number; nanostar_amount?: number } {
  // Telegram keeps both parts of one sign: −0.5 is amount 0, nanostar_amount −500000000.
  const amount = nanostars / NANOSTARS;
  const nano = nanostars % NANOSTARS;
  return nano === 0n
    ? { amount: Number(amount) }
    : { amount: Number(amount), nanostar_amount: Number(nano) };
}

/**
 * The bot's Stars at Telegram: its balance and the ledger getStarTransactions lists, written
 * together so the two always agree, as they do at Telegram. Besides buyers' payments and refunds
 * (which the payment methods write), a test can make the other entries a real bot sees:
 * withdrawals to Fragment that stay pending and then succeed or fail, Telegram Ads top-ups, paid
 * broadcasts, affiliate commissions and entries Telegram does not describe.
 */
export class BotStars {
  private nanostars = 0n;
  /** Oldest first, as getStarTransactions lists them. */
  readonly transactions: StarTransaction[] = [];

  constructor(private readonly clock: EmulatorClock) {}

  /** The balance in whole Stars, rounded toward zero. */
  get balance(): number {
    return Number(this.nanostars / NANOSTARS);
  }

  /** getMyStarBalance's answer: nanostar_amount only when it is not zero. */
  starAmount(): StarAmount {
    return starAmount(this.nanostars);
  }

  /** Stars in, from `source`, under `id` (a payment's charge id, say). */
  credit(id: string, source: TransactionPartner, stars: number, nanostars = 0): StarTransaction {
    return this.write(id, { source }, BigInt(stars) * NANOSTARS + BigInt(nanostars), 1n);
  }

  /** Stars out, to `receiver`, under `id` (a refund keeps its payment's id). */
  debit(id: string, receiver: TransactionPartner, stars: number, nanostars = 0): StarTransaction {
    return this.write(id, { receiver }, BigInt(stars) * NANOSTARS + BigInt(nanostars), -1n);
  }

  /**
   * A withdrawal to Fragment, pending until `settleWithdrawal`: the Stars leave the balance at
   * once, as they do when the owner starts one.
   */
  withdraw(stars: number): string {
    const id = `wd_${randomToken(12)}`;
    this.debit(id, { type: "fragment", withdrawal_state: { type: "pending" } }, stars);
    return id;
  }

  /**
   * Ends a pending withdrawal. One that succeeded says when and where; one that failed gives its
   * Stars back under the same id, as a credit from Fragment.
   */
  settleWithdrawal(id: string, outcome: "succeeded" | "failed"): void {
    const entry = this.transactions.find((tx) => tx.id === id && tx.receiver?.type === "fragment");
    if (entry?.receiver?.type !== "fragment") throw new Error(`no withdrawal ${id}`);
    if (entry.receiver.withdrawal_state?.type !== "pending") {
      throw new Error(`withdrawal ${id} is settled already`);
    }
    const state: RevenueWithdrawalState =
      outcome === "succeeded"
        ? {
            type: "succeeded",
            date: this.clock.unixNow(),
            url: `https://fragment.com/tx/${randomToken(16)}`,
          }
        : { type: "failed" };
    entry.receiver = { type: "fragment", withdrawal_state: state };
    if (outcome === "failed") this.credit(id, { type: "fragment" }, entry.amount);
  }

  /** Stars spent on Telegram Ads. */
  spendOnAds(stars: number): string {
    const id = `ads_${randomToken(12)}`;
    this.debit(id, { type: "telegram_ads" }, stars);
    return id;
  }

  /**
   * Paid broadcasts: `requestCount` messages beyond the free limit, at 0.1 Star each as the
   * Bot API documents; a fraction of a Star is written in nanostars.
   */
  payBroadcast(requestCount: number): string {
    const id = `api_${randomToken(12)}`;
    const nanostars = BigInt(requestCount) * (NANOSTARS / 10n);
    this.write(
      id,
      { receiver: { type: "telegram_api", request_count: requestCount } },
      nanostars,
      -1n,
    );
    return id;
  }

  /** A commission the bot earned as an affiliate of another bot's program. */
  earnCommission(stars: number, commissionPerMille: number): string {
    const id = `aff_${randomToken(12)}`;
    this.credit(id, { type: "affiliate_program", commission_per_mille: commissionPerMille }, stars);
    return id;
  }

  /** An entry Telegram does not describe further, either way. */
  other(stars: number): string {
    const id = `oth_${randomToken(12)}`;
    if (stars >= 0) this.credit(id, { type: "other" }, stars);
    else this.debit(id, { type: "other" }, -stars);
    return id;
  }

  private write(
    id: string,
    partner: { source: TransactionPartner } | { receiver: TransactionPartner },
    nanostars: bigint,
    sign: 1n | -1n,
  ): StarTransaction {
    if (nanostars < 0n) throw new Error("a transaction's amount is never negative");
    this.nanostars += sign * nanostars;
    const tx = {
      id,
      ...starAmount(nanostars),
      date: this.clock.unixNow(),
      ...partner,
    } as StarTransaction;
    this.transactions.push(tx);
    return tx;
  }
}
