/**
 * Backups of the shop's data: every key under REDIS_PREFIX, each taken with DUMP and put back
 * with RESTORE, so every type (string, hash, set, sorted set, list, stream with its consumer
 * groups and pending entries) comes back exactly as it was, with its expiry.
 *
 * The file is gzip over JSON lines (format version 1):
 *
 *     {"format":"ton-payment-bot-backup","version":1,"createdAt":"…","prefix":"tpb:",
 *      "sessions":false,"keys":123,"counts":{"orders":40,"payments":12,…}}
 *     {"key":"{p3}:order:AB12","kind":"orders","expireAt":null,"dump":"<base64 DUMP payload>"}
 *     …one line per key…
 *     {"end":true,"keys":123}
 *
 * `key` is the key without the prefix, so a backup restores under any prefix; `expireAt` is the
 * key's expiry in Unix milliseconds, or null. The last line tells a complete file from a cut one.
 *
 * Consistency: each key is read whole and at once (DUMP and PTTL in one MULTI), but keys are read
 * one after another, so a shop that keeps running may change key B after key A was read. For a
 * strict point in time, stop the shop first, or back up a replica or an RDB snapshot.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { z } from "zod";
import type { RedisClient } from "../redis/client.js";
import { masters } from "../redis/connection.js";
import { type KeyKind, keyKind, keyUnder, prefixPattern } from "../redis/keys.js";

export const BACKUP_FORMAT = "ton-payment-bot-backup";
export const BACKUP_VERSION = 1;

/** Keys read or written at once; enough to keep the round trips few, small enough for memory. */
const BATCH = 100;

export interface BackupEntry {
  /** The key without the prefix. */
  key: string;
  kind: KeyKind;
  /** When the key expires (Unix ms), or null when it does not. */
  expireAt: number | null;
  /** The DUMP payload. */
  dump: Buffer;
}

export interface Backup {
  createdAt: Date;
  prefix: string;
  sessions: boolean;
  entries: BackupEntry[];
}

export type KindCounts = Partial<Record<KeyKind, number>>;

/** A restore that stopped part way: some keys are back, the rest are not. */
export class RestoreInterruptedError extends Error {
  override name = "RestoreInterruptedError";
  constructor(
    readonly restored: number,
    readonly total: number,
    override readonly cause: unknown,
  ) {
    super(
      `the restore stopped after ${restored} of ${total} keys (${(cause as Error)?.message ?? String(cause)}); run it again with --force to finish it`,
    );
  }
}

/** A backup file that cannot be restored: what is wrong with it, in one line. */
export class BackupFileError extends Error {
  override name = "BackupFileError";
}

/** The target already holds keys under the prefix, and `force` was not given. */
export class TargetNotEmptyError extends Error {
  override name = "TargetNotEmptyError";
}

export function countByKind(entries: readonly { kind: KeyKind }[]): KindCounts {
  const counts: KindCounts = {};
  for (const { kind } of entries) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Every key under the prefix, from every master (SCAN on a cluster asks one node only). */
async function* scanKeys(redis: RedisClient, prefix: string): AsyncGenerator<string[]> {
  for (const node of masters(redis)) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", prefixPattern(prefix), "COUNT", BATCH);
      if (keys.length > 0) yield keys;
      cursor = next;
    } while (cursor !== "0");
  }
}

/**
 * Reads every key of the shop under `prefix`. Locks and flood counters are left out (they belong
 * to a running process), and buyers' sessions unless `sessions` is set.
 */
export async function takeBackup(
  redis: RedisClient,
  prefix: string,
  options: { sessions?: boolean; now?: () => Date } = {},
): Promise<Backup> {
  const sessions = options.sessions ?? false;
  const createdAt = (options.now ?? (() => new Date()))();
  const entries: BackupEntry[] = [];
  const seen = new Set<string>();
  for await (const keys of scanKeys(redis, prefix)) {
    const wanted = keys.filter((key) => {
      // SCAN may return a key twice (a rehash, a resharding).
      if (seen.has(key)) return false;
      seen.add(key);
      const kind = keyKind(key.slice(prefix.length));
      return kind !== "transient" && (kind !== "sessions" || sessions);
    });
    const read = await Promise.all(wanted.map((key) => dumpKey(redis, key)));
    for (const [i, key] of wanted.entries()) {
      const entry = read[i];
      // Gone between SCAN and DUMP: expired or deleted, so not part of the data any more.
      if (entry === undefined) continue;
      const suffix = key.slice(prefix.length);
      entries.push({ key: suffix, kind: keyKind(suffix), ...entry });
    }
  }
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { createdAt, prefix, sessions, entries };
}

