import type { Message, ShippingOption, Update, User } from "grammy/types";
import { ChatView } from "./chat-view.js";
import {
  type InvoicePayment,
  NO_ANSWER,
  orderInfoFor,
  type PayInvoiceOptions,
  payOptions,
  refused,
  SAMPLE_ADDRESS,
} from "./checkout.js";
import type { JoinResult } from "./invites.js";
import { STARS } from "./methods/payments.js";
import { addPersonMessage, type PersonContent, type SendOptions } from "./people.js";
import {
  type ChatMessage,
  type EmulatorState,
  type Payment,
  type PendingQuery,
  randomToken,
  type SentInvoice,
} from "./state.js";
import { recordSuccessfulPayment } from "./subscriptions.js";
import type { UpdateBody } from "./updates.js";

export interface EmulatedUserOptions {
  id?: number;
  firstName?: string;
  username?: string;
  /** Telegram sends the app's language, e.g. "en", "ru", "zh-hans". */
  languageCode?: string;
  /** How long a shipping or pre-checkout query waits for the bot (Telegram: 10 s). */
  preCheckoutTimeoutMs?: number;
  /**
   * How long a button press waits for the bot's answer before Telegram calls the query too old
   * (undocumented; about 10 s).
   */
  callbackTimeoutMs?: number;
}

/** What the bot answered to a button press; undefined when it never answered. */
export interface CallbackAnswer {
  text?: string;
  show_alert?: boolean;
  url?: string;
}

type NonChannelMessage = Message & Update.NonChannel;

let nextUserId = 500_000_000;
const DEFAULT_WAIT_MS = 10_000;

/**
 * A person in a private chat with the bot: sends text, presses buttons, pays invoices, and reads
 * what the bot sent. Every action goes through the emulator's update queue, so the bot sees
 * exactly the updates Telegram would send.
 */
export class EmulatedUser extends ChatView {
  readonly user: User;
  private readonly preCheckoutTimeoutMs: number;
  private readonly callbackTimeoutMs: number;

  constructor(state: EmulatorState, options: EmulatedUserOptions = {}) {
    const id = options.id ?? nextUserId++;
    super(state, id);
    this.user = {
      id,
      is_bot: false,
      first_name: options.firstName ?? "Alice",
      ...(options.username === undefined ? {} : { username: options.username }),
      language_code: options.languageCode ?? "en",
    };
    this.preCheckoutTimeoutMs = options.preCheckoutTimeoutMs ?? 10_000;
    this.callbackTimeoutMs = options.callbackTimeoutMs ?? DEFAULT_WAIT_MS;
    state.addUser(this.user);
  }

  get id(): number {
    return this.user.id;
  }

  /**
   * Sends a text message; a leading /command is marked as Telegram marks it. With `replyTo`, it
   * replies to that message of the chat.
   */
  send(text: string, options: SendOptions = {}): ChatMessage {
    return this.write({ kind: "text", text }, options);
  }

  /** Sends a photo (its bytes), with a caption if given. */
  sendPhoto(photo: { bytes: Buffer; caption?: string }, options: SendOptions = {}): ChatMessage {
    return this.write({ kind: "photo", ...photo }, options);
  }

  /** Sends a file as a document, under `filename`, with a caption if given. */
  sendDocument(
    document: { bytes: Buffer; filename: string; caption?: string },
    options: SendOptions = {},
  ): ChatMessage {
    return this.write({ kind: "document", ...document }, options);
  }

  private write(content: PersonContent, options: SendOptions): ChatMessage {
    const stored = addPersonMessage(this.state, this.id, content, options);
    this.state.queue.push({ message: stored.message as NonChannelMessage });
    return stored;
  }

  /**
   * Presses the inline button whose label contains `label` on the newest bot message that has
   * one (or on `message`), and resolves with the bot's answer to the press.
   */
  press(label: string | RegExp, message?: ChatMessage): Promise<CallbackAnswer | undefined> {
    const matches = (text: string) =>
      typeof label === "string" ? text.includes(label) : label.test(text);
    const candidates = message === undefined ? [...this.fromBot()].reverse() : [message];
    for (const candidate of candidates) {
      const markup = candidate.replyMarkup;
      if (markup === undefined || !("inline_keyboard" in markup)) continue;
      const button = markup.inline_keyboard.flat().find((b) => matches(b.text));
      if (button === undefined) continue;
      if (!("callback_data" in button)) throw new Error(`button "${button.text}" is a link`);
      return this.pressData(button.callback_data, candidate);
    }
    throw new Error(`no button matching ${String(label)} in the chat`);
  }

