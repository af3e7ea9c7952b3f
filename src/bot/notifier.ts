import type { I18n } from "@grammyjs/i18n";
import { type Api, GrammyError, InlineKeyboard, InputFile, InputMediaBuilder } from "grammy";
import type { Catalog } from "../catalog/catalog.js";
import type { Logger } from "../log.js";
import { type Order, outstanding } from "../orders/order.js";
import { isOpen } from "../orders/state.js";
import type { OrderEvent, OrderStore } from "../orders/store.js";
import type { RedisClient } from "../redis/client.js";
import { checkOrderData } from "./callback-data.js";
import type { BotContext } from "./context.js";
import { EventConsumer, type StreamEvent } from "./event-consumer.js";
import { currencyLabel, formatAmount } from "./format.js";
import { paymentMessageKey, paymentQrKey } from "./services.js";
import { eventMessageKey } from "./status.js";
import { type TonPaymentSettings, tonPaymentMessage } from "./ton-payment.js";
import { recipientUnreachable } from "./unreachable.js";

const GROUP = "notifier";
const CLOSING_EVENTS = new Set<string>(["order.paid", "order.held", "order.expired"]);

export interface NotifierOptions {
  api: Api;
  redis: RedisClient;
  prefix: string;
  store: OrderStore;
  catalog: Catalog;
  /** How TON orders are paid: their payment message is redrawn for what is still owed. */
  ton: TonPaymentSettings;
  i18n: I18n<BotContext>;
  log: Logger;
  blockMs?: number;
  /** See EventConsumerOptions. */
  staleMs?: number;
  maxAttempts?: number;
  retryDelayMs?: (attempt: number) => number;
}

/**
 * Tells buyers what the watcher and the other payment paths decided — underpaid, paid, expired —
 * by replying to the message that asked them to pay. Each event is told once across processes.
 * After a partial TON payment, the payment message and its QR code are redrawn to ask for the
 * rest, so tapping the old button again never overpays.
 */
export class BuyerNotifier {
  private readonly consumer: EventConsumer;

  constructor(private readonly options: NotifierOptions) {
    this.consumer = new EventConsumer({
      redis: options.redis,
      prefix: options.prefix,
      group: GROUP,
      log: options.log,
      blockMs: options.blockMs,
      staleMs: options.staleMs,
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

  private async handle(event: StreamEvent): Promise<void> {
    const key = eventMessageKey(event.type as OrderEvent["type"], event.detail);
    if (!event.orderId || !key) return;
    try {
      await this.tell(event.orderId, key, event);
    } catch (error) {
      // A buyer who blocked the bot cannot be told; anything else is retried.
      if (!recipientUnreachable(error)) throw error;
      this.options.log.warn(
        { orderId: event.orderId, description: error.description },
        "buyer not reachable",
      );
    }
  }

  private async tell(orderId: string, key: string, event: StreamEvent): Promise<void> {
    const order = await this.options.store.get(orderId);
    if (!order) return;
    // Before the notice: a failed redraw is retried with the event, the notice is sent once.
    if (event.type === "order.underpaid") await this.askForTheRest(order);
    const text = this.options.i18n.t(order.lang, key, {
      orderId: order.id,
      amount: formatAmount(order.amount, order.currency),
      // What had arrived when the order expired, not after any later payment.
      paid: String(event.detail?.paid ?? formatAmount(order.paid, order.currency)),
      // What was owed when this payment landed, not after any later one.
      owed: String(event.detail?.owed ?? formatAmount(outstanding(order), order.currency)),
      currency: currencyLabel(order.currency),
      comment: order.comment ?? "",
    });
    const replyTo = await this.options.redis.get(paymentMessageKey(this.options.prefix, orderId));
    await this.options.api.sendMessage(order.chatId, text, {
      parse_mode: "HTML",
      reply_parameters: replyTo
        ? { message_id: Number(replyTo), allow_sending_without_reply: true }
        : undefined,
    });
    this.options.log.info({ orderId, event: key }, "buyer notified");
    if (order.method === "ton" && CLOSING_EVENTS.has(event.type)) await this.closePayment(order);
  }

  /**
   * A TON order paid or expired: the wallet buttons and the QR code go, so nobody pays it twice
   * by mistake. (An invoice's Pay button stays; Telegram and the pre-checkout refuse a second
   * payment.)
   */
  private async closePayment(order: Order): Promise<void> {
    const { api, redis, prefix, i18n, log } = this.options;
    const [messageId, qrId] = await Promise.all([
      redis.get(paymentMessageKey(prefix, order.id)),
      redis.get(paymentQrKey(prefix, order.id)),
    ]);
    if (messageId) {
      const check = new InlineKeyboard().text(
        i18n.t(order.lang, "button-check"),
        checkOrderData.pack({ orderId: order.id }),
      );
      await api
        .editMessageReplyMarkup(order.chatId, Number(messageId), { reply_markup: check })
        .catch((error: unknown) =>
          log.warn({ orderId: order.id, err: error }, "payment message not updated"),
        );
    }
    if (qrId) {
      await api
        .deleteMessage(order.chatId, Number(qrId))
        .catch((error: unknown) =>
          log.warn({ orderId: order.id, err: error }, "payment QR code not removed"),
        );
    }
  }

  /** Redraws a TON order's payment message and QR code for what it still owes. */
  private async askForTheRest(order: Order): Promise<void> {
    const { api, redis, prefix, store, catalog, i18n } = this.options;
    const product = catalog.find(order.productId);
    // Paid in full or expired meanwhile: the closing event takes the buttons away instead.
    if (order.method !== "ton" || !product || !isOpen(order, store.now())) return;
    const [messageId, qrId] = await Promise.all([
      redis.get(paymentMessageKey(prefix, order.id)),
      redis.get(paymentQrKey(prefix, order.id)),
    ]);
    const t = (key: string, variables?: Record<string, string | number>) =>
      i18n.t(order.lang, key, variables);
    const message = await tonPaymentMessage(order, product, this.options.ton, t);
    if (messageId) {
      await this.edit(order.id, () =>
        api.editMessageText(order.chatId, Number(messageId), message.text, {
          parse_mode: "HTML",
          reply_markup: message.keyboard,
          link_preview_options: { is_disabled: true },
        }),
      );
    }
    if (qrId) {
      const photo = InputMediaBuilder.photo(new InputFile(message.qr, `${order.id}.png`), {
        caption: message.qrCaption,
      });
      await this.edit(order.id, () => api.editMessageMedia(order.chatId, Number(qrId), photo));
    }
    this.options.log.info(
      { orderId: order.id, owed: outstanding(order).toString() },
      "payment message now asks for the rest",
    );
  }

  /**
   * An edit Telegram refuses for good (the buyer deleted the message, or it already shows this)
   * is skipped; anything else fails the event, to be tried again.
   */
  private async edit(orderId: string, call: () => Promise<unknown>): Promise<void> {
    try {
      await call();
    } catch (error) {
      if (!(error instanceof GrammyError) || error.error_code !== 400) throw error;
      this.options.log.warn(
        { orderId, description: error.description },
        "payment message not redrawn",
      );
    }
  }
}
