import { mkdtemp, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Cluster, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkBackup, restoreBackup, writeBackup } from "../../src/ops/backup.js";
import { masters } from "../../src/redis/connection.js";
import { type RedisClusterServer, startRedisCluster } from "../support/redis-cluster.js";

/*
 * A backup reads a cluster's masters one after another, so a slot that moves from a master not
 * yet read to one already read would take its keys out of the backup without a word. These
 * tests move slots on a cluster of their own, which no other suite shares: three masters, the
 * fewest `redis-cli --cluster create` accepts.
 */

const KEYS = 300;
const prefix = "shop:";
const MOVED =
  "the cluster's slots moved while the backup ran (a resharding or a failover); nothing was written — take the backup again once it is done";
const MOVING =
  "the cluster is moving slots (a resharding is under way); nothing was written — take the backup once it is done";

let cluster: RedisClusterServer;
let shop: Cluster;
/** A plain connection to each master, by port, for the CLUSTER commands a resharding sends. */
const nodes = new Map<number, Redis>();

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  shop = new Cluster(cluster.nodes, { scaleReads: "master" });
  for (const { host, port } of cluster.nodes) nodes.set(port, new Redis(port, host));
  await Promise.all(
    Array.from({ length: KEYS }, (_, i) => shop.set(`${prefix}item:${i}`, `value ${i}`)),
  );
});

afterAll(async () => {
  shop?.disconnect();
  for (const node of nodes.values()) node.disconnect();
  await cluster?.stop();
});

/** The first two masters a backup reads, in that order. */
function readFirst(): [Redis, Redis] {
  const [first, second] = masters(shop).map((master) => nodes.get(master.options.port ?? 0));
  if (first === undefined || second === undefined) throw new Error("the cluster lacks a master");
  return [first, second];
}

/** A slot of `node`'s holding some of the shop's keys, and one of those keys. */
async function slotWithKeys(node: Redis): Promise<{ slot: number; key: string }> {
  const [, keys] = await node.scan("0", "MATCH", `${prefix}*`, "COUNT", 1_000);
  const key = keys[0];
  if (key === undefined) throw new Error("the master holds none of the shop's keys");
  return { slot: await node.cluster("KEYSLOT", key), key };
}

/** Moves `slot` and its keys from one master to the other, as `redis-cli --cluster reshard` does. */
async function moveSlot(slot: number, from: Redis, to: Redis): Promise<void> {
  const [fromId, toId] = [await from.cluster("MYID"), await to.cluster("MYID")];
  await to.cluster("SETSLOT", slot, "IMPORTING", fromId);
  await from.cluster("SETSLOT", slot, "MIGRATING", toId);
  for (;;) {
    const keys = await from.cluster("GETKEYSINSLOT", slot, 100);
    if (keys.length === 0) break;
    await from.migrate(
      to.options.host ?? "127.0.0.1",
      to.options.port ?? 0,
      "",
      0,
      5_000,
      "KEYS",
      ...keys,
    );
  }
  await to.cluster("SETSLOT", slot, "NODE", toId);
  await from.cluster("SETSLOT", slot, "NODE", toId);
}

/** Whether `node` serves `slot`, by its own CLUSTER SLOTS. */
async function owns(node: Redis, slot: number): Promise<boolean> {
  const port = node.options.port;
  const ranges = await node.cluster("SLOTS");
  return ranges.some(([from, to, master]) => from <= slot && slot <= to && master?.[1] === port);
}

async function emptyFolder(): Promise<string> {
  return mkdtemp(join(tmpdir(), "tpb-resharding-"));
}

describe("a backup of a cluster whose slots move", () => {
  it("fails and writes nothing when a slot moves to a master already read", async () => {
    const folder = await emptyFolder();
    const [first, second] = readFirst();
    const { slot, key } = await slotWithKeys(second);
    let moved = false;

    const backup = writeBackup(shop, prefix, join(folder, "shop.backup.gz"), {
      // After the first batch, read from the first master: the slot lands behind the reading.
      onProgress: async () => {
        if (moved) return;
        moved = true;
        await moveSlot(slot, second, first);
      },
    });

    await expect(backup).rejects.toThrow(MOVED);
    expect(await first.exists(key)).toBe(1);
    expect(await readdir(folder)).toEqual([]);
  });

  it("refuses at once while a slot is half moved, and writes nothing", async () => {
    const folder = await emptyFolder();
    const [first, second] = readFirst();
    const { slot } = await slotWithKeys(second);
    await first.cluster("SETSLOT", slot, "IMPORTING", await second.cluster("MYID"));
    await second.cluster("SETSLOT", slot, "MIGRATING", await first.cluster("MYID"));
    let read = 0;
    try {
      const backup = writeBackup(shop, prefix, join(folder, "shop.backup.gz"), {
        onProgress: (keys) => {
          read = keys;
        },
      });

      await expect(backup).rejects.toThrow(MOVING);
    } finally {
      await first.cluster("SETSLOT", slot, "STABLE");
      await second.cluster("SETSLOT", slot, "STABLE");
    }
    expect(read).toBe(0);
    expect(await readdir(folder)).toEqual([]);
  });

  it("refuses a restore while a slot is half moved, and restores nothing", async () => {
    const file = join(await emptyFolder(), "shop.backup.gz");
    await writeBackup(shop, prefix, file);
    const checked = await checkBackup(file);
    const [first, second] = readFirst();
    const { slot } = await slotWithKeys(second);
    await first.cluster("SETSLOT", slot, "IMPORTING", await second.cluster("MYID"));
    await second.cluster("SETSLOT", slot, "MIGRATING", await first.cluster("MYID"));
    try {
      await expect(restoreBackup(shop, checked, "moving:")).rejects.toThrow(
        "the cluster is moving slots (a resharding is under way); nothing was restored — restore once it is done",
      );
    } finally {
      await first.cluster("SETSLOT", slot, "STABLE");
      await second.cluster("SETSLOT", slot, "STABLE");
    }
    expect(await shop.get("moving:item:0")).toBeNull();
  });

  it("refuses while a slot is served by no master it knows, and writes nothing", async () => {
    const folder = await emptyFolder();
    const [first] = readFirst();
    // A slot of the first master's that holds none of the shop's keys, taken from it.
    let slot = 0;
    while ((await first.cluster("COUNTKEYSINSLOT", slot)) !== 0 || !(await owns(first, slot)))
      slot++;
    await first.cluster("DELSLOTS", slot);
    try {
      const backup = writeBackup(shop, prefix, join(folder, "shop.backup.gz"));

      await expect(backup).rejects.toThrow(
        /^the cluster's masters serve 16383 of 16384 slots \(a node joining, failing or being added\); nothing was written/,
      );
    } finally {
      await first.cluster("ADDSLOTS", slot);
    }
    expect(await readdir(folder)).toEqual([]);
  });

  it("backs up and restores every key while the slots hold still", async () => {
    const file = join(await emptyFolder(), "shop.backup.gz");

    const backup = await writeBackup(shop, prefix, file);
    const result = await restoreBackup(shop, await checkBackup(file), "copy:");

    expect(backup.keys).toBe(KEYS);
    expect(result).toMatchObject({ restored: KEYS, expired: 0 });
    const copies = await Promise.all(
      Array.from({ length: KEYS }, (_, i) => shop.get(`copy:item:${i}`)),
    );
    expect(copies).toEqual(Array.from({ length: KEYS }, (_, i) => `value ${i}`));
  });
});