  /** The address of the link button whose label contains `label`: what a tap would open. */
  link(label: string, message?: ChatMessage): string {
    const candidates = message === undefined ? [...this.fromBot()].reverse() : [message];
    for (const candidate of candidates) {
      const markup = candidate.replyMarkup;
      if (markup === undefined || !("inline_keyboard" in markup)) continue;
      const button = markup.inline_keyboard.flat().find((b) => b.text.includes(label));
      if (button === undefined) continue;
      if (!("url" in button) || button.url === undefined) {
        throw new Error(`button "${button.text}" is not a link`);
      }
      return button.url;
    }
    throw new Error(`no link button matching ${label} in the chat`);
  }

  /** Opens an invite link (https://t.me/+…) and asks to join its chat, as Telegram's apps do. */
  joinChat(link: string): JoinResult {
    return this.state.access.join(this.user, link);
  }

  /**
   * Sends callback data as if a button carried it — including data no button carries — from a
   * message in this user's chat with the bot or in a group they are a member of.
   */
  pressData(data: string, message: ChatMessage): Promise<CallbackAnswer | undefined> {
    if (!this.state.isInChat(message.chatId, this.id)) {
      throw new Error(`user ${this.id} cannot see chat ${message.chatId}`);
    }
    return this.ask("callback_query", this.callbackTimeoutMs, (id) => ({
      callback_query: {
        id,
        from: this.user,
        message: message.message as NonChannelMessage,
        // One value per chat the button was sent to.
        chat_instance: String(message.chatId),
        data,
      },
    })) as Promise<CallbackAnswer | undefined>;
  }

  /**
   * Pays an invoice message as Telegram's payment form does: a tip above max_tip_amount is
   * refused at once; a flexible invoice first asks the bot for shipping options with a
   * shipping_query; then the bot must say yes to the pre_checkout_query in time, and a
   * successful_payment message appears in the chat. A number as `options` is the tip.
   */
  async payInvoice(
    message: ChatMessage,
    options?: PayInvoiceOptions | number,
  ): Promise<InvoicePayment> {
    const invoice = message.invoice;
    if (invoice === undefined) throw new Error("the message is not an invoice");
    return this.checkout(invoice, payOptions(options));
  }

  /**
   * Pays an invoice made by createInvoiceLink, opened from its `https://t.me/$…` link; the
   * successful_payment message appears in this user's chat with the bot.
   */
  async payInvoiceLink(link: string, options?: PayInvoiceOptions): Promise<InvoicePayment> {
    const invoice = this.state.invoiceLinks.get(link);
    if (invoice === undefined) throw new Error(`no invoice link ${link} was created`);
    return this.checkout(invoice, payOptions(options));
  }

  /** Sets the Stars this user holds; until set, they have enough for anything. */
  setStars(stars: number): void {
    this.state.subscriptions.setStars(this.id, stars);
  }

  /** The Stars this user holds; Infinity until `setStars`. */
  get stars(): number {
    return this.state.subscriptions.starsOf(this.id);
  }

  /**
   * Turns off renewal of the subscription whose first payment was `chargeId`, in Telegram's
   * settings; the bot gets a `subscription` update saying "canceled".
   */
  cancelSubscription(chargeId: string): void {
    this.state.subscriptions.cancelByUser(this.id, chargeId);
  }

  /** Turns renewal back on, before the paid period ends; the bot gets "active". */
  reenableSubscription(chargeId: string): void {
    this.state.subscriptions.reenableByUser(this.id, chargeId);
  }

  /**
   * Delivers a message this user sent (e.g. a successful_payment) once more, as a new update
   * with a new update_id: Telegram can deliver an update twice, and the bot must not act twice.
   */
  redeliver(message: ChatMessage): void {
    if (message.chatId !== this.id || message.fromBot) {
      throw new Error("only a message this user sent to the bot can be delivered again");
    }
    this.state.queue.push({ message: message.message as NonChannelMessage });
  }

