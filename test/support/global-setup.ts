import { startRedisServer } from "@ton-payment-bot/emulators/redis";
import type { TestProject } from "vitest/node";

// One redis-server for the whole run, on a free port; REDIS_URL wins when it is set.
export default async function setup(project: TestProject) {
  if (process.env.REDIS_URL) {
    project.provide("redisUrl", process.env.REDIS_URL);
    return;
  }
  const server = await startRedisServer();
  project.provide("redisUrl", server.url);
  return async () => {
    await server.stop();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    /** The redis project's one server. */
    redisUrl: string;
    /** The cluster project's Redis Cluster, as REDIS_CLUSTER_NODES names it. */
    redisClusterNodes: string;
  }
}
