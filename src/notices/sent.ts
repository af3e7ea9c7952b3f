import type { RedisClient } from "../redis/client.js";
import { type RedisKeys, redisKeys } from "../redis/keys.js";

const KEEP_SECONDS = 86_400;

/**
 * Which admins were told of which event, so a broadcast tried again after a failed send skips
 * those already told. A mark outlives any retry of its event by far.
 */
export class SentNotices {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = redisKeys(prefix);
  }

  async told(eventId: string, adminId: number): Promise<boolean> {
    return (await this.redis.exists(this.keys.noticeSent(eventId, adminId))) === 1;
  }

  async markTold(eventId: string, adminId: number): Promise<void> {
    await this.redis.set(this.keys.noticeSent(eventId, adminId), "1", "EX", KEEP_SECONDS);
  }
}
