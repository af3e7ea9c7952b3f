import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { freePort, startRedisServer } from "@ton-payment-bot/emulators/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type BackupOptions,
  BackupWriteError,
  checkBackup,
  RestoreInterruptedError,
  restoreBackup,
  TargetNotEmptyError,
  writeBackup,
} from "../../src/ops/backup.js";
import { backupCommand, restoreCommand } from "../../src/ops/backup-cli.js";
import { connectOnce } from "../../src/ops/redis-probe.js";
import type { RedisClient } from "../../src/redis/client.js";
import { masters } from "../../src/redis/connection.js";
import { redisKeys } from "../../src/redis/keys.js";
import { keysMatching, testRedis } from "../support/redis.js";
import { startRedisProxy } from "../support/redis-proxy.js";

const { redis, prefix, target } = testRedis();
const k = redisKeys(prefix);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tpb-backup-"));
  // One key of every type and kind the shop writes, spread over partitions (and so over masters).
  await redis.hset(k.order("AB12"), { id: "AB12", status: "delivered", amount: "1500000000" });
  await redis.hset(k.order("CD34"), { id: "CD34", status: "pending" });
  await redis.zadd(k.allOrders(3), 1, "AB12", 2, "CD34");
  await redis.sadd(k.userOrders(42), "AB12", "CD34");
  await redis.set(k.payment("ton:abc"), "AB12");
  await redis.hset(k.unmatched(5), "ton:zzz", '{"amount":"1"}');
  await redis.set(k.watcherCursor("EQmerchant"), '{"lt":"123","hash":"h"}');
  await redis.rpush(k.stock("keys"), "KEY-1", "KEY-2");
  await redis.xadd(k.audit, "*", "action", "refund", "order", "AB12");
  await redis.hset(k.ticket(1), { buyer: "42", state: "open" });
  await redis.rpush(k.ticketLog(1), '{"text":"hello"}');
  await redis.hset(k.termsAgreement(42), { version: "1", at: "1" });
  await redis.set(k.checkoutHold("CD34"), "1", "PX", 3_600_000);
  // A fulfilment stream with a consumer group and one job read but not acknowledged.
  const stream = k.fulfilment(7);
  await redis.xadd(stream, "*", "order", "AB12");
  await redis.xgroup("CREATE", stream, "fulfilment", "0");
  await redis.xreadgroup("GROUP", "fulfilment", "worker-1", "COUNT", 1, "STREAMS", stream, ">");
  await redis.xadd(stream, "*", "order", "CD34");
  // What a backup leaves out: a process's lock, flood counters, and sessions unless asked.
  await redis.set(k.jobLock("expiry"), "me", "PX", 60_000);
  await redis.set(k.watcherLock("EQmerchant"), "me", "PX", 60_000);
  await redis.set(`${k.rateLimitPrefix}42`, "3");
  await redis.set(k.session(42), '{"lang":"en"}');
});

afterAll(async () => {
  await redis.quit();
});

/** Everything observable about a key: its type, contents and whether it expires. */
async function describeKey(key: string, on: RedisClient = redis) {
  const type = await on.type(key);
  const ttl = await on.pttl(key);
  const expires = ttl > 0;
  switch (type) {
    case "hash":
      return { type, expires, value: await on.hgetall(key) };
    case "set":
      return { type, expires, value: (await on.smembers(key)).sort() };
    case "zset":
      return { type, expires, value: await on.zrange(key, 0, -1, "WITHSCORES") };
    case "list":
      return { type, expires, value: await on.lrange(key, 0, -1) };
    case "stream":
      return {
        type,
        expires,
        value: await on.xrange(key, "-", "+"),
        groups: await on.xinfo("GROUPS", key),
      };
    default:
      return { type, expires, value: await on.get(key) };
  }
}

async function snapshot(under: string, on: RedisClient = redis) {
  const keys = await keysMatching(on, `${under}*`);
  const described: Record<string, unknown> = {};
  for (const key of keys) described[key.slice(under.length)] = await describeKey(key, on);
  return described;
}

/** What a backup without sessions holds: the shop's keys but the locks, counters and session. */
async function backedUp() {
  const all = await snapshot(prefix);
  delete all[k.jobLock("expiry").slice(prefix.length)];
  delete all[k.watcherLock("EQmerchant").slice(prefix.length)];
  delete all[`${k.rateLimitPrefix}42`.slice(prefix.length)];
  delete all[k.session(42).slice(prefix.length)];
  return all;
}

