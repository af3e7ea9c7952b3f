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
 *     …one line per key, in the order the keys were read…
 *     {"end":true,"keys":123}
 *
 * `key` is the key without the prefix, so a backup restores under any prefix; `expireAt` is the
 * key's expiry in Unix milliseconds, or null. The last line tells a complete file from a cut one.
 *
 * Neither side holds the backup in memory. Keys go to the file a batch at a time; the header's
 * counts are known only at the end, so the file is three gzip members one after another (the
 * header, the entries, the end line), which gunzip reads as one text. A restore reads the file
 * twice: once to check all of it, so a damaged file restores nothing, then to put keys back.
 *
 * Consistency: each key is read whole and at once (DUMP and PTTL in one MULTI), but keys are read
 * one after another, so a shop that keeps running may change key B after key A was read. For a
 * strict point in time, stop the shop first, or back up a replica or an RDB snapshot. On a Redis
 * Cluster the masters are read one after another, and a slot that moves meanwhile may carry keys
 * from a master not yet read to one already read: so a backup does not start while slots are
 * moving, and fails if the slot layout changed by its end.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, type Stats } from "node:fs";
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip, gzipSync } from "node:zlib";
import { Cluster } from "ioredis";
import { z } from "zod";
import type { RedisClient } from "../redis/client.js";
import { masters } from "../redis/connection.js";
import { KEY_KINDS, type KeyKind, keyKind, keyUnder, prefixPattern } from "../redis/keys.js";

export const BACKUP_FORMAT = "ton-payment-bot-backup";
export const BACKUP_VERSION = 1;

/** Keys read or written at once; enough to keep the round trips few, small enough for memory. */
const BATCH = 100;

export type KindCounts = Partial<Record<KeyKind, number>>;

/** What a backup holds, as its header says. */
export interface BackupSummary {
  createdAt: Date;
  /** The prefix the keys were taken under. */
  prefix: string;
  /** Whether buyers' sessions were taken. */
  sessions: boolean;
  /** How many keys the backup holds. */
  keys: number;
  counts: KindCounts;
}

/** A backup file that `checkBackup` read to its end and found complete. */
export interface CheckedBackup extends BackupSummary {
  file: string;
  /** The file as it was checked: a restore reads that file, or nothing. */
  identity: FileIdentity;
}

/** What tells one file at a path from another put there since (a rename) or written over. */
interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export interface BackupOptions {
  /** Take buyers' sessions too; they are left out unless asked for. */
  sessions?: boolean;
  now?: () => Date;
  /** Awaited after each batch of keys is read, with how many were read so far. */
  onProgress?: (keysRead: number) => void | Promise<void>;
  /** Stops the backup (Ctrl-C): it fails with the signal's reason and leaves no file behind. */
  signal?: AbortSignal;
}

/** A restore that stopped part way: some keys are back, the rest are not. */
export class RestoreInterruptedError extends Error {
  override name = "RestoreInterruptedError";
  constructor(
    readonly restored: number,
    /** How many keys the backup holds. */
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

/** The backup file, or a temporary beside it, cannot be written: a missing folder, a full disk. */
export class BackupWriteError extends Error {
  override name = "BackupWriteError";
  /** The system's name for what went wrong (ENOENT, ENOSPC…). */
  readonly code: string;
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException)?.code ?? "error";
    super(`cannot write ${file} (${code})`);
    this.code = code;
  }
}

/** A Redis Cluster moved slots around a backup (a resharding, a failover): nothing was written. */
export class SlotsMovingError extends Error {
  override name = "SlotsMovingError";
}

/** The target already holds keys under the prefix, and `force` was not given. */
export class TargetNotEmptyError extends Error {
  override name = "TargetNotEmptyError";
}

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
  kind: z.enum(KEY_KINDS),
  expireAt: z.number().int().positive().nullable(),
  dump: z.base64().min(1),
});

const endSchema = z.object({ end: z.literal(true), keys: z.number().int().nonnegative() });

/** One key as its line holds it: the key without the prefix, its expiry, its DUMP in base64. */
type Entry = z.infer<typeof entrySchema>;

