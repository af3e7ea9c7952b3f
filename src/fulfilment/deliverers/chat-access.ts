import type { I18n } from "@grammyjs/i18n";
import { type Api, InlineKeyboard } from "grammy";
import type { ChatMember } from "grammy/types";
import type { AccessGrants, PeriodAccess } from "../../access/grants.js";
import { recipientUnreachable } from "../../bot/api/errors.js";
import type { BotContext } from "../../bot/context.js";
import { localized } from "../../bot/i18n.js";
import type { Catalog, Product } from "../../catalog/catalog.js";
import { type Clock, systemClock } from "../../clock.js";
import type { Logger } from "../../log.js";
import { escapeHtml, formatTime } from "../../notices/format.js";
import type { Order } from "../../orders/order.js";
import { type Deliverer, DeliveryRejected, periodStep } from "../deliverer.js";
import { refused, telegramFailure } from "./telegram.js";

/** A link must live at least this long to be worth sending: Telegram refuses an expiry passed. */
const MIN_LINK_LIFE_MS = 60_000;

/**
 * A subscription's chat access, per paid period: first the period's access is decided and kept
 * — the buyer is in the chat already, or a one-person invite link expiring with the period is
 * made — then one message carries it. The link is kept before its message is sent, so a worker
 * killed right after making it sends that link, never a second message; one killed before makes
 * one then. (A link made by a worker killed before it was kept is sent to nobody, and expires.)
 */
export class ChatAccessDelivery {
  constructor(
    private readonly api: Api,
    private readonly catalog: Catalog,
    private readonly grants: AccessGrants,
    private readonly i18n: I18n<BotContext>,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The order's access steps given those done: "access-link" then "access" (with "@N" after the first period). */
  async steps(order: Order, done: ReadonlySet<string>): Promise<Deliverer[]> {
    const subscription = order.subscription;
    const product = this.catalog.find(order.productId);
    const chatId = product?.access?.chatId;
    if (!subscription || !product || chatId === undefined) return [];
    const step = (name: string) => periodStep(order, name);
    const access = await this.grants.of(order.id, subscription.periods);
    if (access === undefined) {
      if (done.has(step("access-link"))) {
        return [refused(step("access"), "the access decided for this period is gone")];
      }
      return [this.decide(order, chatId, step("access-link"))];
    }
    if ("over" in access) return [];
    return [this.message(order, product, access, step("access"))];
  }

  /** Finds the buyer in the chat, or makes the period's link, and keeps what was decided. */
  private decide(order: Order, chatId: number, name: string): Deliverer {
    return {
      name,
      deliver: async () => {
        const period = order.subscription?.periods ?? 1;
        const until = order.subscription?.paidUntil ?? 0;
        try {
          const member = await this.api.getChatMember(chatId, order.userId);
          if (inChat(member)) {
            await this.grants.keep(order.id, period, { chatId, member: true, until });
            return;
          }
          if (until <= this.clock() + MIN_LINK_LIFE_MS) {
            await this.grants.keep(order.id, period, { chatId, over: true });
            this.log.warn({ orderId: order.id, period, chatId }, "period over before its access");
            return;
          }
          const made = await this.api.createChatInviteLink(chatId, {
            name: `${order.id} period ${period}`,
            expire_date: Math.ceil(until / 1000),
            member_limit: 1,
          });
          const link = made.invite_link;
          const kept = await this.grants.keep(order.id, period, { chatId, link, until });
          if (!("link" in kept) || kept.link !== link) {
            // Another worker kept its link for the period first: this one is sent to nobody.
            await this.api.revokeChatInviteLink(chatId, link).catch(() => undefined);
          }
        } catch (error) {
          throw accessFailure(error, chatId);
        }
      },
    };
  }

  private message(order: Order, product: Product, access: PeriodAccess, name: string): Deliverer {
    return {
      name,
      deliver: async () => {
        if ("over" in access) return;
        const lang = order.lang;
        const title = localized(product.title, lang);
        const t = (key: string, variables: Record<string, string | number>) =>
          this.i18n.t(lang, key, variables);
        const until = formatTime(access.until);
        try {
          if ("member" in access) {
            const text = t("access-continues", { title: escapeHtml(title), until });
            await this.api.sendMessage(order.chatId, text, { parse_mode: "HTML" });
            return;
          }
          const text = t("access-invite", { title: escapeHtml(title), until, link: access.link });
          await this.api.sendMessage(order.chatId, text, {
            parse_mode: "HTML",
            reply_markup: new InlineKeyboard().url(t("button-access-join", { title }), access.link),
            link_preview_options: { is_disabled: true },
          });
        } catch (error) {
          throw telegramFailure(error);
        }
      },
    };
  }
}

/** Whether a ChatMember is in the chat: a restricted one may be, or may have left. */
export function inChat(member: ChatMember): boolean {
  if (member.status === "restricted") return member.is_member;
  return (
    member.status === "creator" || member.status === "administrator" || member.status === "member"
  );
}

/**
 * Telegram refusing the chat (the bot is not in it, or may not invite) will not change by
 * retrying: the job goes to the dead stream and the admins are told which chat and why.
 */
function accessFailure(error: unknown, chatId: number): unknown {
  if (recipientUnreachable(error)) {
    return new DeliveryRejected(
      `the bot cannot give access to chat ${chatId}: ${error.description}; it must be an administrator there who may invite users`,
    );
  }
  return telegramFailure(error);
}
