import type { Clock } from "../clock.js";
import type { RedisClient } from "../redis/client.js";
import { type RedisKeys, redisKeys } from "../redis/keys.js";

/** A buyer's agreement to one version of the terms of sale, at a time in ms since the epoch. */
export interface TermsAgreement {
  version: string;
  at: number;
}

/**
 * Which version of the terms each buyer agreed to, and when (Telegram's payments checklist:
 * buyers agree to the terms before they buy). One hash per buyer, kept for as long as the shop
 * runs: it is the record that they agreed. Agreeing to a new version replaces the old one.
 */
export class TermsAgreements {
  private readonly keys: RedisKeys;
  private readonly clock: Clock;

  constructor(
    private readonly redis: RedisClient,
    options: { prefix: string; clock: Clock },
  ) {
    this.keys = redisKeys(options.prefix);
    this.clock = options.clock;
  }

  /** Records that `userId` agrees to `version` now; returns what was recorded. */
  async agree(userId: number, version: string): Promise<TermsAgreement> {
    const agreement = { version, at: this.clock() };
    await this.redis.hset(this.keys.termsAgreement(userId), {
      version,
      at: String(agreement.at),
    });
    return agreement;
  }

  /** The buyer's latest agreement, or undefined when they never agreed to any terms. */
  async agreementOf(userId: number): Promise<TermsAgreement | undefined> {
    const [version, at] = await this.redis.hmget(this.keys.termsAgreement(userId), "version", "at");
    if (!version || !at) return undefined;
    return { version, at: Number(at) };
  }

  /** Whether the buyer agreed to exactly `version` (an agreement to another version is not). */
  async hasAgreed(userId: number, version: string): Promise<boolean> {
    return (await this.agreementOf(userId))?.version === version;
  }
}
