import { createHash } from "node:crypto";
import type { RedisClient } from "./client.js";

/**
 * A Lua script, run by its SHA1 and loaded on first use (EVALSHA, then EVAL on NOSCRIPT), as
 * ioredis' defineCommand does — without defining commands on a shared connection, which a
 * command defined after an auto-pipeline opened would miss. On a Cluster it runs on the node
 * of its first key; every key it is given must share one hash slot (see keys.ts).
 */
export class Script<Result> {
  private readonly sha: string;

  constructor(
    readonly name: string,
    private readonly lua: string,
  ) {
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(
    redis: RedisClient,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<Result> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as Result;
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return (await redis.eval(this.lua, keys.length, ...keys, ...args)) as Result;
    }
  }
}