function addCount(counts: KindCounts, kind: KeyKind): void {
  counts[kind] = (counts[kind] ?? 0) + 1;
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
 * Writes every key of the shop under `prefix` to `file`. Locks and flood counters are left out
 * (they belong to a running process), and buyers' sessions unless `sessions` is set.
 *
 * The file appears whole or not at all: it is written aside, synced and renamed into place, so
 * a backup that fails leaves no partial file and never harms a good one already at `file`.
 * Only its owner may read it: it holds stock codes, wallet sessions and buyers' ids.
 */
export async function writeBackup(
  redis: RedisClient,
  prefix: string,
  file: string,
  options: BackupOptions = {},
): Promise<BackupSummary> {
  const sessions = options.sessions ?? false;
  const createdAt = (options.now ?? (() => new Date()))();
  const layout = await stableLayout(redis, "nothing was written — take the backup");
  const temporary = `${file}.${randomBytes(6).toString("hex")}`;
  const entriesFile = `${temporary}.entries.partial`;
  const partial = `${temporary}.partial`;
  try {
    const { keys, counts } = await writeEntries(redis, prefix, entriesFile, file, {
      sessions,
      onProgress: options.onProgress,
      signal: options.signal,
    });
    options.signal?.throwIfAborted();
    if ((await slotLayout(redis)) !== layout)
      throw new SlotsMovingError(
        "the cluster's slots moved while the backup ran (a resharding or a failover); nothing was written — take the backup again once it is done",
      );
    const summary = { createdAt, prefix, sessions, keys, counts };
    await onDisk(file, () => assemble(partial, summary, entriesFile));
    await onDisk(file, () => rename(partial, file));
    return summary;
  } catch (error) {
    await discard(partial);
    throw error;
  } finally {
    await discard(entriesFile);
  }
}

/** Runs a step that only touches the disk: its failure is the file's, not Redis's. */
async function onDisk<T>(file: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new BackupWriteError(file, error);
  }
}

/** Removes a temporary if it is there; a failure to remove it must not hide why it is left. */
async function discard(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}

/**
 * Reads the wanted keys a batch at a time and streams their lines, gzip'd, into `path`;
 * how many keys of each kind it wrote. Only the keys' names are held, to drop the ones SCAN
 * returns twice (a rehash).
 */
async function writeEntries(
  redis: RedisClient,
  prefix: string,
  path: string,
  file: string,
  options: Pick<BackupOptions, "onProgress" | "signal"> & { sessions: boolean },
): Promise<{ keys: number; counts: KindCounts }> {
  const handle = await onDisk(file, () => open(path, "wx", 0o600));
  const counts: KindCounts = {};
  let keys = 0;
  async function* lines(): AsyncGenerator<string> {
    const seen = new Set<string>();
    for await (const found of scanKeys(redis, prefix)) {
      const wanted = found.filter((key) => {
        if (seen.has(key)) return false;
        seen.add(key);
        const kind = keyKind(key.slice(prefix.length));
        return kind !== "transient" && (kind !== "sessions" || options.sessions);
      });
      const entries = await readEntries(redis, prefix, wanted);
      for (const entry of entries) addCount(counts, entry.kind);
      keys += entries.length;
      if (entries.length > 0) yield entries.map((entry) => `${JSON.stringify(entry)}\n`).join("");
      await options.onProgress?.(keys);
    }
  }
  try {
    await pipeline(
      lines(),
      createGzip(),
      async (zipped: AsyncIterable<Buffer>) => {
        for await (const chunk of zipped) await onDisk(file, () => handle.appendFile(chunk));
      },
      { signal: options.signal },
    );
  } finally {
    await handle.close();
  }
  return { keys, counts };
}

/** The entries of `keys`, read together; a key gone since SCAN (expired, deleted) is left out. */
async function readEntries(redis: RedisClient, prefix: string, keys: string[]): Promise<Entry[]> {
  const read = await Promise.all(keys.map((key) => dumpKey(redis, key)));
  return keys.flatMap((key, i) => {
    const entry = read[i];
    if (entry === undefined) return [];
    const suffix = key.slice(prefix.length);
    return [{ key: suffix, kind: keyKind(suffix), ...entry }];
  });
}

/** One key's payload and expiry, read together. */
async function dumpKey(
  redis: RedisClient,
  key: string,
): Promise<{ expireAt: number | null; dump: string } | undefined> {
  // Taken before asking: the expiry worked out from it is never later than the key's own.
  const asked = Date.now();
  const result = await redis.multi().dumpBuffer(key).pttl(key).exec();
  if (result === null) throw new Error(`reading ${key} was aborted`);
  const [[dumpError, dump], [ttlError, pttl]] = result as [
    [Error | null, Buffer | null],
    [Error | null, number],
  ];
  if (dumpError) throw dumpError;
  if (ttlError) throw ttlError;
  if (dump === null || pttl === -2) return undefined;
  return { expireAt: pttl >= 0 ? asked + pttl : null, dump: dump.toString("base64") };
}

