import type { Redis } from "ioredis";
import { type RedisKeys, redisKeys } from "../orders/keys.js";

// One step, so a key is issued once: an order that already holds a key gets the same one back
// (a retried job never hands out a second), otherwise the next key moves from list to hash.
const ALLOCATE = `
local issued = redis.call('HGET', KEYS[2], ARGV[1])
if issued then return issued end
local item = redis.call('LPOP', KEYS[1])
if not item then return false end
redis.call('HSET', KEYS[2], ARGV[1], item)
return item
`;

type StockRedis = Redis & {
  tpbAllocateStock(list: string, issued: string, orderId: string): Promise<string | null>;
};

export interface StockPoolOptions {
  prefix: string;
}

/** Pools of single-use items (licence keys, codes): a list of unissued items per pool. */
export class StockPool {
  private readonly redis: StockRedis;
  private readonly keys: RedisKeys;

  constructor(redis: Redis, options: StockPoolOptions) {
    this.keys = redisKeys(options.prefix);
    if (!("tpbAllocateStock" in redis)) {
      redis.defineCommand("tpbAllocateStock", { numberOfKeys: 2, lua: ALLOCATE });
    }
    this.redis = redis as StockRedis;
  }

  /** Appends items to the pool; returns how many are now available. */
  async add(pool: string, items: string[]): Promise<number> {
    if (items.length === 0) return this.available(pool);
    return this.redis.rpush(this.keys.stock(pool), ...items);
  }

  async available(pool: string): Promise<number> {
    return this.redis.llen(this.keys.stock(pool));
  }

  /** The order's item, issuing one if it has none yet; undefined when the pool is empty. */
  async allocate(pool: string, orderId: string): Promise<string | undefined> {
    const item = await this.redis.tpbAllocateStock(
      this.keys.stock(pool),
      this.keys.stockIssued(pool),
      orderId,
    );
    return item ?? undefined;
  }

  async issuedTo(pool: string, orderId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.keys.stockIssued(pool), orderId)) ?? undefined;
  }
}
