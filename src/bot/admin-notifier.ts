import type { I18n } from "@grammyjs/i18n";
import type { Api } from "grammy";
import type { Catalog } from "../catalog/catalog.js";
import type { Logger } from "../log.js";
import type { OrderStore } from "../orders/store.js";
import type { UnmatchedPayments } from "../payments/unmatched.js";
import type { RedisClient } from "../redis/client.js";
import { redisKeys } from "../redis/keys.js";
import type { BotContext } from "./context.js";
import { EventConsumer, type StreamEvent } from "./event-consumer.js";
import { currencyLabel, escapeHtml, formatPrice } from "./format.js";
import { localized, negotiateLocale } from "./i18n.js";
import { unmatchedNotice } from "./unmatched-notice.js";
import { recipientUnreachable } from "./unreachable.js";

const NOTICES: Record<string, string> = {
  "order.paid": "notice-paid",
  "order.payment_received": "notice-excess",
  "order.underpaid": "notice-underpaid",
  "order.held": "notice-held",
  "order.mismatch": "notice-mismatch",
  "order.delivery_failed": "notice-delivery-failed",
  "order.refunded": "notice-refunded",
};

/** The line that ends the notice of a payment found by a reconcile pass, not by its update. */
const RECOVERED: Record<string, string> = {
  "stars-ledger": "notice-recovered-stars",
};

/** The notice for an event, if admins hear of it: an expired order only when money came for it. */
function noticeKey(event: StreamEvent): string | undefined {
  if (event.type === "order.expired") {
    return event.detail.paid === undefined ? undefined : "notice-expired-underpaid";
  }
  return NOTICES[event.type];
}

export interface AdminNotifierOptions {
  api: Api;
  redis: RedisClient;
  prefix: string;
  store: OrderStore;
  catalog: Catalog;
  i18n: I18n<BotContext>;
  adminIds: readonly number[];
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
export class AdminNotifier {
  private readonly consumer: EventConsumer;

  constructor(private readonly options: AdminNotifierOptions) {
    this.consumer = new EventConsumer({
      redis: options.redis,
      prefix: options.prefix,
      group: "admins",
      log: options.log,
      blockMs: options.blockMs,
      maxAttempts: options.maxAttempts,
      retryDelayMs: options.retryDelayMs,
      handle: (event) => this.handle(event),
    });
  }

  start(): Promise<void> {
    return this.consumer.start();
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  /** Notices that failed are tried again now, e.g. once Telegram is back. */
  retryNow(): void {
    this.consumer.retryNow();
  }

  /**
   * Sends a text to every admin; one who blocked the bot is skipped. With an event id, an admin
   * already told of that event (before a retry) is not told again. Throws after trying them all
   * when a send failed, so the event is tried again for those not yet told.
   */
  async broadcast(eventId: string | undefined, text: (locale: string) => string): Promise<void> {
    const { api, redis, prefix, log } = this.options;
    let failure: unknown;
    for (const adminId of this.options.adminIds) {
      const told = eventId && redisKeys(prefix).noticeSent(eventId, adminId);
      if (told && (await redis.exists(told))) continue;
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
      if (told) await redis.set(told, "1", "EX", 86_400);
    }
    if (failure !== undefined) throw failure;
  }

  private async handle(event: StreamEvent): Promise<void> {
    if (event.type === "payment.unmatched") return this.announceUnmatched(event);
    const key = noticeKey(event);
    if (!key || this.options.adminIds.length === 0) return;
    const order = event.orderId ? await this.options.store.get(event.orderId) : undefined;
    const product = order ? this.options.catalog.find(order.productId) : undefined;
    // An expiry says what had arrived by then, whatever came after.
    const paid =
      order &&
      (event.detail.paid === undefined
        ? formatPrice(order.paid, order.currency)
        : `${String(event.detail.paid)} ${currencyLabel(order.currency)}`);
    const notice = (locale: string) =>
      this.options.i18n.t(locale, key, {
        orderId: order?.id ?? "—",
        amount: order ? formatPrice(order.amount, order.currency) : "—",
        paid: paid ?? "—",
        title: escapeHtml(product ? localized(product.title, locale) : (order?.productId ?? "—")),
        quantity: order?.quantity ?? 0,
        extra:
          `${String(event.detail.amount ?? "?")} ${String(event.detail.currency ?? "")}`.trim(),
        flags:
          [event.detail.overpaid ? "overpaid" : "", event.detail.late ? "late" : ""]
            .filter(Boolean)
            .join(", ") || "—",
        error: escapeHtml(String(event.detail.error ?? "—").slice(0, 300)),
      });
    await this.broadcast(event.id, (locale) => notice(locale) + this.origin(event, locale));
  }

  /** Where a payment was found when its own update never came, as a last line; else "". */
  private origin(event: StreamEvent, locale: string): string {
    const key = RECOVERED[String(event.detail.recovered)];
    return key ? `\n${this.options.i18n.t(locale, key)}` : "";
  }

  /** Money that matched no order, named so an admin can act on it from the notice alone. */
  private async announceUnmatched(event: StreamEvent): Promise<void> {
    // Dust is kept on the exceptions list but not announced one payment at a time.
    if (event.detail.reason === "dust" || this.options.adminIds.length === 0) return;
    const payment = event.paymentKey
      ? await this.options.unmatched.get(event.paymentKey)
      : undefined;
    if (!payment) {
      this.options.log.warn({ paymentKey: event.paymentKey }, "unmatched payment not found");
      return;
    }
    const { i18n, testnet } = this.options;
    await this.broadcast(
      event.id,
      (locale) =>
        unmatchedNotice(payment, (key, variables) => i18n.t(locale, key, variables), testnet) +
        this.origin(event, locale),
    );
  }

  /** The language an admin picked with /language, else English. */
  private async localeOf(adminId: number): Promise<string> {
    const raw = await this.options.redis.get(redisKeys(this.options.prefix).session(adminId));
    const chosen = raw
      ? (JSON.parse(raw) as { __language_code?: string }).__language_code
      : undefined;
    return negotiateLocale(chosen);
  }
}
