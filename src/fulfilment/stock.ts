import type { RedisClient } from "../redis/client.js";
import { type RedisKeys, redisKeys } from "../redis/keys.js";

// One step, so keys are issued once: an order gets the keys it already holds back (a retried job
// never hands out more), topped up from the pool to `count` only when the pool has all that is
// missing. The issued hash holds each order's keys as a JSON array; a plain string there is one
// key issued before orders could hold several.
const ALLOCATE = `
local held = {}
local issued = redis.call('HGET', KEYS[2], ARGV[1])
if issued then
  local ok, decoded = false, nil
  if string.sub(issued, 1, 1) == '[' then ok, decoded = pcall(cjson.decode, issued) end
  if ok and type(decoded) == 'table' then held = decoded else held = { issued } end
end
local missing = tonumber(ARGV[2]) - #held
if missing <= 0 then return held end
if redis.call('LLEN', KEYS[1]) < missing then return false end
for _ = 1, missing do held[#held + 1] = redis.call('LPOP', KEYS[1]) end
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode(held))
return held
`;

type StockRedis = RedisClient & {
  tpbAllocateStock(
    list: string,
    issued: string,
    orderId: string,
    count: number,
  ): Promise<string[] | null>;
};

export interface StockPoolOptions {
  prefix: string;
}

/** Pools of single-use items (licence keys, codes): a list of unissued items per pool. */
export class StockPool {
  private readonly redis: StockRedis;
  private readonly keys: RedisKeys;

  constructor(redis: RedisClient, options: StockPoolOptions) {
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

  /**
   * The order's `count` items, issuing those it does not hold yet; asked again, the same items.
   * Undefined, taking nothing, when the pool has fewer than are missing.
   */
  async allocate(pool: string, orderId: string, count: number): Promise<string[] | undefined> {
    const items = await this.redis.tpbAllocateStock(
      this.keys.stock(pool),
      this.keys.stockIssued(pool),
      orderId,
      count,
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
