import type { RedisClient } from "../redis/client.js";
import { type RedisKeys, redisKeys } from "../redis/keys.js";
import { allocateStock } from "../redis/scripts.js";

export interface StockPoolOptions {
  prefix: string;
}

/** Pools of single-use items (licence keys, codes): a list of unissued items per pool. */
export class StockPool {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    options: StockPoolOptions,
  ) {
    this.keys = redisKeys(options.prefix);
  }

  /** Appends items to the pool; returns how many are now available. */
  async add(pool: string, items: string[]): Promise<number> {
    if (items.length === 0) return this.available(pool);
    return this.redis.rpush(this.keys.stock(pool), ...items);
  }

  async available(pool: string): Promise<number> {
    return this.redis.llen(this.keys.stock(pool));
  }

  /**
   * The order's `count` items, issuing those it does not hold yet; asked again, the same items.
   * Undefined, taking nothing, when the pool has fewer than are missing.
   */
  async allocate(pool: string, orderId: string, count: number): Promise<string[] | undefined> {
    const items = await allocateStock.run(
      this.redis,
      [this.keys.stock(pool), this.keys.stockIssued(pool)],
      [orderId, count],
    );
    return items ?? undefined;
  }

  /** The items issued to an order; empty when it holds none. */
  async issuedTo(pool: string, orderId: string): Promise<string[]> {
    const issued = await this.redis.hget(this.keys.stockIssued(pool), orderId);
    if (issued === null) return [];
    if (!issued.startsWith("[")) return [issued];
    try {
      const decoded: unknown = JSON.parse(issued);
      if (Array.isArray(decoded)) return decoded.map(String);
    } catch {
      // One key issued before orders could hold several.
    }
    return [issued];
  }
}
