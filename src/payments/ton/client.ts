import type { Address, TupleItem, TupleReader } from "@ton/core";
import { HttpApi, TonClient } from "@ton/ton";
import { isAxiosError } from "axios";
import pRetry from "p-retry";
import pThrottle from "p-throttle";
import { type Logger, maskSecrets, silentLogger } from "../../log.js";
import { type Metrics, noMetrics } from "../../metrics.js";
import { inlineDecoder, type TransactionDecoder } from "./decoder.js";
import {
  LiteServerUnknown,
  ToncenterError,
  ToncenterRateLimited,
  ToncenterUnavailable,
} from "./errors.js";
import type { ObservedTransaction, WalletRole } from "./observed.js";

export interface TransactionPage {
  limit: number;
  /** Start from this transaction (exclusive); newest when omitted. */
  lt?: string;
  /** Hex hash of that transaction. */
  hash?: string;
  /** Stop at this logical time (exclusive). */
  toLt?: string;
  /** Start from the `lt`/`hash` transaction itself rather than the one before it. */
  inclusive?: boolean;
  /** How the wallet's transactions are read: the merchant wallet's unless given. */
  role?: WalletRole;
}

export interface LastTransaction {
  lt: string;
  /** Hex. */
  hash: string;
}

/**
 * One page of getTransactions. The ids arrive with the response, so the next page can be asked
 * for while this one is still being decoded.
 */
export interface FetchedPage {
  /** Logical time and hex hash of each item, newest first, as toncenter listed them. */
  ids: { lt: bigint; hash: string }[];
  /** The same items decoded and classified, in the same order. */
  transactions: Promise<ObservedTransaction[]>;
}

/** What the watcher needs from toncenter; the sandbox and tests can supply their own. */
export interface TransactionSource {
  getTransactions(address: Address, page: TransactionPage): Promise<FetchedPage>;
  getLastTransaction(address: Address): Promise<LastTransaction | undefined>;
}

export interface ToncenterClientOptions {
  endpoint: string;
  apiKey?: string;
  /** Requests per second allowed by the key (TONCENTER_RPS). */
  rps: number;
  /** Retries per call after the first attempt. */
  retries?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  timeoutMs?: number;
  log?: Logger;
  /** Where transaction BOCs are decoded; the calling thread unless given. */
  decoder?: TransactionDecoder;
  metrics?: Metrics;
}

/**
 * toncenter v2 through `@ton/ton`'s TonClient, with a request-rate limit, exponential backoff
 * with jitter on 429/5xx/timeouts, and an archival retry when a lite server lost the block.
 */
export class ToncenterClient implements TransactionSource {
  readonly ton: TonClient;
  private readonly api: HttpApi;
  private readonly decoder: TransactionDecoder;
  /** Every HTTP request made, retries included: the idle-cost figure. */
  requests = 0;
  private readonly throttle: <T>(call: () => Promise<T>) => Promise<T>;
  private readonly log: Logger;

  private readonly metrics: Metrics;

  constructor(private readonly options: ToncenterClientOptions) {
    this.metrics = options.metrics ?? noMetrics;
    this.ton = new TonClient({
      endpoint: options.endpoint,
      apiKey: options.apiKey,
      timeout: options.timeoutMs ?? 10_000,
    });
    this.api = new HttpApi(options.endpoint, {
      apiKey: options.apiKey,
      timeout: options.timeoutMs ?? 10_000,
    });
    this.decoder = options.decoder ?? inlineDecoder;
    const throttled = pThrottle({ limit: options.rps, interval: 1000, strict: true })(
      async <T>(call: () => Promise<T>): Promise<T> => call(),
    );
    this.throttle = throttled as <T>(call: () => Promise<T>) => Promise<T>;
    this.log = options.log ?? silentLogger;
  }

