import { once } from "node:events";
import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";

export interface RoundRobinProxy {
  /** http://127.0.0.1:<port>, the address Telegram is given. */
  origin: string;
  stats: {
    forwarded: number;
    /** Backends that refused the connection, so the next one got the request. */
    refused: number;
    /** Requests answered 502: every backend refused, or one failed after taking the request. */
    badGateway: number;
  };
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * A load balancer on loopback, as in front of several shop processes: each request goes to the
 * next backend in turn. A backend that refuses the connection is skipped for the next one; one
 * that fails after it took the request is answered 502 and not tried again, since a POST may
 * have run (nginx's proxy_next_upstream does the same). The caller then retries, as Telegram does.
 */
export async function startRoundRobinProxy(backends: readonly string[]): Promise<RoundRobinProxy> {
  const agent = new Agent({ keepAlive: true });
  const stats = { forwarded: 0, refused: 0, badGateway: 0 };
  let next = 0;

  const forward = (
    backend: string,
    incoming: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer } | "refused"> =>
    new Promise((resolve, reject) => {
      const target = new URL(incoming.url ?? "/", backend);
      const outgoing = httpRequest(
        target,
        {
          method: incoming.method,
          headers: { ...incoming.headers, host: target.host, "content-length": body.length },
          agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 502,
              headers: response.headers,
              body: Buffer.concat(chunks),
            }),
          );
          response.on("error", reject);
        },
      );
      outgoing.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code === "ECONNREFUSED") resolve("refused");
        else reject(error);
      });
      outgoing.end(body);
    });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) {
        response.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    for (let tried = 0; tried < backends.length; tried++) {
      const backend = backends[next++ % backends.length] as string;
      let answer: Awaited<ReturnType<typeof forward>>;
      try {
        answer = await forward(backend, request, body);
      } catch {
        break;
      }
      if (answer === "refused") {
        stats.refused++;
        continue;
      }
      stats.forwarded++;
      const {
        connection: _,
        "keep-alive": __,
        "transfer-encoding": ___,
        ...headers
      } = answer.headers;
      response.writeHead(answer.status, headers).end(answer.body);
      return;
    }
    stats.badGateway++;
    response.writeHead(502).end();
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    stats,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}
