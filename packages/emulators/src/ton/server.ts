import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { readBody, serveOnLoopback } from "../http.js";
import type { EmulatedChain } from "./chain.js";
import { FaultInjector, type FaultPlan, type InjectedFault, noFaults } from "./faults.js";
import { type Params, ToncenterError, toncenterMethods } from "./methods.js";

/** How long a "timeout" fault holds a request before giving up on it. */
const HOLD_MS = 30_000;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** toncenter's rate-limit answer, byte for byte. */
export const RATE_LIMIT_BODY = '{"ok":false,"result":"Ratelimit exceed","code":429}';
/**
 * What an injected 500 says, in the words a lagging liteserver uses for that kind of call. Note
 * that for sendBoc it reads like a rejection even though nothing was decided.
 */
export function injectedServerError(method: string): string {
  return method.startsWith("sendBoc")
    ? "LITE_SERVER_UNKNOWN: cannot apply external message to current state : External message was not accepted (injected fault)"
    : "LITE_SERVER_UNKNOWN: block is not applied (injected fault)";
}

export interface EmulatorStats {
  requests: number;
  byMethod: Record<string, number>;
  /** 429 answers, whether injected, scripted or from the rps limit. */
  rateLimited: number;
  /** 5xx answers, injected or genuine (e.g. a rejected external message). */
  serverErrors: number;
  /** Requests held unanswered by a "timeout" fault. */
  timeouts: number;
}

export interface ToncenterEmulator {
  /** Full JSON-RPC URL, ready for `new TonClient({ endpoint })`. */
  endpoint: string;
  /** Mutable; edits take effect on the next request. */
  faults: FaultPlan;
  /** Merges into `faults`; passing a seed (even the same one) restarts the random sequence. */
  setFaults(plan: Partial<FaultPlan>): void;
  stats: EmulatorStats;
  resetStats(): void;
  close(): Promise<void>;
}

export interface ToncenterEmulatorOptions {
  chain: EmulatedChain;
  /** 0 or absent = any free port. */
  port?: number;
  faults?: Partial<FaultPlan>;
}

/** One parsed call, whichever way it arrived (JSON-RPC, GET query, POST body). */
interface Call {
  method: string;
  params: Params;
  /** JSON-RPC id to echo; undefined for plain REST calls. */
  rpcId?: unknown;
}

/**
 * A loopback toncenter v2 in front of an EmulatedChain: the real TonClient talks to it unchanged.
 * Serves POST /api/v2/jsonRPC (and /jsonRPC) plus GET/POST /api/v2/<method>.
 */
export async function startToncenterEmulator(
  opts: ToncenterEmulatorOptions,
): Promise<ToncenterEmulator> {
  const faults: FaultPlan = { ...noFaults(), ...opts.faults };
  faults.failNext = [...faults.failNext];
  const injector = new FaultInjector(faults);
  const methods = toncenterMethods(opts.chain, injector);
  const stats = emptyStats();
  const held = new Set<{ timer: NodeJS.Timeout; response: ServerResponse }>();
  let extraCounter = 0;

  const answer = async (response: ServerResponse, status: number, body: string) => {
    if (faults.latencyMs > 0) await delay(faults.latencyMs);
    if (status === 429) stats.rateLimited++;
    if (status >= 500) stats.serverErrors++;
    if (response.destroyed) return;
    response.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    response.end(body);
  };

  const hold = (response: ServerResponse) => {
    stats.timeouts++;
    const entry = {
      response,
      timer: setTimeout(() => {
        held.delete(entry);
        void answer(response, 504, errorBody(504, "Liteserver timeout"));
      }, HOLD_MS).unref(),
    };
    held.add(entry);
    response.on("close", () => {
      clearTimeout(entry.timer);
      held.delete(entry);
    });
  };

  const injected = (fault: InjectedFault, method: string, response: ServerResponse) => {
    if (fault === "429") return answer(response, 429, RATE_LIMIT_BODY);
    if (fault === "500") return answer(response, 500, errorBody(500, injectedServerError(method)));
    hold(response);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const route = await readCall(request);
    if (route instanceof ToncenterError) {
      return answer(response, route.status, errorBody(route.status, route.message));
    }
    const { method, params, rpcId } = route;
    stats.requests++;
    stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;

    const fault = injector.nextFault(Date.now());
    if (fault !== undefined) return injected(fault, method, response);

    const handler = methods.get(method);
    if (handler === undefined) {
      // toncenter: JSON-RPC answers 422 "Unknown method", REST answers 404.
      const status = rpcId === undefined ? 404 : 422;
      const message = rpcId === undefined ? "Not Found" : "Unknown method";
      return answer(response, status, errorBody(status, message, rpcId));
    }
    try {
      const result = await handler(params);
      const extra = `${opts.chain.now}.${++extraCounter}:0:0`;
      const rpc = rpcId === undefined ? "" : `,"jsonrpc":"2.0","id":${JSON.stringify(rpcId)}`;
      return answer(response, 200, `{"ok":true,"result":${result},"@extra":"${extra}"${rpc}}`);
    } catch (error) {
      const failure =
        error instanceof ToncenterError
          ? error
          : new ToncenterError(503, error instanceof Error ? error.message : String(error));
      return answer(response, failure.status, errorBody(failure.status, failure.message, rpcId));
    }
  };

  const { server, origin } = await serveOnLoopback(handle, opts.port);

  return {
    endpoint: `${origin}/api/v2/jsonRPC`,
    faults,
    setFaults(plan) {
      Object.assign(faults, plan);
      if (plan.failNext) faults.failNext = [...plan.failNext];
      if (plan.seed !== undefined) injector.restart();
    },
    stats,
    resetStats() {
      Object.assign(stats, emptyStats());
    },
    async close() {
      for (const { timer, response } of held) {
        clearTimeout(timer);
        response.destroy();
      }
      held.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function emptyStats(): EmulatorStats {
  return { requests: 0, byMethod: {}, rateLimited: 0, serverErrors: 0, timeouts: 0 };
}

function errorBody(status: number, message: string, rpcId?: unknown): string {
  const rpc = rpcId === undefined ? {} : { jsonrpc: "2.0", id: rpcId };
  return JSON.stringify({ ok: false, error: message, code: status, ...rpc });
}

/** Works out which method is being called and with what, or the error toncenter would give. */
async function readCall(request: IncomingMessage): Promise<Call | ToncenterError> {
  const url = new URL(request.url ?? "/", "http://localhost");
  const name = url.pathname.replace(/^\/api\/v2/, "").replace(/^\//, "");
  if (request.method === "GET") {
    if (name === "" || name === "jsonRPC") return new ToncenterError(405, "Method Not Allowed");
    return { method: name, params: Object.fromEntries(url.searchParams) };
  }
  if (request.method !== "POST") return new ToncenterError(405, "Method Not Allowed");

  let body: unknown;
  try {
    const text = (
      await readBody(request, MAX_BODY_BYTES, () => new Error("request body too large"))
    ).toString("utf8");
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    return new ToncenterError(422, "Validation error: request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return new ToncenterError(422, "Validation error: request body must be an object");
  }
  const fields = body as Record<string, unknown>;
  if (name !== "jsonRPC") return { method: name, params: fields };

  const params = fields.params ?? {};
  if (typeof fields.method !== "string") {
    return new ToncenterError(422, "Validation error: method is required");
  }
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    return new ToncenterError(422, "params must contain an object");
  }
  return { method: fields.method, params: params as Params, rpcId: fields.id ?? null };
}
