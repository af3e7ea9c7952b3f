import type { Api } from "grammy";
import type { StarTransaction, TransactionPartner, TransactionPartnerUser } from "grammy/types";
import type { Logger } from "../../log.js";
import type { OrderStore } from "../../orders/store.js";
import type { RedisClient } from "../../redis/client.js";
import { redisKeys } from "../../redis/keys.js";
import type { UnmatchedPayments } from "../unmatched.js";
import type { TelegramPayments } from "./service.js";

/*
 * Telegram lists a bot's Star transactions oldest first, and `offset` counts from the oldest, so
 * "the last six hours" cannot be read without paging the whole history on every pass. A cursor
 * in Redis keeps instead how many transactions were handled. Each pass reads on from a little
 * before it (re-reading is harmless: every step is idempotent) to the newest, and moves it only
 * once everything read is recorded, so a failed call or a crash leaves it where it was. The first
 * pass starts at the oldest but recovers only the last week's payments: older history was
 * settled long ago, by its update or by hand, and must not come back as fresh alerts.
 */

const STARS = "XTR";
const NANOSTARS = 1_000_000_000n;
/** The most the Bot API lists per call. */
const MAX_PAGE = 100;
/** Transactions before the cursor read again, in case two of one second come back swapped. */
const REREAD = 10;
const FIRST_WINDOW_MS = 7 * 24 * 60 * 60_000;

/** What one pass found; the counts are of what it newly recorded. */
export interface StarsReconcileResult {
  /** Transactions read. */
  scanned: number;
  /** Payments put on their orders that no update had recorded. */
  recovered: number;
  /** Payments whose payload names no order, kept for the admin. */
  unmatched: number;
  /** Orders marked refunded whose refund no update had reported. */
  refunded: number;
}

interface LedgerCursor {
  /** Transactions, oldest first, that are handled. */
  offset: number;
  /** Payments older than this (ms since epoch) are history and never recovered. */
  sinceMs: number;
}

export interface StarsLedgerOptions {
  /** The bot's API; the cursor belongs to its bot. */
  api: Api;
  redis: RedisClient;
  prefix: string;
  store: OrderStore;
  unmatched: UnmatchedPayments;
  /** Payments and refunds go through the same calls as their updates. */
  telegramPayments: TelegramPayments;
  /** Transactions per getStarTransactions call, at most 100. */
  pageSize?: number;
  /** How far back the first pass recovers payments. */
  firstWindowMs?: number;
  log: Logger;
}

/**
 * Reconciles the shop with Telegram's own record of the bot's Stars (DESIGN §6): a payment whose
 * successful_payment update was lost is recorded from the ledger as if the update had come, and
 * a refund whose refunded_payment update was lost marks its order refunded.
 */
export class StarsLedger {
  private readonly cursorKey: string;
  private readonly pageSize: number;

  constructor(private readonly options: StarsLedgerOptions) {
    const botId = options.api.token.split(":")[0] ?? "bot";
    this.cursorKey = redisKeys(options.prefix).starsLedgerCursor(botId);
    this.pageSize = Math.min(Math.max(options.pageSize ?? MAX_PAGE, 1), MAX_PAGE);
  }

  async reconcile(): Promise<StarsReconcileResult> {
    const cursor = await this.readCursor();
    const start = Math.max(0, cursor.offset - REREAD);
    const transactions = await this.readFrom(start);
    // A payment refunded before anyone recorded it owes the buyer nothing: it is not recorded.
    const refunds = new Set(
      transactions.filter((tx) => invoicePartner(tx.receiver)).map((tx) => tx.id),
    );
    const result: StarsReconcileResult = {
      scanned: transactions.length,
      recovered: 0,
      unmatched: 0,
      refunded: 0,
    };
    for (const tx of transactions) {
      if (tx.date * 1000 < cursor.sinceMs) continue;
      const source = invoicePartner(tx.source);
      const receiver = invoicePartner(tx.receiver);
      if (source) {
        const outcome = await this.payment(tx, source, refunds.has(tx.id));
        if (outcome === "recovered") result.recovered++;
        if (outcome === "unmatched") result.unmatched++;
      } else if (receiver && (await this.refund(tx))) {
        result.refunded++;
      }
    }
    await this.options.redis.set(
      this.cursorKey,
      JSON.stringify({ offset: start + transactions.length, sinceMs: cursor.sinceMs }),
    );
    return result;
  }

