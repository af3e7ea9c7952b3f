import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port assigned");
  return address.port;
}

/**
 * Starts a throw-away `redis-server` on a free loopback port, keeping nothing on disk.
 * Used by the offline sandbox and the tests when no REDIS_URL is given.
 */
export async function startRedisServer(binary = "redis-server"): Promise<RedisServer> {
  const port = await freePort();
  const child = await spawnRedisServer(binary, [
    ...["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
  ]);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

/** Runs `redis-server` with `args` and resolves once it accepts connections. */
export async function spawnRedisServer(binary: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("error", (error) =>
      reject(new Error(`could not start ${binary}: ${error.message}`)),
    );
    child.once("exit", (code) =>
      reject(new Error(`${binary} exited with code ${code}: ${output.trim().slice(-300)}`)),
    );
  });
  return child;
}
