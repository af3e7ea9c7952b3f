import type { RedisClient } from "../redis/client.js";
import { redisKeys } from "../redis/keys.js";
import { acquireLock, releaseLock } from "../redis/lock.js";

/** Telegram keeps an update for at most 24 hours, so no repeat of one comes later than that. */
const HANDLED_TTL_SECONDS = 24 * 3600;
const HANDLED = "handled";

/**
 * What `claim` found: the update is this caller's to handle (with the token that gives it back),
 * was handled already, is being handled by another request right now, or cannot be told because
 * RedisClient is not connected.
 */
export type UpdateClaim =
  | { kind: "claimed"; token: string }
  | { kind: "handled" }
  | { kind: "in-hand" }
  | { kind: "unchecked" };

/**
 * Which webhook updates the shop has taken, shared by every process on the RedisClient: an update is
 * claimed before it is handled and marked handled after, so a second delivery of one update_id —
 * Telegram trying again after an answer it did not get, or a load balancer's retry — never runs
 * the bot twice. One key per update, kept a day.
 */
export class HandledUpdates {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    /** How long a claim holds without being marked handled: after that a crash frees it. */
    private readonly claimMs: number,
  ) {}

  async claim(updateId: number): Promise<UpdateClaim> {
    // Not queued behind a RedisClient that is away: the bot itself decides what to tell the buyer.
    if (this.redis.status !== "ready") return { kind: "unchecked" };
    const token = await acquireLock(this.redis, this.key(updateId), this.claimMs);
    if (token !== undefined) return { kind: "claimed", token };
    // Gone between the two calls means a claim just lapsed: still someone else's moment.
    const value = await this.redis.get(this.key(updateId));
    return value === HANDLED ? { kind: "handled" } : { kind: "in-hand" };
  }

  async markHandled(updateId: number): Promise<void> {
    await this.redis.set(this.key(updateId), HANDLED, "EX", HANDLED_TTL_SECONDS);
  }

  /** Gives a claim back unhandled, so the next delivery of the update runs it. */
  async release(updateId: number, token: string): Promise<void> {
    await releaseLock(this.redis, this.key(updateId), token);
  }

  private key(updateId: number): string {
    return redisKeys(this.prefix).telegramUpdate(updateId);
  }
}
