import { RedisAdapter } from "@grammyjs/storage-redis";
import type { Redis } from "ioredis";
import type { RedisClient } from "../redis/client.js";
import { type RedisKeys, redisKeys } from "../redis/keys.js";
import type { SessionData } from "./context.js";

const KEEP_SECONDS = 30 * 86_400;

/** Each person's grammY session in Redis: UI state and the language they picked. */
export class Sessions {
  readonly storage: RedisAdapter<SessionData>;
  private readonly keys: RedisKeys;

  constructor(redis: RedisClient, prefix: string) {
    this.keys = redisKeys(prefix);
    // The adapter only GETs, SETs and DELs one key at a time, which a Cluster serves alike.
    this.storage = new RedisAdapter<SessionData>({ instance: redis as Redis, ttl: KEEP_SECONDS });
  }

  key(userId: number): string {
    return this.keys.session(userId);
  }

  /** The language a person picked with /language; undefined when they never did. */
  async languageOf(userId: number): Promise<string | undefined> {
    return (await this.storage.read(this.key(userId)))?.__language_code;
  }
}
