import { Composer, type FilterQuery, InlineKeyboard } from "grammy";
import type { Message } from "grammy/types";
import { escapeHtml } from "../../notices/format.js";
import type { Telegram } from "../../support/desk.js";
import type { TicketKind } from "../../support/tickets.js";
import { onPress, ticketData } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { isAdmin } from "../filters/is-admin.js";
import { localized } from "../i18n.js";
import type { AdminServices, ShopServices } from "../services.js";

/** What a buyer can write into a ticket: everything a person sends, service messages aside. */
const RELAYED = [
  "message:text",
  "message:photo",
  "message:document",
  "message:video",
  "message:animation",
  "message:video_note",
  "message:voice",
  "message:audio",
  "message:sticker",
  "message:location",
  "message:contact",
] as const satisfies FilterQuery[];

const closeButton = (ticket: number, label: string) =>
  new InlineKeyboard().text(label, ticketData.pack({ close: ticket }));

/** The bot's API, texts and buttons, as the support desk uses them. */
function telegramOf(ctx: BotContext): Telegram {
  return {
    api: ctx.api,
    t: (locale, key, args) => ctx.i18n.fluent.translate(locale, key, args),
    closeButton,
  };
}

function isCommand(message: Message): boolean {
  return message.entities?.[0]?.type === "bot_command" && message.entities[0].offset === 0;
}

/**
 * Support, as Telegram's payment rules ask: /support and /paysupport open (or continue) the
 * buyer's ticket; while it is open, what the buyer writes goes to the admins, who answer by
 * replying to it; either side can close it. Mounted after the other features, so a buyer with an
 * open ticket still shops, pays and uses every command as before.
 */