/** The finished file at `path`: the header, the entries' gzip as it is, the end line; synced. */
async function assemble(path: string, summary: BackupSummary, entriesFile: string): Promise<void> {
  const header = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    createdAt: summary.createdAt.toISOString(),
    prefix: summary.prefix,
    sessions: summary.sessions,
    keys: summary.keys,
    counts: summary.counts,
  };
  const handle = await open(path, "wx", 0o600);
  try {
    await handle.appendFile(gzipSync(`${JSON.stringify(header)}\n`));
    for await (const chunk of createReadStream(entriesFile)) await handle.appendFile(chunk);
    await handle.appendFile(gzipSync(`${JSON.stringify({ end: true, keys: summary.keys })}\n`));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Each master's own account of the slots it serves, one line each (its `myself` line of
 * CLUSTER NODES: its id and slot fields), or undefined on a single Redis. A slot being moved
 * shows there as `[slot->-id]` on its master and `[slot-<-id]` on the one taking it.
 */
async function slotLayout(redis: RedisClient): Promise<string | undefined> {
  if (!(redis instanceof Cluster)) return undefined;
  const lines = await Promise.all(
    redis.nodes("master").map(async (node) => ownSlots(String(await node.cluster("NODES")))),
  );
  return lines.sort().join("\n");
}

const ALL_SLOTS = 16_384;

/**
 * The cluster's slot layout, when no slot is moving and the masters this client knows serve every
 * slot between them: only then does reading each master in turn read every key. `then` ends the
 * message when it is not so ("nothing was written — take the backup").
 */
async function stableLayout(redis: RedisClient, then: string): Promise<string | undefined> {
  const layout = await slotLayout(redis);
  if (layout === undefined) return undefined;
  if (layout.includes("["))
    throw new SlotsMovingError(
      `the cluster is moving slots (a resharding is under way); ${then} once it is done`,
    );
  const served = slotsServed(layout);
  if (served !== ALL_SLOTS)
    throw new SlotsMovingError(
      `the cluster's masters serve ${served} of ${ALL_SLOTS} slots (a node joining, failing or being added); ${then} once the cluster is whole`,
    );
  return layout;
}

/** How many slots a layout's masters serve between them: "0-5460" is 5461 of them, "5461" one. */
function slotsServed(layout: string): number {
  const served = new Set<number>();
  for (const line of layout.split("\n")) {
    for (const field of line.split(" ").slice(1)) {
      const [first = 0, last = first] = field.split("-").map(Number);
      for (let slot = first; slot <= last; slot++) served.add(slot);
    }
  }
  return served.size;
}

/** The id and slot fields of the node's own line in a CLUSTER NODES reply. */
function ownSlots(nodes: string): string {
  const fields = nodes
    .split("\n")
    .map((line) => line.trim().split(" "))
    .find((line) => line[2]?.split(",").includes("myself"));
  if (fields === undefined) throw new Error("CLUSTER NODES named no node as itself");
  const [id, , , , , , , , ...slots] = fields;
  return [id, ...slots].join(" ");
}

/** The open file's text a line at a time, gunzipped as it is read; gunzip's errors end the lines. */
async function* linesOf(handle: FileHandle): AsyncGenerator<string> {
  const gunzip = createGunzip();
  const reading = pipeline(handle.createReadStream({ start: 0, autoClose: false }), gunzip);
  try {
    yield* createInterface({ input: gunzip, crlfDelay: Number.POSITIVE_INFINITY });
  } finally {
    // A reader that stops early closes the file too.
    gunzip.destroy();
    await reading.catch(() => undefined);
  }
}

function isGunzipError(error: unknown): error is Error {
  const code = (error as NodeJS.ErrnoException)?.code;
  return typeof code === "string" && code.startsWith("Z_");
}

function parseLine(line: string, at: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new BackupFileError(`the backup is damaged: line ${at} is not JSON`);
  }
}

function parseHeader(line: string): z.infer<typeof headerSchema> {
  const first = parseLine(line, 1) as { format?: unknown; version?: unknown } | null;
  if (first?.format !== BACKUP_FORMAT)
    throw new BackupFileError("not a backup of this shop: its header names another format");
  if (first.version !== BACKUP_VERSION)
    throw new BackupFileError(
      `the backup has format version ${String(first.version)}; this release reads version ${BACKUP_VERSION}`,
    );
  const header = headerSchema.safeParse(first);
  if (!header.success) throw new BackupFileError("the backup's header is damaged");
  return header.data;
}