  private async checkout(
    invoice: SentInvoice,
    options: PayInvoiceOptions,
  ): Promise<InvoicePayment> {
    const tip = options.tip ?? 0;
    if (!Number.isSafeInteger(tip) || tip < 0) throw new Error("a tip must be a whole amount ≥ 0");
    if (tip > invoice.maxTipAmount) {
      return refused(
        "tip",
        `${tip} is above the invoice's max_tip_amount of ${invoice.maxTipAmount}`,
      );
    }
    const orderInfo = orderInfoFor(invoice, options.orderInfo, this.user);

    let shipping: ShippingOption | undefined;
    if (invoice.isFlexible) {
      const answer = await this.ask("shipping_query", this.preCheckoutTimeoutMs, (id) => ({
        shipping_query: {
          id,
          from: this.user,
          invoice_payload: invoice.payload,
          shipping_address: orderInfo?.shipping_address ?? SAMPLE_ADDRESS,
        },
      }));
      if (answer === undefined) return refused("shipping", NO_ANSWER);
      if (answer.ok !== true) return refused("shipping", String(answer.error_message ?? ""));
      const offered = answer.shipping_options as ShippingOption[];
      const wanted = options.shippingOptionId;
      shipping = wanted === undefined ? offered[0] : offered.find((o) => o.id === wanted);
      if (shipping === undefined) {
        const ids = offered.map((o) => o.id).join(", ");
        throw new Error(`the bot offered no shipping option "${wanted}" (it offered: ${ids})`);
      }
    }
    const shippingAmount = shipping?.prices.reduce((sum, p) => sum + p.amount, 0) ?? 0;
    const totalAmount = invoice.totalAmount + shippingAmount + tip;
    const details = {
      ...(shipping === undefined ? {} : { shipping_option_id: shipping.id }),
      ...(orderInfo === undefined ? {} : { order_info: orderInfo }),
    };

    // A buyer short of Stars is sent to buy some; the bot hears nothing of it.
    if (invoice.currency === STARS && this.state.subscriptions.starsOf(this.id) < totalAmount) {
      return refused("stars", "not enough Stars");
    }
    const answer = await this.ask("pre_checkout_query", this.preCheckoutTimeoutMs, (id) => ({
      pre_checkout_query: {
        id,
        from: this.user,
        currency: invoice.currency,
        total_amount: totalAmount,
        invoice_payload: invoice.payload,
        ...details,
      },
    }));
    if (answer === undefined) return refused("pre-checkout", NO_ANSWER);
    if (answer.ok !== true) return refused("pre-checkout", String(answer.error_message ?? ""));

    const stars = invoice.currency === STARS;
    // Telegram takes the buyer's Stars only once the bot has said yes.
    if (stars && !this.state.subscriptions.spend(this.id, totalAmount)) {
      throw new Error(`user ${this.id}'s Stars changed while paying`);
    }
    const chargeId = `stxn_${randomToken(18)}`;
    const providerChargeId = stars ? "" : `prov_${randomToken(12)}`;
    const date = this.state.clock.unixNow();
    const payment: Payment = {
      chargeId,
      providerChargeId,
      userId: this.id,
      currency: invoice.currency,
      totalAmount,
      payload: invoice.payload,
      refunded: false,
      date,
      subscriptionPeriod: invoice.subscriptionPeriod,
      ...(shipping === undefined ? {} : { shippingOptionId: shipping.id }),
      ...(orderInfo === undefined ? {} : { orderInfo }),
    };
    // The first payment of a subscription; Telegram charges the renewals itself.
    const subscription =
      invoice.subscriptionPeriod > 0
        ? {
            is_recurring: true as const,
            is_first_recurring: true as const,
            subscription_expiration_date: this.state.subscriptions.start(payment).expiresAt,
          }
        : {};
    const stored = recordSuccessfulPayment(this.state, payment, { ...details, ...subscription });
    return { ok: true, chargeId, totalAmount, message: stored };
  }

  /**
   * Sends a query update and resolves with the bot's answer parameters, or undefined when the
   * bot does not answer within `timeoutMs` (a late answer then gets "query is too old").
   */
  private ask(
    kind: PendingQuery["kind"],
    timeoutMs: number,
    update: (id: string) => UpdateBody,
  ): Promise<Record<string, unknown> | undefined> {
    const id = this.state.nextQueryId();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.state.queries.delete(id);
        resolve(undefined);
      }, timeoutMs).unref();
      this.state.queries.set(id, {
        kind,
        answer: (params) => {
          clearTimeout(timer);
          resolve(params);
        },
      });
      this.state.queue.push(update(id));
    });
  }
}
