import { paidOnChain } from "../catalog/catalog.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import { shortRef } from "../notices/unmatched.js";
import type { Order } from "../orders/order.js";
import { releaseOrder } from "../orders/state.js";
import type { OrderStore } from "../orders/store.js";
import { paymentLogFields } from "../payments/log-fields.js";
import type { PaymentsCore } from "../payments/record.js";
import {
  RefundRefused,
  type StarRefunds,
  type TelegramPayments,
} from "../payments/telegram/service.js";
import type { UnmatchedPayment, UnmatchedPayments } from "../payments/unmatched.js";
import type { AuditLog } from "./audit.js";
import { ordersCsv } from "./export.js";
import type { ShopReports } from "./reports.js";

const DAY_MS = 86_400_000;
/** How far back an export reaches. */
const EXPORT_DAYS = 30;

export type AttachResult =
  /** No single open unmatched payment by that reference, or no such order. */
  | { kind: "not-found" }
  | { kind: "wrong-currency"; currency: string }
  | { kind: "attached"; order: Order };

export type ReleaseResult =
  | { kind: "not-found" }
  | { kind: "not-held"; orderId: string }
  | { kind: "released"; orderId: string };

export type ResolveResult = { kind: "not-found" } | { kind: "resolved"; ref: string };

/** How a Stars payment's key begins: "stars:" and Telegram's charge id. */
const STARS_KEY = "stars:";

export type RefundResult =
  | { kind: "not-found" }
  /** Telegram gave the Stars back. `ref`: the order id, or the stray payment's reference. */
  | { kind: "refunded"; ref: string }
  /** One payment of an order given back; the order stands on the rest, `status` as it was. */
  | { kind: "payment-refunded"; ref: string; orderId: string; status: string }
  | { kind: "refused"; reason: string }
  /** TON cannot be pulled back: the merchant sends this from their wallet, to `to` (raw). */
  | { kind: "send-back"; ref: string; amount: bigint; currency: string; to?: string };

export interface OrdersExport {
  csv: string;
  from: number;
  to: number;
}

export interface AdminActionsOptions {
  store: OrderStore;
  payments: PaymentsCore;
  unmatched: UnmatchedPayments;
  reports: ShopReports;
  audit: AuditLog;
  telegramPayments: TelegramPayments;
  clock: Clock;
  log: Logger;
}

/**
 * What an admin can change from /admin — attach a stray payment to an order, release a held
 * one, close a stray payment, refund, export — each written to the audit log. Callers parse the
 * admin's input and word the result; nothing here knows about chats.
 */
export class AdminActions {
  constructor(private readonly options: AdminActionsOptions) {}

  /** An order by its id or its TON comment (as a buyer might type it). */
  async findOrder(query: string): Promise<Order | undefined> {
    const { store } = this.options;
    if (!query) return undefined;
    return (await store.get(query)) ?? (await store.findByComment(query));
  }

  /** Puts money that matched no order on `target`, through recordPayment like any payment. */
  async attach(adminId: number, ref: string, target: string): Promise<AttachResult> {
    const { payments, unmatched, audit, clock, log } = this.options;
    const payment = await this.findUnmatched(ref);
    const order = await this.findOrder(target);
    if (!payment || !order) return { kind: "not-found" };
    if (payment.currency !== order.currency) {
      return { kind: "wrong-currency", currency: order.currency };
    }
    const { reason: _, resolved: __, comment: ___, ...money } = payment;
    const { outcome, order: updated } = await payments.recordPayment(order.id, money);
    await unmatched.resolve(payment.key, { by: adminId, at: clock(), orderId: order.id });
    await audit.record({
      adminId,
      action: "attach",
      orderId: order.id,
      detail: { paymentKey: payment.key, outcome: outcome.kind },
    });
    log.info(
      { orderId: order.id, ...paymentLogFields(payment), paymentKey: payment.key },
      "admin attached a payment",
    );
    return { kind: "attached", order: updated };
  }

