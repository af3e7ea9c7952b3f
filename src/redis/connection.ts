import { Cluster, type ClusterOptions, Redis, type RedisOptions } from "ioredis";
import type { Config } from "../config.js";
import type { Logger } from "../log.js";
import type { RedisClient } from "./client.js";

/** Where the shop's data lives: one Redis (REDIS_URL) or a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisTarget = Pick<Config, "redisUrl" | "redisCluster">;

/** How a connection behaves, the same whether it reaches one Redis or every node of a cluster. */
export type RedisClientOptions = Pick<
  RedisOptions,
  | "lazyConnect"
  | "enableAutoPipelining"
  | "enableOfflineQueue"
  | "maxRetriesPerRequest"
  | "connectTimeout"
  | "commandTimeout"
  | "retryStrategy"
>;

/**
 * A client for the target, not yet connected unless `lazyConnect` is false. On a cluster the
 * options apply to each node's connection, `retryStrategy` to finding the cluster again, and
 * `enableAutoPipelining` not at all (see below).
 */
export function createRedisClient(
  target: RedisTarget,
  options: RedisClientOptions = {},
): RedisClient {
  const cluster = target.redisCluster;
  if (cluster === undefined) return new Redis(target.redisUrl, options);
  const {
    lazyConnect,
    enableAutoPipelining: _,
    enableOfflineQueue,
    retryStrategy,
    ...perNode
  } = options;
  const clusterOptions: ClusterOptions = {
    lazyConnect,
    // Not on a cluster: an automatic pipeline that meets MOVED (a resharding, a failover) fails
    // its commands instead of following the redirect (ioredis #2075), and it routes XGROUP and
    // XINFO by their subcommand's name rather than their key (#2109). Commands still go out
    // back to back on each node's connection.
    enableAutoPipelining: false,
    enableOfflineQueue,
    // Every read goes to the master that took the write: a replica may not have it yet, and an
    // order read back right after its payment must show the payment.
    scaleReads: "master",
    redisOptions: {
      ...perNode,
      username: cluster.username,
      password: cluster.password,
      tls: cluster.tls ? {} : undefined,
    },
  };
  if (retryStrategy !== undefined) clusterOptions.clusterRetryStrategy = retryStrategy;
  if (cluster.tls) {
    // Seed nodes stay hostnames rather than resolved IPs, so each TLS certificate is checked
    // against the name it was issued for (managed clusters such as ElastiCache, Valkey services).
    clusterOptions.dnsLookup = (address, callback) => callback(null, address);
  }
  return new Cluster(
    cluster.nodes.map(({ host, port }) => ({ host, port })),
    clusterOptions,
  );
}

/**
 * The shop's own long-lived connection: commands wait while Redis is away (the outage is logged
 * by whoever follows it) and are pipelined automatically. Connects on the caller's `connect()`.
 */
export function shopRedis(config: RedisTarget, log: Logger): RedisClient {
  if (config.redisCluster?.redisUrlIgnored) {
    log.info("REDIS_CLUSTER_NODES is set, so REDIS_URL is ignored");
  }
  return createRedisClient(config, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: null,
    lazyConnect: true,
  });
}

/** Every master's own connection: what a command for all keys (SCAN, INFO) must go through. */
export function masters(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes("master") : [redis];
}

/** Where the target is, for people: host and port only, since a Redis URL may carry a password. */
export function redisWhere(target: RedisTarget): { service: string; where: string; fix: string } {
  const cluster = target.redisCluster;
  if (cluster !== undefined) {
    const scheme = cluster.tls ? "rediss://" : "redis://";
    const [first, ...others] = cluster.nodes.map(({ host, port }) =>
      host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`,
    );
    const more =
      others.length === 0
        ? ""
        : ` and ${others.length} more seed node${others.length === 1 ? "" : "s"}`;
    return {
      service: "Redis Cluster",
      where: `${scheme}${first}${more}`,
      fix: "check the cluster's nodes, or set REDIS_CLUSTER_NODES (host:port,host:port,…)",
    };
  }
  return {
    service: "Redis",
    where: urlHost(target.redisUrl),
    fix: "start redis-server, or set REDIS_URL (redis://[:password@]host:port)",
  };
}

function urlHost(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return "(REDIS_URL)";
  }
}