  /** Every transaction from `offset` to the newest; any failed call fails the pass. */
  private async readFrom(offset: number): Promise<StarTransaction[]> {
    const read: StarTransaction[] = [];
    for (;;) {
      const { transactions } = await this.options.api.getStarTransactions({
        offset: offset + read.length,
        limit: this.pageSize,
      });
      read.push(...transactions);
      if (transactions.length < this.pageSize) return read;
    }
  }

  private async payment(
    tx: StarTransaction,
    partner: TransactionPartnerUser,
    refunded: boolean,
  ): Promise<"known" | "recovered" | "unmatched"> {
    const { store, unmatched, telegramPayments, log } = this.options;
    const key = `stars:${tx.id}`;
    if ((await store.orderIdByPayment(key)) !== undefined || (await unmatched.has(key))) {
      return "known";
    }
    if (refunded) {
      log.info(
        { chargeId: tx.id, orderId: partner.invoice_payload },
        "a Stars payment was refunded before it was recorded; nothing to recover",
      );
      return "known";
    }
    const recorded = await telegramPayments.successfulPayment(
      partner.user,
      {
        currency: STARS,
        total_amount: paidByBuyer(tx, partner),
        invoice_payload: partner.invoice_payload ?? "",
        telegram_payment_charge_id: tx.id,
        provider_payment_charge_id: "",
        // The ledger gives a subscription's period but not its end: Telegram charges as the
        // period starts, so it ends a period after the charge.
        ...(partner.subscription_period
          ? { subscription_expiration_date: tx.date + partner.subscription_period }
          : {}),
      },
      { receivedAt: tx.date * 1000, recovered: "stars-ledger" },
    );
    if (!recorded) return "unmatched";
    if (recorded.outcome.kind === "duplicate") return "known";
    log.warn(
      { orderId: recorded.order.id, chargeId: tx.id, outcome: recorded.outcome.kind },
      "recovered a Stars payment whose update never reached the bot",
    );
    return "recovered";
  }

  /** Marks the order of a refunded charge refunded, if it is paid; true when it did. */
  private async refund(tx: StarTransaction): Promise<boolean> {
    const { store, telegramPayments, log } = this.options;
    const orderId = await store.orderIdByPayment(`stars:${tx.id}`);
    // Its payment was never recorded (it was refunded first), so no order holds it.
    if (orderId === undefined) return false;
    const order = await store.get(orderId);
    if (order?.status !== "paid" && order?.status !== "fulfilled") return false;
    // Kept already on its payment, the order standing on the others: nothing was missed.
    const key = `stars:${tx.id}`;
    if (order.payments.find((p) => p.key === key)?.refundedAt !== undefined) return false;
    // The payload names the order, as in every invoice the shop sends.
    const marked = await telegramPayments.refunded(
      {
        currency: STARS,
        total_amount: tx.amount,
        invoice_payload: orderId,
        telegram_payment_charge_id: tx.id,
      },
      this.options.api,
    );
    // Refunded whole, or (money the order did not stand on) kept on its payment alone.
    const payment = marked?.payments.find((p) => p.key === key);
    if (payment?.refundedAt === undefined) return false;
    log.warn(
      { orderId, chargeId: tx.id },
      "recovered a Stars refund whose update never reached the bot",
    );
    return true;
  }

  private async readCursor(): Promise<LedgerCursor> {
    const stored = await this.options.redis.get(this.cursorKey);
    if (stored !== null) return JSON.parse(stored) as LedgerCursor;
    const window = this.options.firstWindowMs ?? FIRST_WINDOW_MS;
    return { offset: 0, sinceMs: this.options.store.now() - window };
  }
}

/** The buyer of an invoice payment (incoming) or of its refund (outgoing); undefined for any other. */
function invoicePartner(partner: TransactionPartner | undefined) {
  return partner?.type === "user" && partner.transaction_type === "invoice_payment"
    ? partner
    : undefined;
}

/**
 * What the buyer paid, in whole Stars: the bot's share plus the commission an affiliate took out
 * of it, as successful_payment's total_amount says.
 */
export function paidByBuyer(tx: StarTransaction, partner: TransactionPartnerUser): number {
  const nanostars = (stars: number, nano = 0) => BigInt(stars) * NANOSTARS + BigInt(nano);
  const affiliate = partner.affiliate;
  const total =
    nanostars(tx.amount, tx.nanostar_amount) +
    (affiliate ? nanostars(affiliate.amount, affiliate.nanostar_amount) : 0n);
  return Number((total + NANOSTARS / 2n) / NANOSTARS);
}
