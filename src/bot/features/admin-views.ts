import type { StarAmount, StarTransaction } from "grammy/types";
import { periodsOf } from "../../admin/export.js";
import { formatUnits } from "../../catalog/units.js";
import { escapeHtml, formatPrice, formatTime } from "../../notices/format.js";
import { shortRef } from "../../notices/unmatched.js";
import type { Order, Payment } from "../../orders/order.js";
import {
  readStarTransactions,
  reconcileStarsBalance,
} from "../../payments/telegram/stars-balance.js";
import type { WatcherHealthState } from "../../payments/ton/health.js";
import { explorerTxLink } from "../../payments/ton/links.js";
import type { UnmatchedPayment } from "../../payments/unmatched.js";
import { ageOf } from "../../support/tickets.js";
import type { BotContext } from "../context.js";
import { localized } from "../i18n.js";
import type { AdminServices } from "../services.js";

const DAY = 86_400_000;
const LIST = 5;
const TICKETS = 15;

/** The text of each /admin view, read from the shop as it stands. */
export type AdminView = (ctx: BotContext, services: AdminServices) => Promise<string>;

export const balances: AdminView = async (ctx, services) => {
  const [ton, usdt, stars, ledger, pending] = await Promise.all([
    services.toncenter.getBalance(services.merchantAddress).catch(() => undefined),
    services.usdtBalance?.().catch(() => null),
    ctx.api.getMyStarBalance().catch(() => undefined),
    readStarTransactions(ctx.api).catch(() => undefined),
    services.reports.pendingTotals(),
  ]);
  const lines = [
    ctx.t("admin-balances-title"),
    ctx.t("admin-balance-ton", {
      amount: ton === undefined ? "?" : formatPrice(ton, "TON"),
    }),
  ];
  // undefined: the shop sells no USDT; null: our jetton wallet could not be read.
  if (usdt !== undefined) {
    lines.push(
      ctx.t("admin-balance-usdt", { amount: usdt === null ? "?" : formatPrice(usdt, "USDT") }),
    );
  }
  lines.push(
    ctx.t("admin-balance-stars", {
      amount: stars === undefined ? "?" : formatPrice(BigInt(stars.amount), "XTR"),
    }),
  );
  if (stars && ledger) lines.push(...(await starsLedgerLines(ctx, services, stars, ledger)));
  for (const row of pending) {
    lines.push(
      ctx.t("admin-pending-line", {
        amount: formatPrice(row.amount, row.currency),
        orders: row.orders,
      }),
    );
  }
  return lines.join("\n");
};

/** Stars in nanostars, as "12.5 ⭐": paid broadcasts cost fractions of a Star. */
const inStars = (nanostars: bigint) => `${formatUnits(nanostars, 9)} ⭐`;

/**
 * The bot's Stars reconciled: the ledger's entries by kind, whether Telegram's balance matches
 * them, and the buyers' payments in it that the shop has no record of.
 */
async function starsLedgerLines(
  ctx: BotContext,
  services: AdminServices,
  balance: StarAmount,
  ledger: { transactions: StarTransaction[]; truncated: boolean },
): Promise<string[]> {
  const charges = ledger.transactions.filter((tx) => tx.source?.type === "user").map((tx) => tx.id);
  const recorded = await services.starsRecorded(charges);
  const report = reconcileStarsBalance(balance, ledger.transactions, recorded, ledger.truncated);
  const { totals } = report;
  const lines = [
    ctx.t("admin-stars-ledger", {
      payments: inStars(totals.payments),
      refunds: inStars(totals.refunds),
      withdrawals: inStars(totals.withdrawals),
      pending: totals.pendingWithdrawals,
      ads: inStars(totals.ads),
      broadcasts: inStars(totals.broadcasts),
      commissions: inStars(totals.commissions),
      other: inStars(totals.other),
    }),
    report.difference === 0n
      ? ctx.t("admin-stars-match")
      : ctx.t("admin-stars-differs", { difference: inStars(report.difference) }),
  ];
  if (report.unrecorded.length > 0) {
    lines.push(
      ctx.t("admin-stars-unrecorded", {
        count: report.unrecorded.length,
        ids: escapeHtml(report.unrecorded.slice(0, 5).join(", ")),
      }),
    );
  }
  if (report.truncated) lines.push(ctx.t("admin-stars-truncated"));
  return lines;
}

