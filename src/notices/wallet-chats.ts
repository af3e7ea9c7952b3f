import type { RedisClient } from "../redis/client.js";
import { type RedisKeys, redisKeys } from "../redis/keys.js";

const KEEP_SECONDS = 30 * 86_400;

/** Where to tell a buyer what their connected wallet did, and in which language. */
export interface WalletChat {
  chatId: number;
  locale: string;
}

/**
 * The chat and language of each buyer who used /wallet, so what their wallet does while they
 * are away (connects, pays, leaves) is told in the right chat and words.
 */
export class WalletChats {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = redisKeys(prefix);
  }

  async remember(userId: number, chat: WalletChat): Promise<void> {
    const json = JSON.stringify({ chatId: chat.chatId, locale: chat.locale });
    await this.redis.set(this.keys.walletChat(userId), json, "EX", KEEP_SECONDS);
  }

  async of(userId: number): Promise<WalletChat | undefined> {
    const stored = await this.redis.get(this.keys.walletChat(userId));
    return stored ? (JSON.parse(stored) as WalletChat) : undefined;
  }
}
