import type { I18n } from "@grammyjs/i18n";
import type { Api } from "grammy";
import { recipientUnreachable } from "../bot/api/errors.js";
import type { BotContext } from "../bot/context.js";
import { localized, negotiateLocale } from "../bot/i18n.js";
import type { Sessions } from "../bot/sessions.js";
import type { Catalog } from "../catalog/catalog.js";
import type { Logger } from "../log.js";
import type { OrderEvent, OrderEventType, PaymentSeen, UnmatchedEvent } from "../orders/events.js";
import { excess, type Order } from "../orders/order.js";
import type { OrderStore } from "../orders/store.js";
import { paymentLogFields } from "../payments/log-fields.js";
import type { UnmatchedPayments } from "../payments/unmatched.js";
import type { RedisClient } from "../redis/client.js";
import { EventReader, type StreamEvent } from "./event-consumer.js";
import { escapeHtml, formatPrice } from "./format.js";
import type { SentNotices } from "./sent.js";
import { unmatchedNotice } from "./unmatched.js";

const NOTICES: Partial<Record<OrderEventType, string>> = {
  "order.paid": "notice-paid",
  "order.payment_received": "notice-excess",
  "order.underpaid": "notice-underpaid",
  "order.held": "notice-held",
  "order.mismatch": "notice-mismatch",
  "order.delivery_failed": "notice-delivery-failed",
  "order.member_not_removed": "notice-member-not-removed",
  "order.refunded": "notice-refunded",
};

/** The line that ends the notice of a payment found by a reconcile pass, not by its update. */
const RECOVERED: Record<string, string> = {
  "stars-ledger": "notice-recovered-stars",
};

/** The notice for an event, if admins hear of it: an expired order only when money came for it. */
function noticeKey(event: OrderEvent): string | undefined {
  if (event.type === "order.expired") {
    return event.detail === undefined ? undefined : "notice-expired-underpaid";
  }
  if (event.type === "order.renewal") return `notice-renewal-${event.detail.renewal}`;
  return NOTICES[event.type];
}

/** What went wrong, for the events that say. */
function errorOf(event: OrderEvent): string {
  if (event.type === "order.delivery_failed") return event.detail.error;
  if (event.type === "order.member_not_removed") {
    return `chat ${event.detail.chatId}: ${event.detail.error}`;
  }
  return "—";
}

/** The payment an event is about, with whether it completed the order late or with extra. */
function paymentOf(
  event: OrderEvent,
): (PaymentSeen & { late?: boolean; overpaid?: boolean }) | undefined {
  switch (event.type) {
    case "order.payment_received":
    case "order.underpaid":
    case "order.paid":
    case "order.held":
    case "order.mismatch":
      return event.detail;
    default:
      return undefined;
  }
}

type Translate = (key: string, variables?: Record<string, string | number>) => string;

/**
 * The buyer as the admins know them: name and @username, the name alone, or — for an order made
 * before buyers were remembered — the Telegram user id. Names are the buyer's own text: escaped.
 */
export function buyerName(order: Order, t: Translate): string {
  const name = order.buyer?.name.trim() ?? "";
  const username = order.buyer?.username ? `@${order.buyer.username}` : "";
  const shown = [name, username].filter(Boolean).join(" ");
  // Ids are names, not quantities: passed as text so Fluent adds no thousands separators.
  return shown ? escapeHtml(shown) : t("notice-buyer-id", { userId: String(order.userId) });
}

/** The lines under a paid notice: what arrived beyond the price, and a completion after expiry. */
function paidDetail(
  order: Order,
  payment: { late?: boolean; overpaid?: boolean } | undefined,
  t: Translate,
): string {
  const lines: string[] = [];
  if (payment?.overpaid) {
    lines.push(
      t("notice-paid-overpaid", {
        paid: formatPrice(order.paid, order.currency),
        excess: formatPrice(excess(order), order.currency),
      }),
    );
  }
  if (payment?.late) lines.push(t("notice-paid-late"));
  return lines.map((line) => `\n${line}`).join("");
}

export interface AdminNotifierOptions {
  api: Api;
  /** The events stream the notices are read from. */
  redis: RedisClient;
  prefix: string;
  store: OrderStore;
  catalog: Catalog;
  i18n: I18n<BotContext>;
  adminIds: readonly number[];
  /** The language each admin picked in the bot. */
  sessions: Pick<Sessions, "languageOf">;
  /** Which admins were told of which event. */
  sent: SentNotices;
  /** Payments that matched no order, which their notices describe. */
  unmatched: UnmatchedPayments;
  /** Explorer links point at testnet. */
  testnet: boolean;
  log: Logger;
  /** See EventConsumerOptions. */
  blockMs?: number;
  maxAttempts?: number;
  retryDelayMs?: (attempt: number) => number;
}