export function supportFeature(services: ShopServices, admin: AdminServices) {
  const feature = new Composer<BotContext>();
  const { support, log } = services;
  const { tickets } = support;
  const adminHere = isAdmin(admin.adminIds, admin.adminChatId);
  const private_ = feature.chatType("private");

  const open = async (ctx: BotContext, kind: TicketKind) => {
    const from = ctx.from;
    const chat = ctx.chat;
    if (!from || !chat) return;
    // A ticket's answers go to the chat it was opened in: only ever the buyer's own.
    if (chat.type !== "private") return ctx.reply(ctx.t("support-private-only"));
    const locale = await ctx.i18n.getLocale();
    const { ticket, opened } = await tickets.open(
      {
        userId: from.id,
        chatId: chat.id,
        firstName: from.first_name,
        ...(from.username ? { username: from.username } : {}),
      },
      kind,
      locale,
    );
    if (opened) log.info({ ticket: ticket.number, userId: from.id, kind }, "ticket opened");
    const hours = services.catalog.shop.supportHours;
    const lines = [
      opened
        ? ctx.t("support-opened", { number: String(ticket.number) })
        : ctx.t("support-continued", { number: String(ticket.number) }),
    ];
    if (kind === "paysupport")
      lines.push("", ctx.t("paysupport-ask"), ctx.t("paysupport-telegram"));
    else lines.push("", ctx.t("support-ask"));
    if (hours) {
      lines.push("", ctx.t("support-hours", { hours: escapeHtml(localized(hours, locale)) }));
    }
    return ctx.reply(lines.join("\n"), {
      parse_mode: "HTML",
      reply_markup: closeButton(
        ticket.number,
        ctx.t("support-close-button", { number: String(ticket.number) }),
      ),
    });
  };
  private_.command("support", (ctx) => open(ctx, "support"));
  private_.command("paysupport", (ctx) => open(ctx, "paysupport"));

  feature.use(
    onPress(ticketData, {}, async (ctx, { close: number }) => {
      const ticket = await tickets.get(number);
      if (adminHere(ctx)) {
        const closed = ticket ? await support.closeByShop(telegramOf(ctx), ticket) : false;
        if (closed) log.info({ ticket: number, adminId: ctx.from.id }, "ticket closed by the shop");
        await ctx.answerCallbackQuery({
          text: closed
            ? ctx.t("support-closed-admin", { number: String(number) })
            : ctx.t("support-already-closed", { number: String(number) }),
        });
        return ctx.editMessageReplyMarkup().catch(() => undefined);
      }
      if (!ticket || ticket.buyer.userId !== ctx.from.id) {
        log.warn({ userId: ctx.from.id, ticket: number }, "ticket button refused");
        return ctx.answerCallbackQuery({ text: ctx.t("error-forged"), show_alert: true });
      }
      const result = await tickets.close(number, ticket.buyer.userId);
      if (result === "closed") log.info({ ticket: number }, "ticket closed by the buyer");
      await ctx.answerCallbackQuery();
      return ctx.editMessageText(
        result === "closed"
          ? ctx.t("support-closed", { number: String(number) })
          : ctx.t("support-already-closed", { number: String(number) }),
      );
    }),
  );

  // — the admins' side —
  const admins = feature.filter(adminHere);

  admins.command("close", async (ctx) => {
    const text = ctx.match.trim().replace(/^#/, "");
    if (!/^[1-9][0-9]{0,9}$/.test(text)) return ctx.reply(ctx.t("support-close-usage"));
    const number = Number(text);
    const ticket = await tickets.get(number);
    if (!ticket) return ctx.reply(ctx.t("support-not-found", { number: String(number) }));
    const closed = await support.closeByShop(telegramOf(ctx), ticket);
    if (closed) log.info({ ticket: number, adminId: ctx.from?.id }, "ticket closed by the shop");
    return ctx.reply(
      closed
        ? ctx.t("support-closed-admin", { number: String(number) })
        : ctx.t("support-already-closed", { number: String(number) }),
    );
  });

  // An admin's reply to a relayed message (or its header) answers that ticket's buyer.
  admins.on("message", async (ctx, next) => {
    const replied = ctx.message.reply_to_message;
    if (!replied || replied.from?.id !== ctx.me.id || isCommand(ctx.message)) return next();
    const number = await tickets.relayedFor(ctx.chat.id, replied.message_id);
    if (number === undefined) return next();
    const ticket = await tickets.get(number);
    if (!ticket) return ctx.reply(ctx.t("support-not-found", { number: String(number) }));
    const outcome = await support.answer(telegramOf(ctx), ticket, ctx.message, ctx.from.id);
    log.info({ ticket: number, adminId: ctx.from.id, outcome }, "ticket answered");
    const name = escapeHtml(ticket.buyer.firstName);
    const key =
      outcome === "sent"
        ? ctx.t("support-answered", { number: String(number), name })
        : outcome === "sent-closed"
          ? ctx.t("support-answered-closed", { number: String(number), name })
          : ctx.t("support-answer-unreachable", { number: String(number), name });
    return ctx.reply(key, {
      parse_mode: "HTML",
      reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true },
    });
  });

  // — the buyer's side: what they write while their ticket is open —
  private_.on([...RELAYED], async (ctx, next) => {
    if (isCommand(ctx.message)) return next();
    const ticket = await tickets.current(ctx.from.id);
    if (!ticket) return next();
    const outcome = await support.relay(telegramOf(ctx), ticket, ctx.message);
    if (outcome === "kept") log.warn({ ticket: ticket.number }, "ticket message kept, not relayed");
    const number = String(ticket.number);
    return ctx.reply(
      outcome === "relayed"
        ? ctx.t("support-passed-on", { number })
        : outcome === "kept"
          ? ctx.t("support-kept", { number })
          : ctx.t("support-closed-meanwhile", { number }),
      {
        reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true },
      },
    );
  });

  // An admin's reply to one of the bot's messages that leads to no ticket: an old relay whose
  // link expired, or a message that never was one. Said plainly rather than dropped.
  admins.on("message", async (ctx, next) => {
    const replied = ctx.message.reply_to_message;
    // In the admins' group a reply to the bot is often just talk; only a private chat is told.
    if (ctx.chat.type !== "private") return next();
    if (!replied || replied.from?.id !== ctx.me.id || isCommand(ctx.message)) return next();
    log.info(
      { adminId: ctx.from.id, chatId: ctx.chat.id, messageId: replied.message_id },
      "reply to no ticket",
    );
    return ctx.reply(ctx.t("support-reply-unlinked"), {
      reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true },
    });
  });

  // Someone in the admins' group who is not an admin replied to a relay: nothing reaches the buyer.
  feature.on("message", async (ctx, next) => {
    const replied = ctx.message.reply_to_message;
    if (!replied || ctx.chat.id !== admin.adminChatId || replied.from?.id !== ctx.me.id) {
      return next();
    }
    const number = await tickets.relayedFor(ctx.chat.id, replied.message_id);
    if (number === undefined) return next();
    log.warn({ userId: ctx.from.id, ticket: number }, "ticket answer refused: not an admin");
  });

  return {
    feature,
    /** What /support does, for the button under the welcome. */
    openTicket: (ctx: BotContext) => open(ctx, "support"),
  };
}
