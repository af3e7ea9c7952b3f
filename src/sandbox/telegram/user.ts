import type { Message, MessageEntity, Update, User } from "grammy/types";
import { callbackDataOf } from "./markup.js";
import { type ChatMessage, type EmulatorState, randomToken } from "./state.js";

export interface EmulatedUserOptions {
  id?: number;
  firstName?: string;
  username?: string;
  /** Telegram sends the app's language, e.g. "en", "ru", "zh-hans". */
  languageCode?: string;
  /** How long a pre-checkout query waits for the bot (Telegram: 10 s). */
  preCheckoutTimeoutMs?: number;
}

/** What the bot answered to a button press; undefined when it never answered. */
export interface CallbackAnswer {
  text?: string;
  show_alert?: boolean;
  url?: string;
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Only messages with a greater id count (e.g. those sent after an action). */
  after?: number;
}

export interface InvoicePayment {
  ok: boolean;
  /** The bot's refusal, shown to the buyer. */
  errorMessage?: string;
  chargeId?: string;
}

type NonChannelMessage = Message & Update.NonChannel;

let nextUserId = 500_000_000;
const DEFAULT_WAIT_MS = 10_000;

/**
 * A person in a private chat with the bot: sends text, presses buttons, pays invoices, and reads
 * what the bot sent. Every action goes through the emulator's update queue, so the bot sees
 * exactly the updates Telegram would send.
 */
export class EmulatedUser {
  readonly user: User;
  private readonly preCheckoutTimeoutMs: number;

  constructor(
    private readonly state: EmulatorState,
    options: EmulatedUserOptions = {},
  ) {
    this.user = {
      id: options.id ?? nextUserId++,
      is_bot: false,
      first_name: options.firstName ?? "Alice",
      ...(options.username === undefined ? {} : { username: options.username }),
      language_code: options.languageCode ?? "en",
    };
    this.preCheckoutTimeoutMs = options.preCheckoutTimeoutMs ?? 10_000;
    state.addUser(this.user);
  }

  get id(): number {
    return this.user.id;
  }

