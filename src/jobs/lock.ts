import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Redis } from "ioredis";

// Delete the lock only if it still holds our token: after our TTL lapsed it may be someone else's.
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/** Takes `key` for `ttlMs` if nobody holds it; returns the token that releases it, or undefined. */
export async function acquireLock(
  redis: Redis,
  key: string,
  ttlMs: number,
): Promise<string | undefined> {
  const token = randomBytes(16).toString("hex");
  return (await redis.set(key, token, "PX", ttlMs, "NX")) === "OK" ? token : undefined;
}

/** Gives `key` back, if it is still ours. */
export async function releaseLock(redis: Redis, key: string, token: string): Promise<void> {
  // Plain EVAL, not defineCommand: a command defined after an auto-pipeline was opened is
  // missing from that pipeline, and ioredis then throws and leaves the caller waiting.
  await redis.eval(UNLOCK, 1, key, token);
}

/**
 * Runs `fn` only if no other process holds `key`, so N processes sharing Redis run a job once
 * per tick. The lock is `SET NX PX` with a random token and is released only by its owner; the
 * TTL frees it when a holder dies mid-run. Returns whether `fn` ran; an error from `fn` is
 * rethrown after the lock is released.
 */
export async function runExclusive(
  redis: Redis,
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
 * `<key>:<periodId>` (SET NX, kept `retainMs`, longer than the period) and no one runs it again.
 * The claim is not given back when `fn` fails, because a half-sent report must not go out twice.
 * Returns whether `fn` ran.
 */
export async function runOncePer(
  redis: Redis,
  key: string,
  periodId: string,
  fn: () => Promise<unknown>,
  retainMs = THREE_DAYS_MS,
): Promise<boolean> {
  const claim = `${hostname()}:${process.pid}:${new Date().toISOString()}`;
  if ((await redis.set(`${key}:${periodId}`, claim, "PX", retainMs, "NX")) !== "OK") return false;
  await fn();
  return true;
}