/**
 * Tells the admins, as it happens, about each payment, each exception and each delivery that
 * failed for good — once across processes, in the language each admin chose in the bot.
 */
export class AdminNotifier extends EventReader {
  constructor(private readonly options: AdminNotifierOptions) {
    super({
      redis: options.redis,
      prefix: options.prefix,
      group: "admins",
      log: options.log,
      blockMs: options.blockMs,
      maxAttempts: options.maxAttempts,
      retryDelayMs: options.retryDelayMs,
    });
  }

  /**
   * Sends a text to every admin; one who blocked the bot is skipped. With an event id, an admin
   * already told of that event (before a retry) is not told again. Throws after trying them all
   * when a send failed, so the event is tried again for those not yet told.
   */
  async broadcast(eventId: string | undefined, text: (locale: string) => string): Promise<void> {
    const { api, sent, log } = this.options;
    let failure: unknown;
    for (const adminId of this.options.adminIds) {
      if (eventId && (await sent.told(eventId, adminId))) continue;
      try {
        await api.sendMessage(adminId, text(await this.localeOf(adminId)), { parse_mode: "HTML" });
      } catch (error) {
        if (!recipientUnreachable(error)) {
          failure ??= error;
          continue;
        }
        log.warn({ adminId, description: error.description }, "admin not reachable");
      }
      // Marked only once sent, so a failed send is tried again; a crash between the two repeats
      // this one notice to this one admin.
      if (eventId) await sent.markTold(eventId, adminId);
    }
    if (failure !== undefined) throw failure;
  }

  protected async handle(event: StreamEvent): Promise<void> {
    if (event.type === "payment.unmatched") return this.announceUnmatched(event);
    const key = noticeKey(event);
    if (!key || this.options.adminIds.length === 0) return;
    const order = await this.options.store.get(event.orderId);
    const product = order ? this.options.catalog.find(order.productId) : undefined;
    const payment = paymentOf(event);
    // An expiry says what had arrived by then, whatever came after.
    const paidThen = event.type === "order.expired" ? event.detail?.paid : undefined;
    const paid =
      order &&
      (paidThen
        ? formatPrice(paidThen.units, paidThen.currency)
        : formatPrice(order.paid, order.currency));
    const t = (locale: string) => (id: string, variables?: Record<string, string | number>) =>
      this.options.i18n.t(locale, id, variables);
    const notice = (locale: string) =>
      this.options.i18n.t(locale, key, {
        orderId: order?.id ?? "—",
        amount: order ? formatPrice(order.amount, order.currency) : "—",
        paid: paid ?? "—",
        title: escapeHtml(product ? localized(product.title, locale) : (order?.productId ?? "—")),
        quantity: order?.quantity ?? 0,
        extra: payment ? formatPrice(payment.amount.units, payment.amount.currency) : "?",
        buyer: order ? buyerName(order, t(locale)) : "—",
        error: escapeHtml(errorOf(event).slice(0, 300)),
      });
    await this.broadcast(
      event.id,
      (locale) =>
        notice(locale) +
        (event.type === "order.paid" && order ? paidDetail(order, payment, t(locale)) : "") +
        this.origin(payment?.recovered, locale),
    );
  }

  /** Where a payment was found when its own update never came, as a last line; else "". */
  private origin(recovered: string | undefined, locale: string): string {
    const key = recovered === undefined ? undefined : RECOVERED[recovered];
    return key ? `\n${this.options.i18n.t(locale, key)}` : "";
  }

  /** Money that matched no order, named so an admin can act on it from the notice alone. */
  private async announceUnmatched(
    event: UnmatchedEvent & { id: string; paymentKey: string },
  ): Promise<void> {
    // Dust is kept on the exceptions list but not announced one payment at a time.
    if (event.detail.reason === "dust" || this.options.adminIds.length === 0) return;
    const payment = await this.options.unmatched.get(event.paymentKey);
    if (!payment) {
      this.options.log.warn(
        { ...paymentLogFields({ key: event.paymentKey }), paymentKey: event.paymentKey },
        "unmatched payment not found",
      );
      return;
    }
    const { i18n, testnet } = this.options;
    await this.broadcast(
      event.id,
      (locale) =>
        unmatchedNotice(payment, (key, variables) => i18n.t(locale, key, variables), testnet) +
        this.origin(event.detail.recovered, locale),
    );
  }

  /** The language an admin picked with /language, else English. */
  private async localeOf(adminId: number): Promise<string> {
    return negotiateLocale(await this.options.sessions.languageOf(adminId));
  }
}