  /** Sends a text message; a leading /command is marked as Telegram marks it. */
  send(text: string): ChatMessage {
    const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    const entities: MessageEntity[] =
      command === null ? [] : [{ type: "bot_command", offset: 0, length: command[0].length }];
    const stored = this.state.addMessage(this.id, false, (base) => ({
      text,
      edits: 0,
      deleted: false,
      message: { ...base, text, ...(entities.length > 0 ? { entities } : {}) } as Message,
    }));
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

  /** Sends callback data as if a button carried it — including data no button carries. */
  pressData(data: string, message: ChatMessage): Promise<CallbackAnswer | undefined> {
    const id = this.state.nextQueryId();
    const answered = new Promise<CallbackAnswer | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.state.queries.delete(id);
        resolve(undefined);
      }, DEFAULT_WAIT_MS).unref();
      this.state.queries.set(id, {
        kind: "callback_query",
        answer: (params) => {
          clearTimeout(timer);
          resolve(params as CallbackAnswer);
        },
      });
    });
    this.state.queue.push({
      callback_query: {
        id,
        from: this.user,
        message: message.message as NonChannelMessage,
        chat_instance: String(this.id),
        data,
      },
    });
    return answered;
  }

  /**
   * Pays an invoice message: Telegram asks the bot with a pre_checkout_query and, when the bot
   * says yes in time, posts a successful_payment message to the chat.
   */
  async payInvoice(message: ChatMessage, tipAmount = 0): Promise<InvoicePayment> {
    const invoice = message.invoice;
    if (invoice === undefined) throw new Error("the message is not an invoice");
    const totalAmount = invoice.totalAmount + tipAmount;
    const id = this.state.nextQueryId();
    const answer = await new Promise<Record<string, unknown> | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.state.queries.delete(id);
        resolve(undefined);
      }, this.preCheckoutTimeoutMs).unref();
      this.state.queries.set(id, {
        kind: "pre_checkout_query",
        answer: (params) => {
          clearTimeout(timer);
          resolve(params);
        },
      });
      this.state.queue.push({
        pre_checkout_query: {
          id,
          from: this.user,
          currency: invoice.currency,
          total_amount: totalAmount,
          invoice_payload: invoice.payload,
        },
      });
    });
    if (answer === undefined) return { ok: false, errorMessage: "the bot did not answer in time" };
    if (answer.ok !== true) return { ok: false, errorMessage: String(answer.error_message ?? "") };

    const chargeId = `stxn_${randomToken(18)}`;
    const providerChargeId = invoice.currency === "XTR" ? "" : `prov_${randomToken(12)}`;
    this.state.payments.set(chargeId, {
      chargeId,
      providerChargeId,
      userId: this.id,
      currency: invoice.currency,
      totalAmount,
      payload: invoice.payload,
      refunded: false,
    });
    if (invoice.currency === "XTR") this.state.starBalance += totalAmount;
    const stored = this.state.addMessage(this.id, false, (base) => ({
      edits: 0,
      deleted: false,
      message: {
        ...base,
        successful_payment: {
          currency: invoice.currency,
          total_amount: totalAmount,
          invoice_payload: invoice.payload,
          telegram_payment_charge_id: chargeId,
          provider_payment_charge_id: providerChargeId,
        },
      } as Message,
    }));
    this.state.queue.push({ message: stored.message as NonChannelMessage });
    return { ok: true, chargeId };
  }

  /** What the bot sent to this chat, oldest first, deleted messages left out. */
  fromBot(): ChatMessage[] {
    return this.state.messages(this.id).filter((m) => m.fromBot && !m.deleted);
  }

  /** The id of the newest message in the chat, for `waitFor({ after })`. */
  lastMessageId(): number {
    return this.state.messages(this.id).at(-1)?.messageId ?? 0;
  }

  /** Resolves with the first bot message (as it is now, edits included) that satisfies `test`. */
  waitFor(test: (message: ChatMessage) => boolean, options: WaitOptions = {}) {
    const after = options.after ?? 0;
    const find = () => this.fromBot().find((m) => m.messageId > after && test(m));
    return new Promise<ChatMessage>((resolve, reject) => {
      const found = find();
      if (found !== undefined) {
        resolve(found);
        return;
      }
      const timer = setTimeout(() => {
        stop();
        const seen = this.fromBot()
          .map((m) => `#${m.messageId}: ${(m.text ?? m.caption ?? "[media]").slice(0, 120)}`)
          .join("\n");
        reject(new Error(`no matching bot message within the wait; the chat has:\n${seen}`));
      }, options.timeoutMs ?? DEFAULT_WAIT_MS);
      const stop = this.state.onChange(this.id, () => {
        const match = find();
        if (match === undefined) return;
        clearTimeout(timer);
        stop();
        resolve(match);
      });
    });
  }

  /** Waits for a bot message whose text or caption contains `fragment`. */
  waitForText(fragment: string | RegExp, options: WaitOptions = {}): Promise<ChatMessage> {
    return this.waitFor((m) => {
      const text = m.text ?? m.caption ?? "";
      return typeof fragment === "string" ? text.includes(fragment) : fragment.test(text);
    }, options);
  }

  /** Waits for a bot message carrying an inline button whose label contains `label`. */
  waitForButton(label: string, options: WaitOptions = {}): Promise<ChatMessage> {
    return this.waitFor(
      (m) =>
        m.replyMarkup !== undefined &&
        "inline_keyboard" in m.replyMarkup &&
        m.replyMarkup.inline_keyboard.flat().some((b) => b.text.includes(label)),
      options,
    );
  }

  /** The callback data of every button on a message, for forging checks. */
  buttonsData(message: ChatMessage): string[] {
    return callbackDataOf(message.replyMarkup);
  }
}