let taken = 0;

/** A backup of the shop under `prefix`, written to a file of its own: the file. */
async function backupFile(options: BackupOptions = {}): Promise<string> {
  taken += 1;
  const file = join(dir, `taken-${taken}.backup.gz`);
  await writeBackup(redis, prefix, file, options);
  return file;
}

/** A backup file's lines, read whole: a test's backups are small. */
async function linesIn(file: string): Promise<string[]> {
  return gunzipSync(await readFile(file))
    .toString()
    .trimEnd()
    .split("\n");
}

/** The entries a backup file holds: every line between its header and its end line. */
async function entriesIn(file: string): Promise<{ key: string; kind: string }[]> {
  return (await linesIn(file)).slice(1, -1).map((line) => JSON.parse(line));
}

/** `count` keys of three kinds under a prefix of their own, a third of them expiring: the prefix. */
async function manyKeys(count: number): Promise<string> {
  const under = otherPrefix();
  const keys = redisKeys(under);
  await Promise.all(
    Array.from({ length: count }, (_, i) => {
      if (i % 3 === 0) return redis.hset(keys.order(`M${i}`), { id: `M${i}`, status: "paid" });
      if (i % 3 === 1) return redis.set(keys.payment(`ton:${i}`), `M${i}`, "PX", 3_600_000);
      return redis.sadd(keys.userOrders(i), `M${i}`);
    }),
  );
  return under;
}

function otherPrefix() {
  return `test:${randomBytes(4).toString("hex")}:`;
}

function envFor(under: string) {
  return target.redisCluster
    ? {
        REDIS_CLUSTER_NODES: target.redisCluster.nodes.map((n) => `${n.host}:${n.port}`).join(","),
        REDIS_PREFIX: under,
      }
    : { REDIS_URL: target.redisUrl, REDIS_PREFIX: under };
}

function io(under: string) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { env: envFor(under), out: (l: string) => out.push(l), err: (l: string) => err.push(l) },
  };
}

