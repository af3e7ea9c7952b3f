import type { TestProject } from "vitest/node";
import { startRedisCluster } from "./redis-cluster.js";

// One 3-master Redis Cluster for the cluster project's run; REDIS_CLUSTER_NODES wins when set.
export default async function setup(project: TestProject) {
  if (process.env.REDIS_CLUSTER_NODES) {
    project.provide("redisClusterNodes", process.env.REDIS_CLUSTER_NODES);
    return;
  }
  const cluster = await startRedisCluster();
  project.provide("redisClusterNodes", cluster.env);
  return async () => {
    await cluster.stop();
  };
}
