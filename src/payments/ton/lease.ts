import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

// Take the lock if it is free, or renew it if we hold it. Each new holder gets a fencing token
// from a counter, so a writer that lost the lock can be told apart from the one that has it.
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current then
  local owner, fence = string.match(current, '^(.*)|(%d+)$')
  if owner == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return tonumber(fence)
  end
  return -1
end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return fence
`;

// Extends the lock only for the holder with this very fencing token.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

// Writes a value only while the caller still holds the lock with the same fencing token.
const FENCED_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

type LeaseRedis = Redis & {
  tpbLeaseAcquire(lock: string, fence: string, owner: string, ttlMs: number): Promise<number>;
  tpbLeaseRenew(lock: string, value: string, ttlMs: number): Promise<number>;
  tpbLeaseRelease(lock: string, value: string): Promise<number>;
  tpbFencedSet(lock: string, key: string, value: string, data: string): Promise<number>;
};

/**
 * A leader lease in Redis (SET NX PX, renewed) with a fencing token, so N processes run one
 * watcher per wallet and a paused old leader cannot overwrite the new leader's cursor.
 */
export class Lease {
  readonly owner: string;
  private readonly redis: LeaseRedis;
  /** The fencing token while we hold the lease. */
  fence: number | undefined;

  constructor(
    redis: Redis,
    private readonly lockKey: string,
    private readonly fenceKey: string,
    /** How long the lease outlives its holder's last renewal. */
    readonly ttlMs: number,
    owner?: string,
  ) {
    this.owner = owner ?? `watcher-${process.pid}-${randomBytes(3).toString("hex")}`;
    if (!("tpbLeaseAcquire" in redis)) {
      redis.defineCommand("tpbLeaseAcquire", { numberOfKeys: 2, lua: ACQUIRE });
      redis.defineCommand("tpbLeaseRelease", { numberOfKeys: 1, lua: RELEASE });
      redis.defineCommand("tpbLeaseRenew", { numberOfKeys: 1, lua: RENEW });
      redis.defineCommand("tpbFencedSet", { numberOfKeys: 2, lua: FENCED_SET });
    }
    this.redis = redis as LeaseRedis;
  }

  /** Takes or renews the lease; false when another process holds it. */
  async acquire(): Promise<boolean> {
    const fence = await this.redis.tpbLeaseAcquire(
      this.lockKey,
      this.fenceKey,
      this.owner,
      this.ttlMs,
    );
    this.fence = fence >= 0 ? fence : undefined;
    return this.fence !== undefined;
  }

  /**
   * Extends the lease we hold by its TTL; false, and the lease is dropped, when it lapsed or
   * someone else holds it now. Never takes a lease that is free: acquire() does, with a new token.
   */
  async renew(): Promise<boolean> {
    if (this.fence === undefined) return false;
    const value = this.value();
    const held = (await this.redis.tpbLeaseRenew(this.lockKey, value, this.ttlMs)) === 1;
    // An acquire() meanwhile may have taken the lease afresh; that one stands.
    if (!held && this.value() === value) this.fence = undefined;
    return held;
  }

  /** Sets `key` only if we still hold the lease; false when we lost it. */
  async fencedSet(key: string, data: string): Promise<boolean> {
    if (this.fence === undefined) return false;
    return (await this.redis.tpbFencedSet(this.lockKey, key, this.value(), data)) === 1;
  }

  async release(): Promise<void> {
    if (this.fence === undefined) return;
    await this.redis.tpbLeaseRelease(this.lockKey, this.value());
    this.fence = undefined;
  }

  private value(): string {
    return `${this.owner}|${this.fence}`;
  }
}
