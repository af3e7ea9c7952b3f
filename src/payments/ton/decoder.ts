import type { Address } from "@ton/core";
import { Piscina } from "piscina";
import { decodeTransactions, type ObservedTransaction, type WalletRole } from "./observed.js";

/**
 * Turns toncenter's transaction BOCs into ObservedTransactions. Parsing a BOC in @ton/core costs
 * about half a millisecond, which caps a single thread near 2,000 transactions a second; with
 * worker threads the watcher decodes the next page while it waits for the one after.
 */
export interface TransactionDecoder {
  /** Reads the page as transactions on `wallet` in `role` (the merchant wallet unless given). */
  decode(bocs: string[], wallet: Address, role?: WalletRole): Promise<ObservedTransaction[]>;
  close(): Promise<void>;
}

/** Decodes on the calling thread. */
export const inlineDecoder: TransactionDecoder = {
  decode: async (bocs, wallet, role = "merchant") =>
    decodeTransactions(bocs, wallet.toRawString(), role),
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
    // Plain data crosses to the worker: the address as text, the role as its name.
    decode: (bocs, wallet, role = "merchant") =>
      pool.run({ bocs, wallet: wallet.toRawString(), role }),
    close: () => pool.destroy(),
  };
}