  /** Lets the goods go for a late payment held under LATE_PAYMENT_POLICY=hold. */
  async release(adminId: number, orderId: string): Promise<ReleaseResult> {
    const { store, audit } = this.options;
    const found = orderId ? await store.get(orderId) : undefined;
    if (!found) return { kind: "not-found" };
    const { changed } = await store.update(found.id, (order) => {
      const next = releaseOrder(order);
      return next && { order: next, effects: { fulfil: true } };
    });
    if (!changed) return { kind: "not-held", orderId: found.id };
    await audit.record({ adminId, action: "release", orderId: found.id });
    return { kind: "released", orderId: found.id };
  }

  /** Closes a stray payment the admin dealt with by hand, keeping its record. */
  async resolve(adminId: number, ref: string): Promise<ResolveResult> {
    const { unmatched, audit, clock } = this.options;
    const payment = await this.findUnmatched(ref);
    if (!payment) return { kind: "not-found" };
    await unmatched.resolve(payment.key, { by: adminId, at: clock() });
    await audit.record({ adminId, action: "resolve", detail: { paymentKey: payment.key } });
    return { kind: "resolved", ref: shortRef(payment.key) };
  }

  /**
   * Refunds an order, or a stray payment by its reference ("stars:…", "ton:…"). Stars go back
   * through Telegram; for TON and USDT the merchant is told what to send, and where, from their
   * wallet.
   */
  async refund(adminId: number, target: string, telegram: StarRefunds): Promise<RefundResult> {
    const { store, unmatched, audit, telegramPayments, clock } = this.options;
    const stray = target.includes(":") ? await this.findUnmatched(target) : undefined;
    const charge = stray?.reference?.telegramChargeId;
    if (stray && stray.method === "stars" && charge && stray.from) {
      await telegram.refundStarPayment(Number(stray.from), charge);
      await unmatched.resolve(stray.key, { by: adminId, at: clock() });
      await audit.record({ adminId, action: "refund", detail: { paymentKey: stray.key } });
      return { kind: "refunded", ref: shortRef(stray.key) };
    }
    if (stray) {
      await audit.record({ adminId, action: "refund-note", detail: { paymentKey: stray.key } });
      return {
        kind: "send-back",
        ref: shortRef(stray.key),
        amount: stray.amount,
        currency: stray.currency,
        to: stray.from,
      };
    }
    // One Stars payment of an order, by its key as /order shows it: a single period, say.
    const chargeOrder = target.startsWith(STARS_KEY)
      ? await store.orderIdByPayment(target)
      : undefined;
    const order = await store.get(chargeOrder ?? target);
    if (!order) return { kind: "not-found" };
    if (paidOnChain(order.method)) {
      await audit.record({ adminId, action: "refund-note", orderId: order.id });
      return {
        kind: "send-back",
        ref: order.id,
        amount: order.paid,
        currency: order.currency,
        to: order.payments.find((p) => p.from)?.from,
      };
    }
    const chargeId = chargeOrder ? target.slice(STARS_KEY.length) : undefined;
    let after: Order;
    try {
      after = await telegramPayments.refundStars(telegram, order.id, chargeId);
    } catch (error) {
      if (!(error instanceof RefundRefused)) throw error;
      return { kind: "refused", reason: error.message };
    }
    await audit.record({
      adminId,
      action: "refund",
      orderId: order.id,
      ...(chargeId ? { detail: { paymentKey: target } } : {}),
    });
    if (after.status !== "refunded") {
      return { kind: "payment-refunded", ref: target, orderId: order.id, status: after.status };
    }
    return { kind: "refunded", ref: order.id };
  }

  /** The last 30 days' orders and payments as CSV. */
  async exportOrders(adminId: number): Promise<OrdersExport> {
    const { reports, audit, clock } = this.options;
    const to = clock();
    const from = to - EXPORT_DAYS * DAY_MS;
    const csv = await ordersCsv(reports, from, to);
    await audit.record({ adminId, action: "export", detail: { from, to } });
    return { csv, from, to };
  }

  /** An open unmatched payment by the start of its key, as the exceptions view shows it. */
  private async findUnmatched(ref: string): Promise<UnmatchedPayment | undefined> {
    if (ref.length < 6) return undefined;
    const open = await this.options.unmatched.list(500);
    const found = open.filter((p) => p.key.startsWith(ref) || shortRef(p.key) === ref);
    return found.length === 1 ? found[0] : undefined;
  }
}
