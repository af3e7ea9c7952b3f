import type { RedisClient } from "../redis/client.js";
import { type RedisKeys, redisKeys } from "../redis/keys.js";

/** What the shop gave a subscription's buyer for one paid period of chat access. */
export type PeriodAccess =
  /** A one-person invite link expiring with the period; `revoked` once the shop revoked it. */
  | { chatId: number; link: string; until: number; revoked?: boolean }
  /** The buyer was in the chat already: they were told their access goes on. */
  | { chatId: number; member: true; until: number }
  /** The period was over before access could be given: nothing to give. */
  | { chatId: number; over: true };

/**
 * The record of each subscription's chat access: per period, the link made or that the buyer
 * was in already, written once, so a retried delivery sends the link it made rather than make
 * another.
 */
export class AccessGrants {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** The period's access, once decided. */
  async of(orderId: string, period: number): Promise<PeriodAccess | undefined> {
    const raw = await this.redis.hget(this.keys.chatAccess(orderId), String(period));
    return raw === null ? undefined : (JSON.parse(raw) as PeriodAccess);
  }

  /**
   * Keeps `access` as the period's unless one was kept already, and returns the one kept: of two
   * workers that both made a link, one link is the period's.
   */
  async keep(orderId: string, period: number, access: PeriodAccess): Promise<PeriodAccess> {
    const key = this.keys.chatAccess(orderId);
    await this.redis.hsetnx(key, String(period), JSON.stringify(access));
    return (await this.of(orderId, period)) ?? access;
  }

  /** Every period's access of the order, by period. */
  async all(orderId: string): Promise<Map<number, PeriodAccess>> {
    const fields = await this.redis.hgetall(this.keys.chatAccess(orderId));
    const periods = new Map<number, PeriodAccess>();
    for (const [field, raw] of Object.entries(fields)) {
      if (/^\d+$/.test(field)) periods.set(Number(field), JSON.parse(raw) as PeriodAccess);
    }
    return periods;
  }
}