function parseEntry(line: string, at: number): Entry {
  const entry = entrySchema.safeParse(parseLine(line, at));
  if (!entry.success) throw new BackupFileError(`the backup is damaged at line ${at}`);
  return entry.data;
}

/** What a step returns, or the BackupFileError it throws, to be told once the whole file is read. */
function attempt<T>(step: () => T): T | BackupFileError {
  try {
    return step();
  } catch (error) {
    if (error instanceof BackupFileError) return error;
    throw error;
  }
}

/**
 * The checks of a backup's lines, fed one line at a time and holding only counts. Problems are
 * kept until the last line and then told in a fixed order (the header, the last line, the
 * entries, the counts), the same whatever the order they were found in.
 */
class LineChecks {
  private lines = 0;
  private header: z.infer<typeof headerSchema> | BackupFileError | undefined;
  private badEntry: BackupFileError | undefined;
  /** The line read last: an entry, unless no line follows it. */
  private previous: string | undefined;

  add(line: string): void {
    this.lines += 1;
    if (this.lines === 1) {
      this.header = attempt(() => parseHeader(line));
      return;
    }
    const previous = this.previous;
    if (previous !== undefined && this.badEntry === undefined) {
      const entry = attempt(() => parseEntry(previous, this.lines - 1));
      if (entry instanceof BackupFileError) this.badEntry = entry;
    }
    this.previous = line;
  }

  /** The header's account of a file whose every line was added; a file that is not whole throws. */
  finish(): BackupSummary {
    if (this.header === undefined)
      throw new BackupFileError("the backup is damaged: line 1 is not JSON");
    if (this.header instanceof BackupFileError) throw this.header;
    const last = this.previous === undefined ? undefined : parseLine(this.previous, this.lines);
    const end = endSchema.safeParse(last);
    if (!end.success)
      throw new BackupFileError("the backup is cut short: its last line is missing");
    if (this.badEntry !== undefined) throw this.badEntry;
    const entries = this.lines - 2;
    if (entries !== this.header.keys || entries !== end.data.keys)
      throw new BackupFileError(
        `the backup is damaged: it names ${this.header.keys} keys and holds ${entries}`,
      );
    const counts: KindCounts = {};
    for (const kind of KEY_KINDS) {
      const count = this.header.counts[kind];
      if (count !== undefined) counts[kind] = count;
    }
    return {
      createdAt: new Date(this.header.createdAt),
      prefix: this.header.prefix,
      sessions: this.header.sessions,
      keys: this.header.keys,
      counts,
    };
  }
}

/**
 * Reads a backup file to its end and checks every line, holding no more than a line at a time;
 * a file that is not a complete backup of this format throws a BackupFileError, and one that
 * cannot be read throws the system's error (ENOENT, EACCES…).
 */
export async function checkBackup(file: string): Promise<CheckedBackup> {
  const handle = await open(file, "r");
  try {
    await expectGzip(handle);
    const checks = new LineChecks();
    try {
      for await (const line of linesOf(handle)) checks.add(line);
    } catch (error) {
      if (!isGunzipError(error)) throw error;
      throw new BackupFileError(
        `the backup is damaged or cut short (${error.message}); nothing was restored`,
      );
    }
    return { file, identity: identityOf(await handle.stat()), ...checks.finish() };
  } finally {
    await handle.close();
  }
}

function identityOf(stats: Stats): FileIdentity {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs };
}

/** Refuses at once a file that does not begin as gzip does: it cannot be a backup. */
async function expectGzip(handle: FileHandle): Promise<void> {
  const { buffer, bytesRead } = await handle.read(Buffer.alloc(2), 0, 2, 0);
  if (bytesRead < 2 || buffer[0] !== 0x1f || buffer[1] !== 0x8b)
    throw new BackupFileError("not a backup: the file is not gzip-compressed");
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
 * Puts a checked backup's keys back under `prefix` (the backup's own or another: tags follow the
 * prefix, so every key keeps its cluster slot), reading the file a batch at a time. Refuses a
 * target that already holds keys under the prefix unless `force`, which makes the shop's data
 * under the prefix the backup's: its keys replace those there, and then every other key of the
 * shop is removed (an order made since, its index entries and jobs would otherwise be half
 * there). Locks and flood counters are left alone, and sessions too when the backup holds none.
 */
