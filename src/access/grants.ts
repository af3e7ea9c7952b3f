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

const TOLD = "told";

/**
 * The record of each subscription's chat access: per period, the link made or that the buyer
 * was in already, written once, so a retried delivery sends the link it made rather than make
 * another; and the ended subscriptions whose member is still to be removed.
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

  /** The period's link no longer lets anyone in. */
  async revoked(orderId: string, period: number, access: PeriodAccess & { link: string }) {
    const next = JSON.stringify({ ...access, revoked: true });
    await this.redis.hset(this.keys.chatAccess(orderId), String(period), next);
  }

  /** Whether the admins were told that the order's member could not be removed. */
  async told(orderId: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.chatAccess(orderId), TOLD)) === 1;
  }

  /** The admins were told: told only after, so a crash between repeats the notice, never loses it. */
  async markTold(orderId: string): Promise<void> {
    await this.redis.hset(this.keys.chatAccess(orderId), TOLD, "1");
  }

  /** The order's member is to be removed, from `at` (ms); a removal owed already keeps its time. */
  async owe(orderId: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.accessRemovals, "NX", at, orderId);
  }

  /** The removal is tried again at `at`. */
  async postpone(orderId: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.accessRemovals, "XX", at, orderId);
  }

  /** Nothing more is owed for the order. */
  async settle(orderId: string): Promise<void> {
    await this.redis.zrem(this.keys.accessRemovals, orderId);
  }

  /** Orders whose removal is due by `now`. */
  due(now: number, limit = 100): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.accessRemovals, "-inf", now, "LIMIT", 0, limit);
  }

  /** Every removal still owed, with when it is next tried. */
  async owed(): Promise<{ orderId: string; at: number }[]> {
    const flat = await this.redis.zrange(this.keys.accessRemovals, 0, -1, "WITHSCORES");
    const owed: { orderId: string; at: number }[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      owed.push({ orderId: flat[i] ?? "", at: Number(flat[i + 1]) });
    }
    return owed;
  }
}
