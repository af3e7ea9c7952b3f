import { type ChildProcess, execFile } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import { freePort, spawnRedisServer } from "@ton-payment-bot/emulators/redis";
import { Redis } from "ioredis";

export interface RedisClusterServer {
  /** Every master, as seed nodes. */
  nodes: { host: string; port: number }[];
  /** The same, as REDIS_CLUSTER_NODES. */
  env: string;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/**
 * Starts a throw-away Redis Cluster of `masters` redis-servers on free loopback ports (no
 * replicas, nothing kept on disk once stopped) and waits until every node says the cluster
 * serves all 16384 slots.
 */
export async function startRedisCluster(
  options: { masters?: number; binary?: string; cli?: string } = {},
): Promise<RedisClusterServer> {
  const masters = options.masters ?? 3;
  const dir = await mkdtemp(join(tmpdir(), "tpb-cluster-"));
  const servers: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(
      servers.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        await once(child, "exit");
      }),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const nodes: RedisClusterServer["nodes"] = [];
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      // The bus port is given too: port + 10000, the default, may be taken or past 65535.
      const busPort = await freePort();
      servers.push(await startNode(options.binary ?? "redis-server", dir, port, busPort));
      nodes.push({ host: "127.0.0.1", port });
    }
    const addresses = nodes.map(({ host, port }) => `${host}:${port}`);
    await run(options.cli ?? "redis-cli", [
      "--cluster",
      "create",
      ...addresses,
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]).catch((error: Error & { stdout?: string; stderr?: string }) => {
      const said = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim().slice(-300);
      throw new Error(`redis-cli --cluster create failed: ${said || error.message}`);
    });
    await Promise.all(nodes.map((node) => untilClusterOk(node.port)));
    return { nodes, env: addresses.join(","), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function startNode(
  binary: string,
  dir: string,
  port: number,
  busPort: number,
): Promise<ChildProcess> {
  return spawnRedisServer(binary, [
    ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
    ...["--cluster-enabled", "yes", "--cluster-port", String(busPort)],
    ...["--cluster-config-file", join(dir, `nodes-${port}.conf`)],
    ...["--save", "", "--appendonly", "no", "--daemonize", "no"],
  ]);
}

/** Until this node reports `cluster_state:ok`: it knows every slot's master and reaches it. */
async function untilClusterOk(port: number, timeoutMs = 30_000): Promise<void> {
  const redis = new Redis(port, "127.0.0.1", { maxRetriesPerRequest: 1 });
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const info = String(await redis.cluster("INFO"));
      if (/^cluster_state:ok\s*$/m.test(info)) return;
      if (Date.now() > deadline) {
        throw new Error(`Redis Cluster node ${port} is not ok: ${info.split("\n")[0]}`);
      }
      await delay(50);
    }
  } finally {
    redis.disconnect();
  }
}