/** One key's payload and expiry, read together. */
async function dumpKey(
  redis: RedisClient,
  key: string,
): Promise<{ dump: Buffer; expireAt: number | null } | undefined> {
  const result = await redis.multi().dumpBuffer(key).pttl(key).exec();
  if (result === null) throw new Error(`reading ${key} was aborted`);
  const [[dumpError, dump], [ttlError, pttl]] = result as [
    [Error | null, Buffer | null],
    [Error | null, number],
  ];
  if (dumpError) throw dumpError;
  if (ttlError) throw ttlError;
  if (dump === null || pttl === -2) return undefined;
  return { dump, expireAt: pttl >= 0 ? Date.now() + pttl : null };
}

/** The backup as the gzip'd JSON lines described above. */
export function encodeBackup(backup: Backup): Buffer {
  const header = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: backup.createdAt.toISOString(),
    prefix: backup.prefix,
    sessions: backup.sessions,
    keys: backup.entries.length,
    counts: countByKind(backup.entries),
  };
  const lines = [JSON.stringify(header)];
  for (const entry of backup.entries) {
    lines.push(
      JSON.stringify({
        key: entry.key,
        kind: entry.kind,
        expireAt: entry.expireAt,
        dump: entry.dump.toString("base64"),
      }),
    );
  }
  lines.push(JSON.stringify({ end: true, keys: backup.entries.length }));
  return gzipSync(`${lines.join("\n")}\n`);
}

const kinds = [
  "orders",
  "payments",
  "unmatched",
  "cursors",
  "stock",
  "audit",
  "tickets",
  "terms",
  "streams",
  "webhooks",
  "tonconnect",
  "sessions",
  "other",
  "transient",
] as const satisfies readonly KeyKind[];

const headerSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.number().int(),
  createdAt: z.iso.datetime(),
  prefix: z.string(),
  sessions: z.boolean(),
  keys: z.number().int().nonnegative(),
  counts: z.record(z.string(), z.number()),
});

const entrySchema = z.object({
  key: z.string().min(1),
  kind: z.enum(kinds),
  expireAt: z.number().int().positive().nullable(),
  dump: z.base64().min(1),
});

const endSchema = z.object({ end: z.literal(true), keys: z.number().int().nonnegative() });

/** Reads a backup file's bytes; a file that is not a complete backup of this format throws. */
export function decodeBackup(bytes: Buffer): Backup {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b)
    throw new BackupFileError("not a backup: the file is not gzip-compressed");
  let text: string;
  try {
    text = gunzipSync(bytes).toString("utf8");
  } catch (error) {
    throw new BackupFileError(
      `the backup is damaged or cut short (${(error as Error).message}); nothing was restored`,
    );
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  const parse = (line: string | undefined, at: number): unknown => {
    try {
      return JSON.parse(line ?? "");
    } catch {
      throw new BackupFileError(`the backup is damaged: line ${at} is not JSON`);
    }
  };
  const first = parse(lines[0], 1) as { format?: unknown; version?: unknown };
  if (first?.format !== BACKUP_FORMAT)
    throw new BackupFileError("not a backup of this shop: its header names another format");
  if (first.version !== BACKUP_VERSION)
    throw new BackupFileError(
      `the backup has format version ${String(first.version)}; this release reads version ${BACKUP_VERSION}`,
    );
  const header = headerSchema.safeParse(first);
  if (!header.success) throw new BackupFileError("the backup's header is damaged");
  const end = endSchema.safeParse(parse(lines.at(-1), lines.length));
  if (lines.length < 2 || !end.success)
    throw new BackupFileError("the backup is cut short: its last line is missing");
  const entries: BackupEntry[] = [];
  for (let i = 1; i < lines.length - 1; i++) {
    const entry = entrySchema.safeParse(parse(lines[i], i + 1));
    if (!entry.success) throw new BackupFileError(`the backup is damaged at line ${i + 1}`);
    entries.push({ ...entry.data, dump: Buffer.from(entry.data.dump, "base64") });
  }
  if (entries.length !== header.data.keys || entries.length !== end.data.keys)
    throw new BackupFileError(
      `the backup is damaged: it names ${header.data.keys} keys and holds ${entries.length}`,
    );
  return {
    createdAt: new Date(header.data.createdAt),
    prefix: header.data.prefix,
    sessions: header.data.sessions,
    entries,
  };
}