export async function restoreBackup(
  redis: RedisClient,
  backup: CheckedBackup,
  prefix: string,
  options: { force?: boolean; signal?: AbortSignal } = {},
): Promise<RestoreResult> {
  const force = options.force ?? false;
  // Finding keys under the prefix, and with `force` removing those not in the backup, reads each
  // master in turn, as a backup does.
  const layout = await stableLayout(redis, "nothing was restored — restore");
  if (!force && (await hasKeysUnder(redis, prefix)))
    throw new TargetNotEmptyError(
      `Redis already holds keys under the prefix ${prefix}; restore into an empty one, or pass --force to overwrite them`,
    );
  const now = Date.now();
  // Only the names, and only with `force`: what removeOthers must keep.
  const kept = new Set<string>();
  const counts: KindCounts = {};
  let restored = 0;
  let expired = 0;
  try {
    for await (const batch of entryBatches(backup)) {
      // Stopped (Ctrl-C) between batches: what is back stays, and --force finishes it.
      options.signal?.throwIfAborted();
      if (force) for (const entry of batch) kept.add(entry.key);
      const live = batch.filter((entry) => entry.expireAt === null || entry.expireAt > now);
      expired += batch.length - live.length;
      const results = await Promise.allSettled(
        live.map(async (entry) => {
          await redis.call("RESTORE", ...restoreArgs(entry, prefix, force));
          return entry.kind;
        }),
      );
      for (const result of results) {
        if (result.status !== "fulfilled") continue;
        restored += 1;
        addCount(counts, result.value);
      }
      const failed = results.find((result) => result.status === "rejected");
      if (failed !== undefined) throw failed.reason;
    }
  } catch (error) {
    // A file that changed since it was checked is refused before its first key.
    if (error instanceof BackupFileError && restored === 0) throw error;
    throw new RestoreInterruptedError(restored, backup.keys, error);
  }
  const removed = force ? await removeOthers(redis, prefix, kept, backup.sessions) : 0;
  if ((await slotLayout(redis)) !== layout)
    throw new SlotsMovingError(
      "the cluster's slots moved while the restore ran (a resharding or a failover); run it again with --force once it is done",
    );
  return { restored, expired, removed, counts };
}

/**
 * The entries of a checked file, BATCH at a time: every line between the header and the end.
 * The file must be the one checked, and still end where it ended then.
 */
async function* entryBatches(backup: CheckedBackup): AsyncGenerator<Entry[]> {
  const handle = await open(backup.file, "r");
  try {
    const now = identityOf(await handle.stat());
    if (JSON.stringify(now) !== JSON.stringify(backup.identity))
      throw new BackupFileError(
        "the backup file changed since it was checked (a newer backup written over it?); nothing was restored",
      );
    let at = 0;
    let last: string | undefined;
    let batch: Entry[] = [];
    for await (const line of linesOf(handle)) {
      at += 1;
      last = line;
      if (at === 1 || at > backup.keys + 1) continue;
      batch.push(parseEntry(line, at));
      if (batch.length === BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (at !== backup.keys + 2 || !endSchema.safeParse(parseLine(last ?? "", at)).success)
      throw new BackupFileError("the backup file changed since it was checked: its end moved");
    if (batch.length > 0) yield batch;
  } finally {
    await handle.close();
  }
}

/** RESTORE's arguments for an entry: at its moment of expiry, and over a key there with `force`. */
function restoreArgs(entry: Entry, prefix: string, force: boolean): (string | number | Buffer)[] {
  const args: (string | number | Buffer)[] = [
    keyUnder(prefix, entry.key),
    entry.expireAt ?? 0,
    Buffer.from(entry.dump, "base64"),
  ];
  if (entry.expireAt !== null) args.push("ABSTTL");
  if (force) args.push("REPLACE");
  return args;
}

/** Removes the shop's keys under `prefix` that are not `kept`; how many went. */
async function removeOthers(
  redis: RedisClient,
  prefix: string,
  kept: ReadonlySet<string>,
  sessions: boolean,
): Promise<number> {
  let removed = 0;
  for await (const keys of scanKeys(redis, prefix)) {
    const others = keys.filter((key) => {
      const suffix = key.slice(prefix.length);
      const kind = keyKind(suffix);
      if (kept.has(suffix) || kind === "transient") return false;
      return kind !== "sessions" || sessions;
    });
    // One key at a time: on a Cluster the keys of a page sit in many slots.
    for (const key of others) removed += await redis.unlink(key);
  }
  return removed;
}

/** Counts for people: "orders 40, payments 12, …", or "nothing". */
export function formatCounts(counts: KindCounts): string {
  const parts = KEY_KINDS.filter((kind) => (counts[kind] ?? 0) > 0).map(
    (kind) => `${kind} ${counts[kind]}`,
  );
  return parts.length === 0 ? "nothing" : parts.join(", ");
}
