import type { IStorage } from "@tonconnect/sdk";
import type { RedisClient } from "../../redis/client.js";

/**
 * Lets a stopping process finish the SDK's writes in hand and refuse new ones, so nothing is
 * sent to a RedisClient connection that is about to close (the SDK writes from its own callbacks).
 */
export class StorageGate {
  private closed = false;
  private readonly pending = new Set<Promise<unknown>>();

  run<T>(work: () => Promise<T>, whenClosed: T): Promise<T> {
    if (this.closed) return Promise.resolve(whenClosed);
    const running = work();
    this.pending.add(running);
    const forget = () => this.pending.delete(running);
    running.then(forget, forget);
    return running;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.pending]);
  }
}

/**
 * The TON Connect SDK's storage for one buyer, in RedisClient under that buyer's namespace. Every read
 * and write renews the keys' lifetime, so a session nobody uses for `ttlSeconds` is forgotten.
 */
export class RedisConnectStorage implements IStorage {
  constructor(
    private readonly redis: RedisClient,
    private readonly namespace: string,
    private readonly ttlSeconds: number,
    private readonly gate = new StorageGate(),
  ) {}

  async setItem(key: string, value: string): Promise<void> {
    await this.gate.run(
      () => this.redis.set(this.namespace + key, value, "EX", this.ttlSeconds),
      null,
    );
  }

  getItem(key: string): Promise<string | null> {
    return this.gate.run(() => this.redis.getex(this.namespace + key, "EX", this.ttlSeconds), null);
  }

  async removeItem(key: string): Promise<void> {
    await this.gate.run(() => this.redis.del(this.namespace + key), 0);
  }
}
