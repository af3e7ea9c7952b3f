/** Finding one transaction on the merchant wallet through toncenter. */
import type { Address } from "@ton/core";
import type { TransactionSource } from "../../payments/ton/client.js";
import { inlineDecoder, type TransactionDecoder } from "../../payments/ton/decoder.js";
import type { ObservedTransaction } from "../../payments/ton/observed.js";

/** Items per getTransactions call, as the watcher asks (TonClient adds one when paging). */
export const PAGE_SIZE = 99;

export type Search =
  | { kind: "found"; boc: string; searched: number }
  | {
      kind: "not-found";
      /** Transactions looked at. */
      searched: number;
      /** True when the wallet's first transaction was reached. */
      complete: boolean;
      /** Block time of the oldest transaction looked at, seconds. */
      oldestTime: number | undefined;
    };

/**
 * toncenter cannot look a transaction up by its hash alone, so this pages back through the
 * wallet's history from the newest, as the watcher's reconcile does, for at most `pages` pages.
 * Each page is decoded by the watcher's decoder; the found transaction's BOC comes back.
 */
export async function searchWallet(
  connect: (decoder: TransactionDecoder) => TransactionSource,
  merchant: Address,
  hash: string,
  pages: number,
): Promise<Search> {
  const bocs = new Map<string, string>();
  const source = connect({
    decode: async (page, wallet) => {
      const decoded = await inlineDecoder.decode(page, wallet);
      decoded.forEach((tx, i) => {
        if (tx.hash === hash) bocs.set(tx.hash, page[i] ?? "");
      });
      return decoded;
    },
    close: async () => undefined,
  });
  let anchor: ObservedTransaction | undefined;
  let searched = 0;
  for (let page = 0; page < pages; page++) {
    const fetched = await source.getTransactions(merchant, {
      limit: PAGE_SIZE,
      lt: anchor?.lt.toString(),
      hash: anchor?.hash,
    });
    // A page may repeat newer items; only strictly older ones are new.
    const older = (await fetched.transactions).filter(
      (tx) => anchor === undefined || tx.lt < anchor.lt,
    );
    const found = older.findIndex((tx) => tx.hash === hash);
    const boc = bocs.get(hash);
    if (found >= 0 && boc) return { kind: "found", boc, searched: searched + found + 1 };
    searched += older.length;
    const oldest = older.reduce<ObservedTransaction | undefined>(
      (min, tx) => (min === undefined || tx.lt < min.lt ? tx : min),
      undefined,
    );
    if (oldest === undefined) {
      return { kind: "not-found", searched, complete: true, oldestTime: anchor?.now };
    }
    anchor = oldest;
    if (oldest.prevLt === 0n) {
      return { kind: "not-found", searched, complete: true, oldestTime: oldest.now };
    }
  }
  return { kind: "not-found", searched, complete: false, oldestTime: anchor?.now };
}