describe("backup and restore", () => {
  it("round-trips every key of the shop under another prefix, streams with their groups and pending jobs", async () => {
    const backup = await checkBackup(await backupFile());
    const into = otherPrefix();

    const result = await restoreBackup(redis, backup, into);

    expect(await snapshot(into)).toEqual(await backedUp());
    // An expiring key keeps its moment of expiry, not a fresh lifetime.
    const hold = (under: string) => redisKeys(under).checkoutHold("CD34");
    const [original, restoredTtl] = [await redis.pttl(hold(prefix)), await redis.pttl(hold(into))];
    expect(restoredTtl).toBeGreaterThan(0);
    expect(restoredTtl).toBeLessThanOrEqual(original);
    expect(result).toMatchObject({ restored: 14, expired: 0 });
    expect(result.counts).toEqual({
      orders: 4,
      payments: 1,
      unmatched: 1,
      cursors: 1,
      stock: 1,
      audit: 1,
      tickets: 2,
      terms: 1,
      streams: 1,
      other: 1,
    });
    // The job read and not acknowledged is still pending for its consumer.
    const [pending] = (await redis.xpending(
      redisKeys(into).fulfilment(7),
      "fulfilment",
      "-",
      "+",
      10,
    )) as [string, string, number, number][];
    expect(pending?.[1]).toBe("worker-1");
  });

  it("a restore cut off part way says so, and running it again with --force finishes it, each key once", async () => {
    const backup = await checkBackup(await backupFile());
    const into = otherPrefix();
    let restores = 0;
    // The connection drops after five keys are back.
    const dropping = new Proxy(redis, {
      get(target, name) {
        if (name === "call")
          return (...args: Parameters<typeof redis.call>) =>
            ++restores > 5
              ? Promise.reject(new Error("Connection is closed."))
              : target.call(...args);
        const value = Reflect.get(target, name);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });

    const error = await restoreBackup(dropping, backup, into).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RestoreInterruptedError);
    expect((error as Error).message).toBe(
      "the restore stopped after 5 of 14 keys (Connection is closed.); run it again with --force to finish it",
    );
    expect(await keysMatching(redis, `${into}*`)).toHaveLength(5);
    await expect(restoreBackup(redis, backup, into)).rejects.toBeInstanceOf(TargetNotEmptyError);
    expect(await restoreBackup(redis, backup, into, { force: true })).toMatchObject({
      restored: 14,
    });
    expect(await snapshot(into)).toEqual(await backedUp());
  });

  it("restores into another Redis: on a cluster run, from the cluster into one server", async () => {
    const file = join(dir, "moving.backup.gz");
    expect(await backupCommand([file], io(prefix).io)).toBe(0);
    const server = await startRedisServer();
    const other = new Redis(server.url);
    try {
      const run = io(prefix);
      run.io.env = { REDIS_URL: server.url, REDIS_PREFIX: prefix };

      expect(await restoreCommand([file], run.io)).toBe(0);

      expect(await snapshot(prefix, other)).toEqual(await backedUp());
    } finally {
      other.disconnect();
      await server.stop();
    }
  });

  it("keeps sessions only when asked", async () => {
    const without = await entriesIn(await backupFile());
    const withSessions = await entriesIn(await backupFile({ sessions: true }));

    expect(without.map((e) => e.kind)).not.toContain("sessions");
    expect(withSessions.filter((e) => e.kind === "sessions")).toHaveLength(1);
  });

  it("leaves out a key whose expiry passed after the backup", async () => {
    const file = await backupFile();
    const lines = await linesIn(file);
    const at = lines.findIndex((line) =>
      (JSON.parse(line) as { key?: string }).key?.startsWith("checkout-hold:"),
    );
    if (at < 0) throw new Error("the backup lacks the checkout hold");
    lines[at] = JSON.stringify({ ...JSON.parse(lines[at] ?? ""), expireAt: Date.now() - 1 });
    await writeFile(file, gzipSync(`${lines.join("\n")}\n`));
    const into = otherPrefix();

    const result = await restoreBackup(redis, await checkBackup(file), into);

    expect(result.expired).toBe(1);
    expect(await redis.exists(redisKeys(into).checkoutHold("CD34"))).toBe(0);
  });

  it("npm run backup and restore: counts printed, a non-empty target refused unless --force", async () => {
    const file = join(dir, "shop.backup.gz");
    const taken = io(prefix);
    expect(await backupCommand([file], taken.io)).toBe(0);
    expect(taken.out).toEqual([
      `Backed up 14 keys under ${prefix} to ${file}: orders 4, payments 1, unmatched 1, cursors 1, stock 1, audit 1, tickets 2, terms 1, streams 1, other 1.`,
    ]);

    const into = otherPrefix();
    const first = io(into);
    expect(await restoreCommand([file], first.io)).toBe(0);
    expect(first.out[0]).toMatch(
      new RegExp(`^Restored 14 keys under ${into} \\(taken under ${prefix}\\) from the backup of `),
    );

    // Someone changed an order since: a second restore refuses and leaves it as it is.
    const order = redisKeys(into).order("AB12");
    await redis.hset(order, "status", "refunded");
    const again = io(into);
    expect(await restoreCommand([file], again.io)).toBe(1);
    expect(again.err).toEqual([
      `Redis already holds keys under the prefix ${into}; restore into an empty one, or pass --force to overwrite them`,
    ]);
    expect(await redis.hget(order, "status")).toBe("refunded");

    // An order made since the backup, with its index entry and job: --force makes the data the
    // backup's, so none of it is left half there. A lock of a process is not the shop's data.
    const later = redisKeys(into);
    await redis.hset(later.order("EF56"), { id: "EF56", status: "paid" });
    await redis.zadd(later.allOrders(9), 3, "EF56");
    await redis.xadd(later.fulfilment(9), "*", "order", "EF56");
    await redis.set(later.jobLock("expiry"), "another process", "PX", 60_000);

    const forced = io(into);
    expect(await restoreCommand([file, "--force"], forced.io)).toBe(0);
    expect(forced.out[0]).toMatch(/; 3 keys not in the backup removed\.$/);
    expect(await redis.hget(order, "status")).toBe("delivered");
    expect(await redis.exists(later.order("EF56"), later.allOrders(9), later.fulfilment(9))).toBe(
      0,
    );
    expect(await redis.get(later.jobLock("expiry"))).toBe("another process");
    expect(await snapshot(into)).toEqual({
      ...(await backedUp()),
      [later.jobLock("expiry").slice(into.length)]: {
        type: "string",
        expires: true,
        value: "another process",
      },
    });
  });

  it("writes a backup only its owner can read", async () => {
    const file = join(dir, "private.backup.gz");
    expect(await backupCommand([file], io(prefix).io)).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("an unreachable Redis gets one line, and no file is written", async () => {
    const port = await freePort();
    const file = join(dir, "never.backup.gz");
    const run = io(prefix);
    run.io.env = { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PREFIX: prefix };

    expect(await backupCommand([file], run.io)).toBe(1);

    expect(run.err).toHaveLength(1);
    expect(run.err[0]).toMatch(
      new RegExp(
        `^Redis not reachable at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.* — start redis-server, or set REDIS_URL`,
      ),
    );
    await expect(readFile(file)).rejects.toThrow(/ENOENT/);
  });

  it("a bad file gets one clear line and restores nothing", async () => {
    const good = await readFile(await backupFile());
    const text = gunzipSync(good).toString();
    const lines = text.trimEnd().split("\n");
    const header = JSON.parse(lines[0] ?? "{}");
    const cases: [string, Buffer, string][] = [
      ["plain.json", Buffer.from(text), "not a backup: the file is not gzip-compressed"],
      [
        "cut.gz",
        good.subarray(0, Math.floor(good.length / 2)),
        "the backup is damaged or cut short (unexpected end of file); nothing was restored",
      ],
      [
        "no-end.gz",
        gzipSync(lines.slice(0, -1).join("\n")),
        "the backup is cut short: its last line is missing",
      ],
      [
        "v9.gz",
        gzipSync([JSON.stringify({ ...header, version: 9 }), ...lines.slice(1)].join("\n")),
        "the backup has format version 9; this release reads version 1",
      ],
      [
        "other.gz",
        gzipSync(JSON.stringify({ hello: "world" })),
        "not a backup of this shop: its header names another format",
      ],
      [
        "bad-entry.gz",
        gzipSync([lines[0], '{"key":""}', ...lines.slice(2)].join("\n")),
        "the backup is damaged at line 2",
      ],
      [
        // A bad entry in a file cut short: what is missing is told first, as it always was.
        "bad-entry-no-end.gz",
        gzipSync([lines[0], '{"key":""}', ...lines.slice(2, -1)].join("\n")),
        "the backup is cut short: its last line is missing",
      ],
      [
        "miscounted.gz",
        gzipSync(
          [JSON.stringify({ ...header, keys: header.keys + 1 }), ...lines.slice(1)].join("\n"),
        ),
        `the backup is damaged: it names ${header.keys + 1} keys and holds ${header.keys}`,
      ],
    ];
    const into = otherPrefix();
    for (const [name, bytes, message] of cases) {
      const file = join(dir, name);
      await writeFile(file, bytes);
      const run = io(into);

      expect(await restoreCommand([file], run.io)).toBe(1);

      expect(run.err).toEqual([`${file}: ${message}`]);
      expect(run.out).toEqual([]);
    }
    const missing = io(into);
    expect(await restoreCommand([join(dir, "nothing-here.gz")], missing.io)).toBe(1);
    expect(missing.err).toEqual([`Cannot read ${join(dir, "nothing-here.gz")} (ENOENT)`]);
    expect(await keysMatching(redis, `${into}*`)).toEqual([]);
    expect(await readFile(join(dir, "plain.json"))).toHaveLength(Buffer.byteLength(text));
  });

  it("reads every master: on a cluster the shop's keys are spread over them, and all are backed up", async () => {
    const held: number[] = [];
    for (const node of masters(redis)) {
      // The whole keyspace, a page at a time: other suites' keys share this Redis.
      let cursor = "0";
      let count = 0;
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1_000);
        cursor = next;
        count += keys.length;
      } while (cursor !== "0");
      held.push(count);
    }
    const file = join(dir, "every-master.backup.gz");
    const backup = await writeBackup(redis, prefix, file, { sessions: true });

    if (target.redisCluster) expect(held.filter((n) => n > 0).length).toBeGreaterThan(1);
    // Everything but the two locks and the flood counter.
    const total = held.reduce((a, b) => a + b, 0) - 3;
    expect(await entriesIn(file)).toHaveLength(total);
    expect(backup.keys).toBe(total);
  });

  it("a file that cannot be written gets one line, leaves no temporary, and an older backup as it was", async () => {
    const missing = join(dir, "no-such-folder", "shop.backup.gz");
    const nowhere = io(prefix);
    expect(await backupCommand([missing], nowhere.io)).toBe(1);
    expect(nowhere.err).toEqual([`Cannot write ${missing} (ENOENT)`]);
    expect(nowhere.out).toEqual([]);

    // A name with room for the backup but none for the temporary beside it: writing fails on
    // any machine, even for root, with the older backup already there.
    const folder = await mkdtemp(join(dir, "crowded-"));
    const file = join(folder, `${"b".repeat(240)}.backup.gz`);
    const older = await readFile(await backupFile());
    await writeFile(file, older);
    const run = io(prefix);

    expect(await backupCommand([file], run.io)).toBe(1);

    expect(run.err).toEqual([`Cannot write ${file} (ENAMETOOLONG)`]);
    expect(run.out).toEqual([]);
    expect(await readdir(folder)).toEqual([basename(file)]);
    expect(await readFile(file)).toEqual(older);
  });

  it("a backup cut off by Redis going away part way leaves neither a file nor a temporary", async () => {
    // A proxy stands in front of one server; a cluster has no single address to cut.
    if (target.redisCluster) return;
    const many = await manyKeys(250);
    const proxy = await startRedisProxy(target.redisUrl);
    const connected = await connectOnce({ redisUrl: proxy.url, redisCluster: undefined }, 5_000);
    if (!("redis" in connected)) throw connected.cause;
    const folder = await mkdtemp(join(dir, "cut-"));
    const file = join(folder, "shop.backup.gz");
    let readWhenCut: number | undefined;
    try {
      const backup = writeBackup(connected.redis, many, file, {
        onProgress: (read) => {
          readWhenCut ??= read;
          proxy.cut();
        },
      });

      const error = await backup.catch((e: unknown) => e);

      expect(error).toBeInstanceOf(Error);
      expect(error).not.toBeInstanceOf(BackupWriteError);
    } finally {
      connected.redis.disconnect();
      proxy.close();
    }
    expect(readWhenCut).toBeGreaterThan(0);
    expect(readWhenCut).toBeLessThan(250);
    expect(await readdir(folder)).toEqual([]);
  });

  it("restores a backup of more keys than it reads at once, every one of them", async () => {
    const many = await manyKeys(250);
    const file = join(dir, "many.backup.gz");
    const backup = await writeBackup(redis, many, file);
    const into = otherPrefix();

    const result = await restoreBackup(redis, await checkBackup(file), into);

    expect(backup.keys).toBe(250);
    expect(result).toMatchObject({ restored: 250, expired: 0 });
    expect(await snapshot(into)).toEqual(await snapshot(many));
  });

  it("a backup stopped part way (Ctrl-C) leaves no file, and npm run backup says so", async () => {
    const many = await manyKeys(250);
    const folder = await mkdtemp(join(dir, "stopped-"));
    const stop = new AbortController();
    let readWhenStopped: number | undefined;

    const backup = writeBackup(redis, many, join(folder, "shop.backup.gz"), {
      signal: stop.signal,
      onProgress: (read) => {
        readWhenStopped ??= read;
        stop.abort();
      },
    });

    await expect(backup).rejects.toThrow();
    expect(readWhenStopped).toBeGreaterThan(0);
    expect(await readdir(folder)).toEqual([]);

    const file = join(folder, "again.backup.gz");
    const run = io(many);
    const stopped = new AbortController();
    stopped.abort();
    expect(await backupCommand([file], { ...run.io, signal: stopped.signal })).toBe(130);
    expect(run.err).toEqual([`Backup stopped; nothing was written to ${file}.`]);
    expect(await readdir(folder)).toEqual([]);
  });

  it("restores only the file it checked: one put in its place since is refused, nothing restored", async () => {
    const file = join(dir, "swapped.backup.gz");
    await writeBackup(redis, prefix, file);
    const checked = await checkBackup(file);
    // A newer backup renamed onto the same path, as a scheduled one would be.
    await writeBackup(redis, await manyKeys(30), file);
    const into = otherPrefix();

    await expect(restoreBackup(redis, checked, into)).rejects.toThrow(
      "the backup file changed since it was checked (a newer backup written over it?); nothing was restored",
    );
    expect(await keysMatching(redis, `${into}*`)).toEqual([]);
  });
});
