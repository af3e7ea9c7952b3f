import type { Api } from "grammy";
import type { InlineKeyboardMarkup, Message } from "grammy/types";
import { recipientUnreachable } from "../bot/api/errors.js";
import { localized, negotiateLocale } from "../bot/i18n.js";
import type { Sessions } from "../bot/sessions.js";
import type { Catalog } from "../catalog/catalog.js";
import type { Clock } from "../clock.js";
import type { Logger } from "../log.js";
import { escapeHtml } from "../notices/format.js";
import type { OrderStore } from "../orders/store.js";
import { excerptOf, type Ticket, type TicketContent, type TicketStore } from "./tickets.js";

/** Orders of the buyer named in each relay's header. */
const RECENT_ORDERS = 3;
/** A buyer's text rides in the header up to this length; a longer one follows it as a copy. */
const TEXT_IN_HEADER = 3000;
/** An admin's text rides in the answer's heading up to this length; a longer one follows it as a copy (Telegram takes 4096 characters). */
const ANSWER_TEXT_MAX = 3800;

export interface SupportDeskOptions {
  tickets: TicketStore;
  store: OrderStore;
  catalog: Catalog;
  /** The language each admin picked in the bot. */
  sessions: Pick<Sessions, "languageOf">;
  adminIds: readonly number[];
  /** The admins' group: when set, tickets go there only. */
  adminChatId?: number;
  clock: Clock;
  log: Logger;
}

/** How the desk reaches Telegram: the bot's API, its texts and its buttons. */
export interface Telegram {
  api: Api;
  t(locale: string, key: string, args?: Record<string, string | number>): string;
  /** The Close button under a relay's header. */
  closeButton(ticket: number, label: string): InlineKeyboardMarkup;
}

/**
 * What became of a buyer's message: relayed to at least one admin chat, kept in the ticket only,
 * or refused because the ticket was closed meanwhile.
 */
export type RelayOutcome = "relayed" | "kept" | "closed";

/** What became of the shop's answer. */
export type AnswerOutcome = "sent" | "sent-closed" | "unreachable";

/** What a message is, as a ticket's log names it. */
export function contentOf(message: Message): TicketContent {
  if (message.photo) return "photo";
  if (message.document) return "document";
  if (message.video || message.animation || message.video_note) return "video";
  if (message.voice) return "voice";
  if (message.audio) return "audio";
  if (message.sticker) return "sticker";
  if (message.text !== undefined) return "text";
  return "other";
}

/**
 * Support between buyers and the shop: a buyer's message goes into the ticket, then to the
 * admins with a header (ticket, buyer, recent orders); an admin's reply goes back to the buyer as
 * the shop's answer. Media travel as copies, so photos and files arrive as such.
 */
export class SupportDesk {
  constructor(private readonly options: SupportDeskOptions) {}

  get tickets(): TicketStore {
    return this.options.tickets;
  }

  /** Where tickets go: the admins' group when there is one, else each admin's chat with the bot. */
  targets(): number[] {
    const { adminChatId, adminIds } = this.options;
    return adminChatId !== undefined ? [adminChatId] : [...adminIds];
  }

  /**
   * Keeps the buyer's message in the ticket first — so nothing is lost if Telegram fails — then
   * relays it to every admin chat. "kept" when no admin chat could be reached.
   */
  async relay(telegram: Telegram, ticket: Ticket, message: Message): Promise<RelayOutcome> {
    const { tickets, store, log } = this.options;
    const written = await tickets.buyerWrote(ticket.number, {
      at: this.options.clock(),
      content: contentOf(message),
      excerpt: excerptOf(message.text ?? message.caption),
    });
    // Closed (or gone) between the buyer's look-up and now: the buyer opens a new one.
    if (written !== "ok") return "closed";
    const orders = await store.listByUser(ticket.buyer.userId, RECENT_ORDERS);
    let relayed = 0;
    for (const target of this.targets()) {
      try {
        await this.relayTo(telegram, target, ticket, message, orders);
        relayed++;
      } catch (error) {
        log.warn(
          { ticket: ticket.number, chatId: target, err: describe(error) },
          "support message not relayed",
        );
      }
    }
    return relayed > 0 ? "relayed" : "kept";
  }

