import { setTimeout as delay } from "node:timers/promises";
import { HttpApi, TonClient } from "@ton/ton";
import axios, { type AxiosAdapter, isAxiosError } from "axios";
import pThrottle from "p-throttle";

export interface ToncenterConnectionOptions {
  endpoint: string;
  apiKey?: string;
  /** Requests per second the key allows (TONCENTER_RPS). */
  rps: number;
  timeoutMs?: number;
  /** Tries after a 429 before giving up. */
  rateLimitRetries?: number;
}

/** A TonClient for wallets and accounts, and the raw HttpApi for what TonClient leaves out. */
export interface ToncenterConnection {
  client: TonClient;
  api: HttpApi;
}

/**
 * TonClient and HttpApi sharing one request rate, so a script run without an API key (one
 * request a second) is not turned away half-way through a transfer. A 429 is tried again: the
 * request was refused unread, so repeating it cannot send anything twice.
 */
export function connectToncenter(options: ToncenterConnectionOptions): ToncenterConnection {
  const adapter = pacedAdapter(options.rps, options.rateLimitRetries ?? 3);
  const timeout = options.timeoutMs ?? 10_000;
  return {
    client: new TonClient({
      endpoint: options.endpoint,
      apiKey: options.apiKey,
      timeout,
      httpAdapter: adapter,
    }),
    api: new HttpApi(options.endpoint, { apiKey: options.apiKey, timeout, adapter }),
  };
}

function pacedAdapter(rps: number, retries: number): AxiosAdapter {
  const send = axios.getAdapter(axios.defaults.adapter);
  const throttle = pThrottle({ limit: rps, interval: 1000, strict: true });
  const paced = throttle((config: Parameters<AxiosAdapter>[0]) => send(config));
  return async (config) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await paced(config);
      } catch (error) {
        const limited = isAxiosError(error) && error.response?.status === 429;
        if (!limited || attempt >= retries) throw error;
        await delay(1000 * (attempt + 1));
      }
    }
  };
}
