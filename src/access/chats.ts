import { type Api, GrammyError } from "grammy";
import type { ChatMember } from "grammy/types";
import { telegramUnreachable } from "../bot/api/errors.js";
import type { Catalog, Product } from "../catalog/catalog.js";
import type { Logger } from "../log.js";

/**
 * The chats the shop can grant access to: those where the bot is an administrator that may
 * invite users (to make each subscriber's link) and ban them (to remove them when their
 * subscription ends). Until start-up has asked Telegram, none; a subscription giving access to
 * any other chat is not offered.
 */
export class AccessChats {
  private readonly granted = new Set<number>();

  constructor(
    private readonly catalog: Catalog,
    private readonly log: Logger,
  ) {}

  /**
   * Asks Telegram where the bot (`botId`) stands in each chat the catalog gives access to, and
   * logs one warning for each product whose chat it may not grant. Throws while Telegram is
   * away, so start-up waits for it.
   */
  async check(api: Api, botId: number): Promise<void> {
    const chats = new Map<number, Product[]>();
    for (const product of this.catalog.products) {
      const chatId = product.access?.chatId;
      if (chatId !== undefined) chats.set(chatId, [...(chats.get(chatId) ?? []), product]);
    }
    for (const [chatId, products] of chats) {
      const problem = await this.problemWith(api, chatId, botId);
      if (problem === undefined) {
        this.granted.add(chatId);
        continue;
      }
      this.granted.delete(chatId);
      for (const product of products) {
        this.log.warn(
          { productId: product.id, chatId, ...problem },
          "this subscription's chat does not have the bot as an administrator that may invite and ban users: it is not offered",
        );
      }
    }
  }

  /** Whether the shop can give what `product` promises now: chat access only in a chat checked. */
  grants(product: Product): boolean {
    return product.access === undefined || this.granted.has(product.access.chatId);
  }

  private async problemWith(api: Api, chatId: number, botId: number) {
    let member: ChatMember;
    try {
      member = await api.getChatMember(chatId, botId);
    } catch (error) {
      if (telegramUnreachable(error) || !(error instanceof GrammyError)) throw error;
      return { description: error.description };
    }
    if (member.status !== "administrator") return { status: member.status };
    const { can_invite_users, can_restrict_members } = member;
    if (can_invite_users && can_restrict_members) return undefined;
    return { status: member.status, can_invite_users, can_restrict_members };
  }
}
