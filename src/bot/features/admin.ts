import { Address } from "@ton/core";
import { Composer, InlineKeyboard, InputFile } from "grammy";
import { ordersCsv } from "../../admin/export.js";
import type { Order, Payment } from "../../orders/order.js";
import { releaseOrder } from "../../orders/state.js";
import { RefundRefused } from "../../payments/telegram/service.js";
import { displayAddress, explorerTxLink } from "../../payments/ton/links.js";
import type { UnmatchedPayment } from "../../payments/unmatched.js";
import { readHealth } from "../admin/health.js";
import type { AdminServices } from "../admin/services.js";
import { adminData, onPress } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { escapeHtml, formatPrice, formatTime } from "../format.js";
import { localized } from "../i18n.js";
import { shortRef } from "../unmatched-notice.js";

const DAY = 86_400_000;
const LIST = 5;
/** Every command below; refused alike to anyone who may not use them where they ask. */
const ADMIN_COMMANDS = ["admin", "order", "attach", "release", "resolve", "refund"];

/**
 * /admin and everything under it, for ADMIN_IDS only, in a private chat with the bot or in the
 * admins' group (ADMIN_CHAT_ID): balances, sales, orders, exceptions with actions (each written
 * to the audit log), a CSV export and health. Anyone else, and an admin in any other group, gets
 * the unknown-command answer or the stale-button one, and a warn line; nothing changes.
 */