export const sales: AdminView = async (ctx, services) => {
  const now = services.clock();
  const midnight = now - (now % DAY);
  const lines = [ctx.t("admin-sales-title")];
  for (const [label, from] of [
    [ctx.t("admin-period-today"), midnight],
    [ctx.t("admin-period-7d"), now - 7 * DAY],
    [ctx.t("admin-period-30d"), now - 30 * DAY],
  ] as const) {
    const figures = await services.reports.sales(from, now);
    const revenue =
      figures.revenue.map((r) => formatPrice(r.amount, r.currency)).join(" + ") || "—";
    lines.push(
      "",
      ctx.t("admin-sales-period", {
        period: label,
        created: figures.created,
        paid: figures.paid,
        conversion: Math.round(figures.conversion * 100),
        revenue,
      }),
    );
    const locale = await ctx.i18n.getLocale();
    const top = figures.topProducts.map((p) => {
      const product = services.catalog.find(p.productId);
      return `${escapeHtml(product ? localized(product.title, locale) : p.productId)} × ${p.quantity}`;
    });
    if (top.length > 0) lines.push(ctx.t("admin-sales-top", { products: top.join(", ") }));
  }
  // This calendar month, in UTC, for subscriptions: they are paid by the month.
  const date = new Date(now);
  const month = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
  const subscriptions = await services.subscriptions.stats(month);
  if (subscriptions.total > 0) {
    const locale = await ctx.i18n.getLocale();
    const products = subscriptions.active.map(({ productId, count }) => {
      const product = services.catalog.find(productId);
      return `${escapeHtml(product ? localized(product.title, locale) : productId)} × ${count}`;
    });
    lines.push(
      "",
      ctx.t("admin-subscriptions", {
        active: subscriptions.active.reduce((sum, { count }) => sum + count, 0),
        products: products.join(", ") || "—",
        monthly: formatPrice(subscriptions.monthlyStars, "XTR"),
        renewals: subscriptions.renewals,
        cancellations: subscriptions.cancellations,
      }),
    );
  }
  return lines.join("\n");
};

export const orders: AdminView = async (ctx, services) => {
  const counts = await services.reports.statusCounts();
  const lines = [ctx.t("admin-orders-title")];
  for (const [status, count] of Object.entries(counts)) {
    lines.push(`• ${ctx.t(`order-status-${status}`)}: ${count}`);
  }
  const recent = await services.reports.recentPayments(LIST);
  if (recent.length > 0) lines.push("", ctx.t("admin-recent-payments"));
  for (const { order, payment } of recent) {
    lines.push(`• ${order.id} · ${paymentLine(payment, services.testnet)}`);
  }
  lines.push("", ctx.t("admin-orders-lookup"));
  return lines.join("\n");
};

export const exceptions: AdminView = async (ctx, services) => {
  const [open, flagged] = await Promise.all([
    services.unmatched.list(LIST),
    services.reports.exceptions(LIST),
  ]);
  const lines = [ctx.t("admin-exceptions-title")];
  if (open.length === 0 && flagged.length === 0) lines.push(ctx.t("admin-exceptions-none"));
  for (const payment of open) lines.push(unmatchedLine(ctx, payment));
  for (const order of flagged) {
    lines.push(
      ctx.t("admin-exception-order", {
        orderId: order.id,
        exceptions: [...order.exceptions, ...(order.held ? ["held"] : [])].join(", "),
        paid: formatPrice(order.paid, order.currency),
        amount: formatPrice(order.amount, order.currency),
      }),
    );
  }
  if (open.length > 0) lines.push("", ctx.t("admin-exceptions-help"));
  return lines.join("\n");
};

export const health: AdminView = async (ctx, services) => {
  const state = await services.health();
  const ago = (at: number | undefined) =>
    at === undefined ? "—" : `${Math.max(0, Math.round((services.clock() - at) / 1000))} s`;
  const watcher = (wallet: "merchant" | "usdt", polls: WatcherHealthState) => [
    ctx.t("admin-health-watcher", {
      watcher: ctx.t(`admin-health-watcher-${wallet}`),
      leader: polls.leader ?? "—",
      poll: ago(polls.lastPollAt),
      lag: ago(polls.lastTxAt),
      errors: polls.errorsLastHour,
      total: polls.errors,
    }),
    polls.lastError
      ? ctx.t("admin-health-error", {
          error: escapeHtml(polls.lastError.slice(0, 200)),
          ago: ago(polls.lastErrorAt),
        })
      : ctx.t("admin-health-no-error"),
  ];
  const usdt =
    state.usdt === undefined
      ? []
      : typeof state.usdt === "string"
        ? [ctx.t(`admin-health-usdt-${state.usdt}`)]
        : watcher("usdt", state.usdt);
  return [
    ctx.t("admin-health-title"),
    ...watcher("merchant", state),
    ...usdt,
    ctx.t("admin-health-queue", {
      depth: state.queueDepth,
      oldest: ago(state.oldestPendingAt),
      dead: state.deadJobs,
    }),
  ].join("\n");
};