  async getTransactions(address: Address, page: TransactionPage): Promise<FetchedPage> {
    let archival = false;
    const items = await this.call("getTransactions", async () => {
      try {
        return await this.api.getTransactions(address, {
          limit: page.limit,
          lt: page.lt,
          hash: page.hash ? Buffer.from(page.hash, "hex").toString("base64") : undefined,
          to_lt: page.toLt,
          inclusive: page.inclusive,
          archival,
        });
      } catch (error) {
        const typed = toToncenterError(error);
        if (typed instanceof LiteServerUnknown) archival = true;
        throw typed;
      }
    });
    const transactions = this.decoder.decode(
      items.map((item) => item.data),
      address,
      page.role,
    );
    // Awaited by the watcher; a poll abandoned first must not leave an unhandled rejection.
    transactions.catch(() => undefined);
    return {
      ids: items.map((item) => ({
        lt: BigInt(item.transaction_id.lt),
        hash: Buffer.from(item.transaction_id.hash, "base64").toString("hex"),
      })),
      transactions,
    };
  }

  async getLastTransaction(address: Address): Promise<LastTransaction | undefined> {
    const state = await this.call("getAddressInformation", () =>
      this.ton.getContractState(address),
    );
    if (!state.lastTransaction) return undefined;
    return {
      lt: state.lastTransaction.lt,
      hash: Buffer.from(state.lastTransaction.hash, "base64").toString("hex"),
    };
  }

  async getBalance(address: Address): Promise<bigint> {
    return this.call("getAddressInformation", () => this.ton.getBalance(address));
  }

  /**
   * Runs a get-method. toncenter's exit code is returned rather than thrown, so a caller can
   * tell "no contract there" (-13) from a method that failed.
   */
  async runMethodWithError(
    address: Address,
    name: string,
    args: TupleItem[] = [],
  ): Promise<{ exit_code: number; stack: TupleReader }> {
    return this.call("runGetMethod", () => this.ton.runMethodWithError(address, name, args));
  }

  private call<T>(method: string, attempt: () => Promise<T>): Promise<T> {
    return pRetry(
      () =>
        this.throttle(async () => {
          this.requests++;
          try {
            const result = await attempt();
            this.metrics.toncenterRequest("200");
            return result;
          } catch (error) {
            const typed = toToncenterError(error);
            this.metrics.toncenterRequest(requestStatus(typed));
            throw typed;
          }
        }),
      {
        retries: this.options.retries ?? 6,
        factor: 2,
        minTimeout: this.options.minBackoffMs ?? 250,
        maxTimeout: this.options.maxBackoffMs ?? 15_000,
        randomize: true,
        shouldRetry: ({ error }) =>
          error instanceof ToncenterRateLimited || error instanceof ToncenterUnavailable,
        onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
          this.log.warn(
            { method, attempt: attemptNumber, retriesLeft, err: error.message },
            "toncenter call failed",
          );
        },
      },
    );
  }
}

/**
 * A failed request's status label: the HTTP status when toncenter answered with one; "network"
 * when no answer came (refused, reset, timed out); "invalid" when an answer came that holds no
 * result: `ok: false` on a 200, or a body that fails TonClient's schema.
 */
function requestStatus(typed: Error): string {
  if (typed instanceof ToncenterError && typed.status !== undefined) return String(typed.status);
  if (typed instanceof ToncenterUnavailable && !(typed instanceof LiteServerUnknown)) {
    return "network";
  }
  return "invalid";
}

/** Turns axios and TonClient failures into the typed errors above. */
export function toToncenterError(error: unknown): Error {
  if (error instanceof ToncenterError) return error;
  if (isAxiosError(error)) {
    const status = error.response?.status;
    const body = error.response?.data as { error?: unknown; result?: unknown } | undefined;
    const detail = maskSecrets(String(body?.error ?? body?.result ?? error.message));
    if (status === 429) return new ToncenterRateLimited(`rate limited: ${detail}`, 429);
    if (detail.includes("LITE_SERVER_UNKNOWN")) return new LiteServerUnknown(detail, status);
    if (status === undefined || status >= 500) {
      return new ToncenterUnavailable(`toncenter unavailable: ${detail}`, status);
    }
    return new ToncenterError(`toncenter refused the request (${status}): ${detail}`, status);
  }
  if (error instanceof Error && error.message.includes("LITE_SERVER_UNKNOWN")) {
    return new LiteServerUnknown(maskSecrets(error.message));
  }
  return error instanceof Error ? error : new Error(String(error));
}
