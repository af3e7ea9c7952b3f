import type { I18n } from "@grammyjs/i18n";
import { type Api, GrammyError, InlineKeyboard, InputFile, InputMediaBuilder } from "grammy";
import { recipientUnreachable } from "../bot/api/errors.js";
import { checkOrderData } from "../bot/callback-data.js";
import type { BotContext } from "../bot/context.js";
import { type Catalog, paidOnChain } from "../catalog/catalog.js";
import type { Logger } from "../log.js";
import type { Money, OrderEvent } from "../orders/events.js";
import { type Order, outstanding } from "../orders/order.js";
import { isOpen } from "../orders/state.js";
import type { OrderStore } from "../orders/store.js";
import type { RedisClient } from "../redis/client.js";
import { EventReader, type StreamEvent } from "./event-consumer.js";
import { currencyLabel, formatAmount } from "./format.js";
import type { PaymentMessages } from "./payment-messages.js";
import { eventMessageKey } from "./status.js";
import { type TonPaymentSettings, tonPaymentMessage } from "./ton-payment.js";

const GROUP = "notifier";
const CLOSING_EVENTS = new Set<string>(["order.paid", "order.held", "order.expired"]);

export interface NotifierOptions {
  api: Api;
  /** The events stream the notices are read from. */
  redis: RedisClient;
  prefix: string;
  store: OrderStore;
  catalog: Catalog;
  /** The messages that asked for payment: notices reply to them, redraw and close them. */
  paymentMessages: PaymentMessages;
  /** How TON and USDT orders are paid: their payment message is redrawn for what is still owed. */
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
export class BuyerNotifier extends EventReader {
  constructor(private readonly options: NotifierOptions) {
    super({
      redis: options.redis,
      prefix: options.prefix,
      group: GROUP,
      log: options.log,
      blockMs: options.blockMs,
      staleMs: options.staleMs,
      maxAttempts: options.maxAttempts,
      retryDelayMs: options.retryDelayMs,
    });
  }

  protected async handle(event: StreamEvent): Promise<void> {
    if (event.orderId === undefined) return;
    const key = eventMessageKey(event);
    if (!key) return;
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

  private async tell(orderId: string, key: string, event: OrderEvent): Promise<void> {
    const order = await this.options.store.get(orderId);
    if (!order) return;
    // Before the notice: a failed redraw is retried with the event, the notice is sent once.
    if (event.type === "order.underpaid") await this.askForTheRest(order);
    const text = this.options.i18n.t(order.lang, key, {
      orderId: order.id,
      amount: formatAmount(order.amount, order.currency),
      // What had arrived when the order expired, not after any later payment.
      paid: shown(
        event.type === "order.expired" ? event.detail?.paid : undefined,
        order.paid,
        order.currency,
      ),
      // What was owed when this payment landed, not after any later one.
      owed: shown(
        event.type === "order.underpaid" ? event.detail.owed : undefined,
        outstanding(order),
        order.currency,
      ),
      currency: currencyLabel(order.currency),
      comment: order.comment ?? "",
    });
    const { messageId: replyTo } = await this.options.paymentMessages.of(orderId);
    await this.options.api.sendMessage(order.chatId, text, {
      parse_mode: "HTML",
      reply_parameters: replyTo
        ? { message_id: replyTo, allow_sending_without_reply: true }
        : undefined,
    });
    this.options.log.info({ orderId, event: key }, "buyer notified");
    if (paidOnChain(order.method) && CLOSING_EVENTS.has(event.type)) {
      await this.closePayment(order);
    }
  }

  /**
   * A TON or USDT order paid or expired: the wallet buttons and the QR code go, so nobody pays it twice
   * by mistake. (An invoice's Pay button stays; Telegram and the pre-checkout refuse a second
   * payment.)
   */
  private async closePayment(order: Order): Promise<void> {
    const { api, paymentMessages, i18n, log } = this.options;
    const { messageId, qrId } = await paymentMessages.of(order.id);
    if (messageId) {
      const check = new InlineKeyboard().text(
        i18n.t(order.lang, "button-check"),
        checkOrderData.pack({ orderId: order.id }),
      );
      await api
        .editMessageReplyMarkup(order.chatId, messageId, { reply_markup: check })
        .catch((error: unknown) =>
          log.warn({ orderId: order.id, err: error }, "payment message not updated"),
        );
    }
    if (qrId) {
      await api
        .deleteMessage(order.chatId, qrId)
        .catch((error: unknown) =>
          log.warn({ orderId: order.id, err: error }, "payment QR code not removed"),
        );
    }
  }

  /** Redraws a TON or USDT order's payment message and QR code for what it still owes. */
  private async askForTheRest(order: Order): Promise<void> {
    const { api, paymentMessages, store, catalog, i18n } = this.options;
    const product = catalog.find(order.productId);
    // Paid in full or expired meanwhile: the closing event takes the buttons away instead.
    if (!paidOnChain(order.method) || !product || !isOpen(order, store.now())) return;
    const { messageId, qrId } = await paymentMessages.of(order.id);
    const t = (key: string, variables?: Record<string, string | number>) =>
      i18n.t(order.lang, key, variables);
    const message = await tonPaymentMessage(order, product, this.options.ton, t);
    if (messageId) {
      await this.edit(order.id, () =>
        api.editMessageText(order.chatId, messageId, message.text, {
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
      await this.edit(order.id, () => api.editMessageMedia(order.chatId, qrId, photo));
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

/** An amount an event carried, or else the order's own figure now, as the buyer reads it. */
function shown(carried: Money | undefined, now: bigint, currency: string): string {
  return carried ? formatAmount(carried.units, carried.currency) : formatAmount(now, currency);
}
