import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../log.js";

/** Answers a request if it is one of its routes; false leaves it to the caller. */
export type Routes = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface OpsRoutesOptions {
  /** The Prometheus text exposition. */
  metrics(): Promise<{ contentType: string; body: string }>;
  /** One line per failing readiness check; empty when ready. */
  readiness(): Promise<string[]>;
  log: Logger;
}

const TEXT = "text/plain; charset=utf-8";

/**
 * `GET /metrics`, `GET /healthz` (the process runs) and `GET /readyz` (200, or 503 with a line
 * per failing check). Mounted on the webhook server when METRICS_PORT is PORT, else on its own.
 */
export function opsRoutes(options: OpsRoutesOptions): Routes {
  const { log } = options;
  return (request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") return false;
    const path = pathOf(request.url);
    if (path === "/healthz") {
      response.writeHead(200, { "content-type": TEXT }).end("ok\n");
      return true;
    }
    if (path === "/readyz") {
      options.readiness().then(
        (failures) => {
          if (failures.length === 0) response.writeHead(200, { "content-type": TEXT }).end("ok\n");
          else response.writeHead(503, { "content-type": TEXT }).end(`${failures.join("\n")}\n`);
        },
        (error: unknown) => {
          log.error({ err: error }, "readiness not checked");
          response.writeHead(503, { "content-type": TEXT }).end("readiness not checked\n");
        },
      );
      return true;
    }
    if (path === "/metrics") {
      options.metrics().then(
        ({ contentType, body }) =>
          response.writeHead(200, { "content-type": contentType }).end(body),
        (error: unknown) => {
          log.error({ err: error }, "metrics not collected");
          response.writeHead(500, { "content-type": TEXT }).end("metrics not collected\n");
        },
      );
      return true;
    }
    return false;
  };
}

/** The routes on a listener of their own; resolves once it listens. */
export async function listenOps(
  routes: Routes,
  where: { port: number; host: string },
  log: Logger,
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    if (!routes(request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          `METRICS_PORT ${where.port} on ${where.host} could not be opened (${error.code ?? error.message})`,
        ),
      );
    });
    server.listen(where.port, where.host, () => {
      server.removeAllListeners("error");
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ host: where.host, port }, "metrics and health listening");
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function pathOf(url: string | undefined): string | undefined {
  try {
    return new URL(url ?? "/", "http://ops").pathname;
  } catch {
    return undefined;
  }
}
