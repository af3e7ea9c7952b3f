import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { RedisClient } from "./client.js";
import { acquireLease, fencedSet, releaseLease, renewLease } from "./scripts.js";

/**
 * A lease in Redis (SET NX PX, renewed) with a fencing token: one holder at a time, and a holder
 * that lost it (paused past its TTL) can be told apart from the one that has it now. `key` must
 * carry a `{…}` tag: the fence counter sits beside it, under the same tag.
 */
export class Lease {
  readonly owner: string;
  private readonly fenceKey: string;
  /** The fencing token while we hold the lease. */
  fence: number | undefined;

  constructor(
    private readonly redis: RedisClient,
    readonly key: string,
    /** How long the lease outlives its holder's last renewal. */
    readonly ttlMs: number,
    owner?: string,
  ) {
    this.fenceKey = `${key}:fence`;
    this.owner = owner ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  }

  /** Takes or renews the lease; false when another holder has it. */
  async acquire(): Promise<boolean> {
    const fence = await acquireLease.run(
      this.redis,
      [this.key, this.fenceKey],
      [this.owner, this.ttlMs],
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
    const held = (await renewLease.run(this.redis, [this.key], [value, this.ttlMs])) === 1;
    // An acquire() meanwhile may have taken the lease afresh; that one stands.
    if (!held && this.value() === value) this.fence = undefined;
    return held;
  }

  /** Sets `key` (under the lease's tag) only if we still hold the lease; false when we lost it. */
  async fencedSet(key: string, data: string): Promise<boolean> {
    if (this.fence === undefined) return false;
    return (await fencedSet.run(this.redis, [this.key, key], [this.value(), data])) === 1;
  }

  async release(): Promise<void> {
    if (this.fence === undefined) return;
    await releaseLease.run(this.redis, [this.key], [this.value()]);
    this.fence = undefined;
  }

  private value(): string {
    return `${this.owner}|${this.fence}`;
  }
}

/** Takes `key` for `ttlMs` if nobody holds it; returns the token that releases it, or undefined. */
export async function acquireLock(
  redis: RedisClient,
  key: string,
  ttlMs: number,
): Promise<string | undefined> {
  const token = randomBytes(16).toString("hex");
  return (await redis.set(key, token, "PX", ttlMs, "NX")) === "OK" ? token : undefined;
}

/** Gives `key` back, if it still holds `token`: after its TTL lapsed it may be someone else's. */
export async function releaseLock(redis: RedisClient, key: string, token: string): Promise<void> {
  await releaseLease.run(redis, [key], [token]);
}

/**
 * Runs `fn` only if no other process holds `key`, so N processes sharing Redis run a job once
 * per tick. The TTL frees the lock when a holder dies mid-run. Returns whether `fn` ran; an error
 * from `fn` is rethrown after the lock is released.
 */
export async function runExclusive(
  redis: RedisClient,
  key: string,
  ttlMs: number,
  fn: () => Promise<unknown>,
): Promise<boolean> {
  const token = await acquireLock(redis, key, ttlMs);
  if (token === undefined) return false;
  try {
    await fn();
  } finally {
    await releaseLock(redis, key, token);
  }
  return true;
}

const THREE_DAYS_MS = 3 * 24 * 60 * 60_000;

/**
 * Runs `fn` at most once per period across all processes and restarts: the first caller claims
 * `claimKey` (SET NX, kept `retainMs`, longer than the period) and no one runs it again. The
 * claim is not given back when `fn` fails, because a half-sent report must not go out twice.
 * Returns whether `fn` ran.
 */
export async function runOncePer(
  redis: RedisClient,
  claimKey: string,
  fn: () => Promise<unknown>,
  retainMs = THREE_DAYS_MS,
): Promise<boolean> {
  const claim = `${hostname()}:${process.pid}:${new Date().toISOString()}`;
  if ((await redis.set(claimKey, claim, "PX", retainMs, "NX")) !== "OK") return false;
  await fn();
  return true;
}