export function adminFeature(services: AdminServices) {
  const feature = new Composer<BotContext>();
  const { store, reports, unmatched, audit, log, adminChatId } = services;
  // Membership of the admins' group is not enough: its other members (support staff, say)
  // read the notices there, but only ADMIN_IDS refund, attach or export.
  const allowed = (ctx: BotContext) =>
    ctx.from !== undefined &&
    services.adminIds.includes(ctx.from.id) &&
    (ctx.chat?.type === "private" || (adminChatId !== undefined && ctx.chat?.id === adminChatId));
  const admins = feature.filter(allowed);

  const menu = (ctx: BotContext) =>
    new InlineKeyboard()
      .text(ctx.t("admin-balances"), adminData.pack({ view: "balances" }))
      .text(ctx.t("admin-sales"), adminData.pack({ view: "sales" }))
      .row()
      .text(ctx.t("admin-orders"), adminData.pack({ view: "orders" }))
      .text(ctx.t("admin-exceptions"), adminData.pack({ view: "exceptions" }))
      .row()
      .text(ctx.t("admin-export"), adminData.pack({ view: "export" }))
      .text(ctx.t("admin-health"), adminData.pack({ view: "health" }));

  const back = (ctx: BotContext) =>
    new InlineKeyboard().text(ctx.t("button-back"), adminData.pack({ view: "menu" }));

  const money = (amount: bigint, currency: string) => formatPrice(amount, currency);

  async function balances(ctx: BotContext): Promise<string> {
    const [ton, stars, pending] = await Promise.all([
      services.toncenter.getBalance(services.merchantAddress).catch(() => undefined),
      ctx.api.getMyStarBalance().catch(() => undefined),
      reports.pendingTotals(),
    ]);
    const lines = [
      ctx.t("admin-balances-title"),
      ctx.t("admin-balance-ton", {
        amount: ton === undefined ? "?" : money(ton, "TON"),
      }),
      ctx.t("admin-balance-stars", {
        amount: stars === undefined ? "?" : money(BigInt(stars.amount), "XTR"),
      }),
    ];
    for (const row of pending) {
      lines.push(
        ctx.t("admin-pending-line", {
          amount: money(row.amount, row.currency),
          orders: row.orders,
        }),
      );
    }
    return lines.join("\n");
  }

  async function sales(ctx: BotContext): Promise<string> {
    const now = store.now();
    const midnight = now - (now % DAY);
    const lines = [ctx.t("admin-sales-title")];
    for (const [label, from] of [
      [ctx.t("admin-period-today"), midnight],
      [ctx.t("admin-period-7d"), now - 7 * DAY],
      [ctx.t("admin-period-30d"), now - 30 * DAY],
    ] as const) {
      const figures = await reports.sales(from, now);
      const revenue = figures.revenue.map((r) => money(r.amount, r.currency)).join(" + ") || "—";
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
    return lines.join("\n");
  }

  async function orders(ctx: BotContext): Promise<string> {
    const counts = await reports.statusCounts();
    const lines = [ctx.t("admin-orders-title")];
    for (const [status, count] of Object.entries(counts)) {
      lines.push(`• ${ctx.t(`order-status-${status}`)}: ${count}`);
    }
    const recent = await recentPayments();
    if (recent.length > 0) lines.push("", ctx.t("admin-recent-payments"));
    for (const { order, payment } of recent) {
      lines.push(`• ${order.id} · ${paymentLine(payment)}`);
    }
    lines.push("", ctx.t("admin-orders-lookup"));
    return lines.join("\n");
  }

  /** The newest payments among the newest orders. */
  async function recentPayments() {
    const orders = await store.recent(20);
    return orders
      .flatMap((order) => order.payments.map((payment) => ({ order, payment })))
      .sort((a, b) => b.payment.receivedAt - a.payment.receivedAt)
      .slice(0, LIST);
  }

  /** Amount, time, and the transaction on the explorer when it is a TON payment. */
  function paymentLine(payment: Payment): string {
    const hash = payment.reference?.hash;
    const where = hash
      ? `<a href="${explorerTxLink(hash, services.testnet)}">${payment.key.slice(0, 16)}…</a>`
      : escapeHtml(payment.key.length > 24 ? `${payment.key.slice(0, 24)}…` : payment.key);
    return `${money(payment.amount, payment.currency)} · ${formatTime(payment.receivedAt)} · ${where}`;
  }

  async function exceptions(ctx: BotContext): Promise<string> {
    const [open, flagged] = await Promise.all([unmatched.list(LIST), reports.exceptions(LIST)]);
    const lines = [ctx.t("admin-exceptions-title")];
    if (open.length === 0 && flagged.length === 0) lines.push(ctx.t("admin-exceptions-none"));
    for (const payment of open) lines.push(unmatchedLine(ctx, payment));
    for (const order of flagged) {
      lines.push(
        ctx.t("admin-exception-order", {
          orderId: order.id,
          exceptions: [...order.exceptions, ...(order.held ? ["held"] : [])].join(", "),
          paid: money(order.paid, order.currency),
          amount: money(order.amount, order.currency),
        }),
      );
    }
    if (open.length > 0) lines.push("", ctx.t("admin-exceptions-help"));
    return lines.join("\n");
  }

  function unmatchedLine(ctx: BotContext, payment: UnmatchedPayment): string {
    return ctx.t("admin-unmatched-line", {
      ref: shortRef(payment.key),
      amount: money(payment.amount, payment.currency),
      reason: payment.reason,
      comment: escapeHtml(clipText(payment.comment ?? "—", 64)),
      date: formatTime(payment.receivedAt),
    });
  }

  async function health(ctx: BotContext): Promise<string> {
    const wallet = services.merchantAddress.toRawString();
    const state = await readHealth(services.redis, services.prefix, wallet);
    const ago = (at: number | undefined) =>
      at === undefined ? "—" : `${Math.max(0, Math.round((store.now() - at) / 1000))} s`;
    return [
      ctx.t("admin-health-title"),
      ctx.t("admin-health-watcher", {
        leader: state.leader ?? "—",
        poll: ago(state.lastPollAt),
        lag: ago(state.lastTxAt),
        errors: state.errorsLastHour,
        total: state.errors,
      }),
      state.lastError
        ? ctx.t("admin-health-error", {
            error: escapeHtml(state.lastError.slice(0, 200)),
            ago: ago(state.lastErrorAt),
          })
        : ctx.t("admin-health-no-error"),
      ctx.t("admin-health-queue", {
        depth: state.queueDepth,
        oldest: ago(state.oldestPendingAt),
        dead: state.deadJobs,
      }),
    ].join("\n");
  }

  const views = {
    balances,
    sales,
    orders,
    exceptions,
    health,
  };

  admins.command("admin", (ctx) =>
    ctx.reply(ctx.t("admin-menu"), { parse_mode: "HTML", reply_markup: menu(ctx) }),
  );

  admins.use(
    onPress(adminData, {}, async (ctx, { view }) => {
      await ctx.answerCallbackQuery();
      if (view === "menu") {
        return ctx.editMessageText(ctx.t("admin-menu"), {
          parse_mode: "HTML",
          reply_markup: menu(ctx),
        });
      }
      if (view === "export") return exportCsv(ctx);
      return ctx.editMessageText(await views[view](ctx), {
        parse_mode: "HTML",
        reply_markup: back(ctx),
        link_preview_options: { is_disabled: true },
      });
    }),
  );

  async function exportCsv(ctx: BotContext) {
    const to = store.now();
    const from = to - 30 * DAY;
    const csv = await ordersCsv(store, from, to);
    const name = `orders-${formatTime(from).slice(0, 10)}-${formatTime(to).slice(0, 10)}.csv`;
    await ctx.replyWithDocument(new InputFile(Buffer.from(csv, "utf8"), name), {
      caption: ctx.t("admin-export-caption", { from: formatTime(from), to: formatTime(to) }),
    });
    await audit.record({ adminId: ctx.from?.id ?? 0, action: "export", detail: { from, to } });
  }

  admins.command("order", async (ctx) => {
    const query = ctx.match.trim();
    const order = query
      ? ((await store.get(query)) ?? (await store.findByComment(query)))
      : undefined;
    if (!order) {
      return ctx.reply(ctx.t("admin-order-not-found", { query: escapeHtml(query) }), {
        parse_mode: "HTML",
      });
    }
    return ctx.reply(await orderCard(ctx, order), {
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
    });
  });

  async function orderCard(ctx: BotContext, order: Order): Promise<string> {
    const product = services.catalog.find(order.productId);
    const locale = await ctx.i18n.getLocale();
    const lines = [
      ctx.t("admin-order-card", {
        orderId: order.id,
        status: ctx.t(`order-status-${order.status}`),
        exceptions: order.exceptions.join(", ") || "—",
        title: escapeHtml(product ? localized(product.title, locale) : order.productId),
        quantity: order.quantity,
        amount: money(order.amount, order.currency),
        paid: money(order.paid, order.currency),
        userId: order.userId,
        comment: order.comment ?? "—",
        created: formatTime(order.createdAt),
      }),
    ];
    for (const payment of order.payments.slice(0, 10)) lines.push(`• ${paymentLine(payment)}`);
    if (order.payments.length > 10) lines.push(`… +${order.payments.length - 10}`);
    return lines.join("\n");
  }

  admins.command("attach", async (ctx) => {
    const [ref, target] = ctx.match.trim().split(/\s+/);
    const payment = ref ? await findUnmatched(ref) : undefined;
    const order = target
      ? ((await store.get(target)) ?? (await store.findByComment(target)))
      : undefined;
    if (!payment || !order) return ctx.reply(ctx.t("admin-attach-usage"));
    if (payment.currency !== order.currency) {
      return ctx.reply(ctx.t("admin-attach-currency", { currency: order.currency }));
    }
    const { reason: _, resolved: __, comment: ___, ...money_ } = payment;
    const { outcome, order: updated } = await services.payments.recordPayment(order.id, money_);
    await unmatched.resolve(payment.key, {
      by: ctx.from?.id ?? 0,
      at: store.now(),
      orderId: order.id,
    });
    await audit.record({
      adminId: ctx.from?.id ?? 0,
      action: "attach",
      orderId: order.id,
      detail: { paymentKey: payment.key, outcome: outcome.kind },
    });
    log.info({ orderId: order.id, paymentKey: payment.key }, "admin attached a payment");
    return ctx.reply(
      ctx.t("admin-attached", {
        orderId: order.id,
        status: ctx.t(`order-status-${updated.status}`),
      }),
    );
  });

  // A late payment held under LATE_PAYMENT_POLICY=hold: the admin lets the goods go.
  admins.command("release", async (ctx) => {
    const orderId = ctx.match.trim();
    const found = orderId ? await store.get(orderId) : undefined;
    if (!found) return ctx.reply(ctx.t("admin-release-usage"));
    const { changed } = await store.update(found.id, (order) => {
      const next = releaseOrder(order);
      return next && { order: next, effects: { fulfil: true } };
    });
    if (!changed) return ctx.reply(ctx.t("admin-release-not-held", { orderId: found.id }));
    await audit.record({ adminId: ctx.from?.id ?? 0, action: "release", orderId: found.id });
    return ctx.reply(ctx.t("admin-released", { orderId: found.id }));
  });

  admins.command("resolve", async (ctx) => {
    const payment = await findUnmatched(ctx.match.trim());
    if (!payment) return ctx.reply(ctx.t("admin-resolve-usage"));
    await unmatched.resolve(payment.key, { by: ctx.from?.id ?? 0, at: store.now() });
    await audit.record({
      adminId: ctx.from?.id ?? 0,
      action: "resolve",
      detail: { paymentKey: payment.key },
    });
    return ctx.reply(ctx.t("admin-resolved", { ref: shortRef(payment.key) }));
  });

  admins.command("refund", async (ctx) => {
    const target = ctx.match.trim();
    const stray = target.includes(":") ? await findUnmatched(target) : undefined;
    const charge = stray?.reference?.telegramChargeId;
    if (stray && stray.method === "stars" && charge && stray.from) {
      // Stars that matched no order go back through Telegram.
      await ctx.api.refundStarPayment(Number(stray.from), charge);
      await unmatched.resolve(stray.key, { by: ctx.from?.id ?? 0, at: store.now() });
      await audit.record({
        adminId: ctx.from?.id ?? 0,
        action: "refund",
        detail: { paymentKey: stray.key },
      });
      return ctx.reply(ctx.t("admin-refunded", { orderId: shortRef(stray.key) }));
    }
    if (stray) {
      // Money that matched no order goes back the way it came, from the merchant's wallet.
      await audit.record({
        adminId: ctx.from?.id ?? 0,
        action: "refund-note",
        detail: { paymentKey: stray.key },
      });
      return ctx.reply(
        ctx.t("admin-refund-ton", {
          orderId: shortRef(stray.key),
          amount: money(stray.amount, stray.currency),
          to: walletOf(stray.from),
        }),
        { parse_mode: "HTML" },
      );
    }
    const order = await store.get(target);
    if (!order) return ctx.reply(ctx.t("admin-refund-usage"));
    if (order.method === "ton") {
      // TON cannot be pulled back: the merchant sends it from their wallet app.
      const from = walletOf(order.payments.find((p) => p.from)?.from);
      await audit.record({ adminId: ctx.from?.id ?? 0, action: "refund-note", orderId: order.id });
      return ctx.reply(
        ctx.t("admin-refund-ton", {
          orderId: order.id,
          amount: money(order.paid, order.currency),
          to: from,
        }),
        { parse_mode: "HTML" },
      );
    }
    try {
      await services.telegramPayments.refundStars(ctx.api, order.id);
    } catch (error) {
      if (!(error instanceof RefundRefused)) throw error;
      return ctx.reply(ctx.t("admin-refund-refused", { reason: error.message }));
    }
    await audit.record({ adminId: ctx.from?.id ?? 0, action: "refund", orderId: order.id });
    return ctx.reply(ctx.t("admin-refunded", { orderId: order.id }));
  });

  const refused = (ctx: BotContext) => ({
    userId: ctx.from?.id,
    chatId: ctx.chat?.id,
    chatType: ctx.chat?.type,
    admin: services.adminIds.includes(ctx.from?.id ?? 0),
  });
  // Answered as a command nobody handles, by the unknown-command reply after this feature.
  feature.command(ADMIN_COMMANDS, (ctx, next) => {
    const command = (ctx.msg?.text ?? ctx.msg?.caption ?? "").split(/[\s@]/)[0];
    log.warn({ ...refused(ctx), command }, "admin command refused");
    return next();
  });
  feature.use(
    onPress(adminData, {}, async (ctx, { view }) => {
      log.warn({ ...refused(ctx), view }, "admin button refused");
      await ctx.answerCallbackQuery({ text: ctx.t("error-forged"), show_alert: true });
    }),
  );

  /** A payer's raw address as a wallet app shows it (testnet form on testnet). */
  function walletOf(raw: string | undefined): string {
    if (!raw) return "—";
    try {
      return displayAddress(Address.parseRaw(raw), services.testnet);
    } catch {
      return raw;
    }
  }

  /** An open unmatched payment by the start of its key, as the exceptions view shows it. */
  async function findUnmatched(ref: string): Promise<UnmatchedPayment | undefined> {
    if (ref.length < 6) return undefined;
    const open = await unmatched.list(500);
    const found = open.filter((p) => p.key.startsWith(ref) || shortRef(p.key) === ref);
    return found.length === 1 ? found[0] : undefined;
  }

  return feature;
}

function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
