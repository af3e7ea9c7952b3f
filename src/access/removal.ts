import { type Api, GrammyError } from "grammy";
import { telegramUnreachable } from "../bot/api/errors.js";
import type { Catalog } from "../catalog/catalog.js";
import type { Logger } from "../log.js";
import { EventReader, type StreamEvent } from "../notices/event-consumer.js";
import { encodeEvent, memberNotRemoved } from "../orders/events.js";
import type { OrderStore } from "../orders/store.js";
import { live, type Subscriptions } from "../payments/telegram/subscriptions.js";
import type { RedisClient } from "../redis/client.js";
import { partitionOf, redisKeys } from "../redis/keys.js";
import type { AccessGrants } from "./grants.js";

/** How long a removal Telegram refused waits before it is tried again. */
const RETRY_MS = 10 * 60_000;

export interface AccessRemovalOptions {
  api: Api;
  redis: RedisClient;
  prefix: string;
  store: OrderStore;
  catalog: Catalog;
  grants: AccessGrants;
  /** The buyer's other subscriptions, which may keep them in the same chat. */
  subscriptions: Subscriptions;
  log: Logger;
  /** How long a removal Telegram refused waits; ten minutes by default. */
  retryMs?: number;
  /** See EventConsumerOptions. */
  blockMs?: number;
  retryDelayMs?: (attempt: number) => number;
}

/** Why a removal did not happen: Telegram refused it, or asked the shop to wait. */
interface Refusal {
  chatId: number;
  error: GrammyError;
}

/**
 * Ends a subscription's chat access when the subscription ends: the links made for it are
 * revoked, since a one-person link admits someone again once its member is gone, and its member
 * is removed from each chat the shop let them into (unbanChatMember without only_if_banned:
 * removed, not banned, so a new subscription lets them back). Each removal is owed until it is done:
 * one Telegram refuses (the bot lost its rights there) is tried again every ten minutes by the
 * subscriptions job, with one notice to the admins and a log line each time, never a loop.
 */
export class AccessRemoval extends EventReader {
  private readonly retryMs: number;

  constructor(private readonly options: AccessRemovalOptions) {
    super({
      redis: options.redis,
      prefix: options.prefix,
      group: "chat-access",
      log: options.log,
      blockMs: options.blockMs,
      retryDelayMs: options.retryDelayMs,
    });
    this.retryMs = options.retryMs ?? RETRY_MS;
  }

  protected async handle(event: StreamEvent): Promise<void> {
    if (event.type !== "order.subscription_ended" || event.orderId === undefined) return;
    // Owed first: whatever happens next, the subscriptions job finds it.
    await this.options.grants.owe(event.orderId, this.options.store.now());
    await this.remove(event.orderId);
  }

  /**
   * Tries the removals that are due again, until Telegram is found away; returns how many were
   * done. The subscriptions job runs it every minute.
   */
  async retryOwed(): Promise<number> {
    let done = 0;
    for (const orderId of await this.options.grants.due(this.options.store.now())) {
      try {
        if (await this.remove(orderId)) done++;
      } catch (error) {
        if (!telegramUnreachable(error)) throw error;
        // Telegram away: the rest wait for the next pass.
        this.options.log.debug({ orderId, err: error }, "access removals wait for Telegram");
        break;
      }
    }
    return done;
  }

  /**
   * Removes the ended subscription's member and revokes its links; true once nothing is owed
   * for the order. Throws while Telegram is away, so the caller tries again when it is back.
   */
  async remove(orderId: string): Promise<boolean> {
    const { store, grants, log } = this.options;
    const order = await store.get(orderId);
    // Gone, or renewed since it ended: its member keeps their place.
    if (order?.subscription?.endedAt === undefined) {
      await grants.settle(orderId);
      return true;
    }
    const periods = await grants.all(orderId);
    const chats = new Set([...periods.values()].map((access) => access.chatId));
    const userId = order.userId;
    const kept: number[] = [];
    for (const chatId of chats) {
      // Links first: a one-person link's seat comes free as its member leaves, and must by
      // then admit nobody. Whether another subscription keeps them there is asked last, so one
      // bought meanwhile is seen.
      let refusal = await this.revokeLinks(chatId, orderId, periods);
      if (!refusal) {
        if ((await this.chatsKept(userId, orderId)).has(chatId)) kept.push(chatId);
        else refusal = await this.removeMember(chatId, userId, orderId);
      }
      if (refusal) {
        await this.refused(orderId, userId, refusal);
        return false;
      }
    }
    await grants.settle(orderId);
    if (chats.size > 0) {
      log.info(
        { orderId, userId, chatIds: [...chats], keptBy: kept },
        "ended subscription's access removed",
      );
    }
    return true;
  }

  /** Chats the buyer's other live subscriptions give access to: their member stays there. */
  private async chatsKept(userId: number, orderId: string): Promise<Set<number>> {
    const others = await this.options.subscriptions.of(userId);
    const chats = others
      .filter((other) => other.id !== orderId && live(other))
      .map((other) => this.options.catalog.find(other.productId)?.access?.chatId);
    return new Set(chats.filter((chatId): chatId is number => chatId !== undefined));
  }

  private async removeMember(chatId: number, userId: number, orderId: string) {
    try {
      await this.options.api.unbanChatMember(chatId, userId);
      return undefined;
    } catch (error) {
      const refusal = refusalOf(error, chatId);
      // An administrator or the owner of the chat is not the shop's to remove.
      if (/administrator of the chat|remove chat owner/.test(refusal.error.description)) {
        this.options.log.info(
          { orderId, chatId, userId, description: refusal.error.description },
          "an administrator of the chat keeps their place after their subscription",
        );
        return undefined;
      }
      return refusal;
    }
  }

  private async revokeLinks(
    chatId: number,
    orderId: string,
    periods: Awaited<ReturnType<AccessGrants["all"]>>,
  ): Promise<Refusal | undefined> {
    for (const [period, access] of periods) {
      if (access.chatId !== chatId || !("link" in access) || access.revoked) continue;
      try {
        await this.options.api.revokeChatInviteLink(chatId, access.link);
      } catch (error) {
        const refusal = refusalOf(error, chatId);
        const { error_code: code, description } = refusal.error;
        // Any other refusal is about the link (gone, expired): it admits nobody any more.
        if (code === 403 || code === 429 || /rights|chat not found/.test(description)) {
          return refusal;
        }
      }
      await this.options.grants.revoked(orderId, period, access);
    }
    return undefined;
  }

  /** The removal waits; the admins hear of it once, and every try leaves one log line. */
  private async refused(orderId: string, userId: number, { chatId, error }: Refusal) {
    const { grants, redis, prefix, log } = this.options;
    const wait = error.parameters.retry_after;
    const retryAt = this.options.store.now() + (wait ? wait * 1000 : this.retryMs);
    await grants.postpone(orderId, retryAt);
    if (wait === undefined && !(await grants.told(orderId))) {
      const events = redisKeys(prefix).events(partitionOf(orderId));
      const event = encodeEvent(memberNotRemoved(chatId, error.description));
      await redis.xadd(events, "MAXLEN", "~", "100000", "*", "orderId", orderId, "event", event);
      await grants.markTold(orderId);
    }
    log.warn(
      { orderId, chatId, userId, code: error.error_code, description: error.description, retryAt },
      "an ended subscription's member could not be removed from its chat; will retry",
    );
  }
}

/** Telegram's refusal; anything else (Telegram away, Redis) is thrown on. */
function refusalOf(error: unknown, chatId: number): Refusal {
  if (error instanceof GrammyError && !telegramUnreachable(error)) return { chatId, error };
  throw error;
}