/** Whether any key exists under the prefix, on any master. */
export async function hasKeysUnder(redis: RedisClient, prefix: string): Promise<boolean> {
  for await (const _ of scanKeys(redis, prefix)) return true;
  return false;
}

export interface RestoreResult {
  restored: number;
  /** Keys whose expiry passed since the backup was taken: not restored. */
  expired: number;
  /** With `force`: the shop's keys that were there and are not in the backup, removed. */
  removed: number;
  counts: KindCounts;
}

/**
 * Puts a backup's keys back under `prefix` (the backup's own or another: tags follow the prefix,
 * so every key keeps its cluster slot). Refuses a target that already holds keys under the prefix
 * unless `force`, which makes the shop's data under the prefix the backup's: its keys replace
 * those there, and then every other key of the shop is removed (an order made since, its index
 * entries and jobs would otherwise be half there). Locks and flood counters are left alone, and
 * sessions too when the backup holds none.
 */
export async function restoreBackup(
  redis: RedisClient,
  backup: Backup,
  prefix: string,
  options: { force?: boolean } = {},
): Promise<RestoreResult> {
  const force = options.force ?? false;
  if (!force && (await hasKeysUnder(redis, prefix)))
    throw new TargetNotEmptyError(
      `Redis already holds keys under the prefix ${prefix}; restore into an empty one, or pass --force to overwrite them`,
    );
  const now = Date.now();
  const live = backup.entries.filter((entry) => entry.expireAt === null || entry.expireAt > now);
  let restored = 0;
  for (let i = 0; i < live.length; i += BATCH) {
    const results = await Promise.allSettled(
      live.slice(i, i + BATCH).map((entry) => {
        const args: (string | number | Buffer)[] = [
          keyUnder(prefix, entry.key),
          entry.expireAt ?? 0,
          entry.dump,
        ];
        if (entry.expireAt !== null) args.push("ABSTTL");
        if (force) args.push("REPLACE");
        return redis.call("RESTORE", ...args);
      }),
    );
    restored += results.filter((result) => result.status === "fulfilled").length;
    const failed = results.find((result) => result.status === "rejected");
    if (failed !== undefined)
      throw new RestoreInterruptedError(restored, live.length, failed.reason);
  }
  const removed = force ? await removeOthers(redis, backup, prefix) : 0;
  return {
    restored: live.length,
    expired: backup.entries.length - live.length,
    removed,
    counts: countByKind(live),
  };
}

/** Removes the shop's keys under `prefix` that the backup does not hold; how many went. */
async function removeOthers(redis: RedisClient, backup: Backup, prefix: string): Promise<number> {
  const kept = new Set(backup.entries.map((entry) => entry.key));
  let removed = 0;
  for await (const keys of scanKeys(redis, prefix)) {
    const others = keys.filter((key) => {
      const suffix = key.slice(prefix.length);
      const kind = keyKind(suffix);
      if (kept.has(suffix) || kind === "transient") return false;
      return kind !== "sessions" || backup.sessions;
    });
    // One key at a time: on a Cluster the keys of a page sit in many slots.
    for (const key of others) removed += await redis.unlink(key);
  }
  return removed;
}

/** Counts for people: "orders 40, payments 12, …", or "nothing". */
export function formatCounts(counts: KindCounts): string {
  const parts = kinds
    .filter((kind) => (counts[kind] ?? 0) > 0)
    .map((kind) => `${kind} ${counts[kind]}`);
  return parts.length === 0 ? "nothing" : parts.join(", ");
}