/** Open and answered tickets, the most recently changed first, and how many were closed. */
export const tickets: AdminView = async (ctx, services) => {
  const [active, closed] = await Promise.all([
    services.tickets.active(TICKETS),
    services.tickets.closedCount(),
  ]);
  const lines = [ctx.t("admin-tickets-title")];
  if (active.length === 0) lines.push(ctx.t("admin-tickets-none"));
  const now = services.clock();
  for (const ticket of active) {
    const age = ageOf(now - ticket.createdAt);
    lines.push(
      ctx.t("admin-ticket-line", {
        number: String(ticket.number),
        state:
          ticket.state === "answered"
            ? ctx.t("support-state-answered")
            : ctx.t("support-state-open"),
        buyer: escapeHtml(
          ticket.buyer.username
            ? `${ticket.buyer.firstName} (@${ticket.buyer.username})`
            : ticket.buyer.firstName,
        ),
        age:
          age.unit === "days"
            ? ctx.t("support-age-days", { n: age.n })
            : age.unit === "hours"
              ? ctx.t("support-age-hours", { n: age.n })
              : ctx.t("support-age-minutes", { n: age.n }),
        excerpt: escapeHtml(clipText(ticket.last?.excerpt || "—", 64)),
      }),
    );
  }
  lines.push("", ctx.t("admin-tickets-closed", { count: closed }), ctx.t("admin-tickets-help"));
  return lines.join("\n");
};

/** One order as /order shows it, with its newest ten payments. */
export async function orderCard(
  ctx: BotContext,
  services: AdminServices,
  order: Order,
): Promise<string> {
  const product = services.catalog.find(order.productId);
  const locale = await ctx.i18n.getLocale();
  const lines = [
    ctx.t("admin-order-card", {
      orderId: order.id,
      status: ctx.t(`order-status-${order.status}`),
      exceptions: order.exceptions.join(", ") || "—",
      title: escapeHtml(product ? localized(product.title, locale) : order.productId),
      quantity: order.quantity,
      amount: formatPrice(order.amount, order.currency),
      paid: formatPrice(order.paid, order.currency),
      // Ids are names, not quantities: no thousands separators.
      userId: String(order.userId),
      comment: order.comment ?? "—",
      created: formatTime(order.createdAt),
    }),
  ];
  // A subscription's periods numbered as the CSV export numbers them.
  const periods = periodsOf(order);
  // The newest ten: the ones an admin most likely looks up or refunds.
  if (order.payments.length > 10) lines.push(`… +${order.payments.length - 10}`);
  for (const payment of order.payments.slice(-10)) {
    const notes = [paymentLine(payment, services.testnet)];
    const period = periods.get(payment.key);
    if (period) notes.push(ctx.t("admin-payment-period", { n: period.number }));
    if (payment.refundedAt !== undefined) notes.push(`↩️ ${ctx.t("order-status-refunded")}`);
    lines.push(`• ${notes.join(" · ")}`);
  }
  return lines.join("\n");
}

/** Amount, time, and the transaction on the explorer when it is a TON payment. */
function paymentLine(payment: Payment, testnet: boolean): string {
  const hash = payment.reference?.hash;
  // A Telegram charge whole, to copy into /refund; any other key shortened.
  const where = hash
    ? `<a href="${explorerTxLink(hash, testnet)}">${payment.key.slice(0, 16)}…</a>`
    : payment.reference?.telegramChargeId
      ? `<code>${escapeHtml(payment.key)}</code>`
      : escapeHtml(payment.key.length > 24 ? `${payment.key.slice(0, 24)}…` : payment.key);
  return `${formatPrice(payment.amount, payment.currency)} · ${formatTime(payment.receivedAt)} · ${where}`;
}

function unmatchedLine(ctx: BotContext, payment: UnmatchedPayment): string {
  return ctx.t("admin-unmatched-line", {
    ref: shortRef(payment.key),
    amount: formatPrice(payment.amount, payment.currency),
    reason: payment.reason,
    comment: escapeHtml(clipText(payment.comment ?? "—", 64)),
    date: formatTime(payment.receivedAt),
  });
}

function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
