import type { IStorage } from "@tonconnect/sdk";
import type { Redis } from "ioredis";

/**
 * The TON Connect SDK's storage for one buyer, in Redis under that buyer's namespace. Every read
 * and write renews the keys' lifetime, so a session nobody uses for `ttlSeconds` is forgotten.
 */
export class RedisConnectStorage implements IStorage {
  constructor(
    private readonly redis: Redis,
    private readonly namespace: string,
    private readonly ttlSeconds: number,
  ) {}

  async setItem(key: string, value: string): Promise<void> {
    await this.redis.set(this.namespace + key, value, "EX", this.ttlSeconds);
  }

  async getItem(key: string): Promise<string | null> {
    return this.redis.getex(this.namespace + key, "EX", this.ttlSeconds);
  }

  async removeItem(key: string): Promise<void> {
    await this.redis.del(this.namespace + key);
  }
}