  /**
   * Sends an admin's reply to the buyer as the shop's answer, then logs it in the ticket (which
   * becomes answered, unless it was closed). An answer Telegram did not take is not logged: the
   * admin is told and replies again. Other failures are thrown.
   */
  async answer(
    { api, t }: Telegram,
    ticket: Ticket,
    reply: Message,
    adminId: number,
  ): Promise<AnswerOutcome> {
    const { tickets } = this.options;
    const chatId = ticket.buyer.chatId;
    const lang = ticket.lang;
    try {
      if (reply.text !== undefined && reply.text.length <= ANSWER_TEXT_MAX) {
        await api.sendMessage(
          chatId,
          t(lang, "support-answer", {
            number: String(ticket.number),
            text: escapeHtml(reply.text),
          }),
          { parse_mode: "HTML" },
        );
      } else {
        const header = await api.sendMessage(
          chatId,
          t(lang, "support-answer-media", { number: String(ticket.number) }),
          { parse_mode: "HTML" },
        );
        await api.copyMessage(chatId, reply.chat.id, reply.message_id, {
          reply_parameters: { message_id: header.message_id, allow_sending_without_reply: true },
        });
      }
    } catch (error) {
      if (recipientUnreachable(error)) return "unreachable";
      throw error;
    }
    // Delivered: from here on nothing may make the admin send it again. A crash or a failed
    // write leaves the answer out of the log, never sent twice.
    try {
      const recorded = await tickets.shopAnswered(ticket.number, adminId, {
        at: this.options.clock(),
        content: contentOf(reply),
        excerpt: excerptOf(reply.text ?? reply.caption),
      });
      return recorded === "closed" ? "sent-closed" : "sent";
    } catch (error) {
      this.options.log.error(
        { ticket: ticket.number, err: describe(error) },
        "support answer delivered but not logged in its ticket",
      );
      return "sent";
    }
  }

  /** Closes a ticket from the shop's side and tells the buyer; false if it was closed already. */
  async closeByShop({ api, t }: Telegram, ticket: Ticket): Promise<boolean> {
    const result = await this.options.tickets.close(ticket.number, ticket.buyer.userId);
    if (result !== "closed") return false;
    const { log } = this.options;
    await api
      .sendMessage(
        ticket.buyer.chatId,
        t(ticket.lang, "support-closed-by-shop", { number: String(ticket.number) }),
      )
      .catch((error: unknown) =>
        log.warn(
          { ticket: ticket.number, err: describe(error) },
          "buyer not told of closed ticket",
        ),
      );
    return true;
  }

  private async relayTo(
    telegram: Telegram,
    target: number,
    ticket: Ticket,
    message: Message,
    orders: Awaited<ReturnType<OrderStore["listByUser"]>>,
  ): Promise<void> {
    const { tickets, catalog } = this.options;
    const { api } = telegram;
    // The group reads English; an admin in a private chat reads the language they picked.
    const locale =
      target === this.options.adminChatId
        ? "en"
        : negotiateLocale(await this.options.sessions.languageOf(target));
    const t = (key: string, args?: Record<string, string | number>) =>
      telegram.t(locale, key, args);
    const { buyer } = ticket;
    const lines = [
      t("support-relay-header", {
        number: String(ticket.number),
        kind:
          ticket.kind === "paysupport" ? t("support-kind-paysupport") : t("support-kind-support"),
        name: escapeHtml(buyer.firstName),
        username: buyer.username ? `@${buyer.username}` : "—",
        userId: String(buyer.userId),
      }),
      orders.length === 0 ? t("support-relay-no-orders") : t("support-relay-orders"),
      ...orders.map((order) => {
        const product = catalog.find(order.productId);
        return t("support-relay-order", {
          orderId: order.id,
          title: escapeHtml(product ? localized(product.title, locale) : order.productId),
          status: t(`order-status-${order.status}`),
        });
      }),
    ];
    const text = message.text;
    const inHeader = text !== undefined && text.length <= TEXT_IN_HEADER;
    if (inHeader) lines.push("", `<blockquote>${escapeHtml(text)}</blockquote>`);
    lines.push("", t("support-relay-hint"));
    const header = await api.sendMessage(target, lines.join("\n"), {
      parse_mode: "HTML",
      reply_markup: telegram.closeButton(
        ticket.number,
        t("support-close-button", { number: String(ticket.number) }),
      ),
      link_preview_options: { is_disabled: true },
    });
    await tickets.rememberRelay(target, header.message_id, ticket.number);
    if (inHeader) return;
    const copy = await api.copyMessage(target, message.chat.id, message.message_id, {
      reply_parameters: { message_id: header.message_id, allow_sending_without_reply: true },
    });
    await tickets.rememberRelay(target, copy.message_id, ticket.number);
  }
}

/** A failed call's detail for a log line: grammY names the method and Telegram's description. */
function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
