import type { Address } from "@ton/core";
import { Piscina } from "piscina";
import { decodeTransactions, type ObservedTransaction } from "./observed.js";

/**
 * Turns toncenter's transaction BOCs into ObservedTransactions. Parsing a BOC in @ton/core costs
 * about half a millisecond, which caps a single thread near 2,000 transactions a second; with
 * worker threads the watcher decodes the next page while it waits for the one after.
 */
export interface TransactionDecoder {
  decode(bocs: string[], merchant: Address): Promise<ObservedTransaction[]>;
  close(): Promise<void>;
}

/** Decodes on the calling thread. */
export const inlineDecoder: TransactionDecoder = {
  decode: async (bocs, merchant) => decodeTransactions(bocs, merchant.toRawString()),
  close: async () => undefined,
};

/**
 * The worker's entry: built, the compiled task itself; from the TypeScript sources (tsx, vitest),
 * decode-worker.mjs, which registers tsx in the worker first.
 */
const WORKER = import.meta.url.endsWith(".ts") ? "./decode-worker.mjs" : "./decode-task.js";

/** Decodes on `threads` worker threads. */
export function threadDecoder(threads: number): TransactionDecoder {
  const pool = new Piscina({
    filename: new URL(WORKER, import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  return {
    decode: (bocs, merchant) => pool.run({ bocs, merchant: merchant.toRawString() }),
    close: () => pool.destroy(),
  };
}
