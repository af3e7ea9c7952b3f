import type { Cluster, Redis } from "ioredis";
/** A connection to one Redis or to a Redis Cluster; everything in the shop takes either. */
export type RedisClient = Redis | Cluster;
