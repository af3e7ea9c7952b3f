import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "@ton-payment-bot/emulators/redis";

export interface RedisProxy {
  /** The Redis URL to give the shop: the same Redis, reached through the proxy. */
  url: string;
  /**
   * Redis becomes unreachable at once, as if its server went down: open connections are dropped
   * and new ones refused. The data stays, for `restore`.
   */
  cut(): void;
  /** Redis is reachable again on the same address. */
  restore(): Promise<void>;
  close(): void;
}

/** A loopback TCP hop in front of a Redis, so a test can take Redis away and bring it back. */
export async function startRedisProxy(redisUrl: string): Promise<RedisProxy> {
  const target = new URL(redisUrl);
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const restore = async () => {
    if (server !== undefined) return;
    const listening = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on("error", drop);
        socket.on("close", drop);
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    server = listening;
    await new Promise<void>((resolve, reject) => {
      listening.once("error", reject);
      listening.listen(port, "127.0.0.1", () => resolve());
    });
  };
  const cut = () => {
    server?.close();
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };

  await restore();
  const url = new URL(redisUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return { url: url.toString(), cut, restore, close: cut };
}
