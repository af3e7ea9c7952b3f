import { Address, Cell, loadTransaction, type Transaction } from "@ton/core";
import { type Classified, classifyTransaction } from "./classify.js";

/**
 * What the watcher keeps of a transaction on the merchant wallet: where it sits in the account's
 * chain, and what it means. Plain data, so decoding can happen on another thread.
 */
export interface ObservedTransaction {
  lt: bigint;
  /** Hex. */
  hash: string;
  prevLt: bigint;
  /** Hex, 64 characters. */
  prevHash: string;
  /** Block time, seconds. */
  now: number;
  classified: Classified;
}

function observeTransaction(tx: Transaction, merchant: Address): ObservedTransaction {
  return {
    lt: tx.lt,
    hash: tx.hash().toString("hex"),
    prevLt: tx.prevTransactionLt,
    prevHash: tx.prevTransactionHash.toString(16).padStart(64, "0"),
    now: tx.now,
    classified: classifyTransaction(tx, merchant),
  };
}

/** Decodes toncenter's base64 transaction BOCs (`data`) for one merchant wallet. */
export function decodeTransactions(
  bocs: readonly string[],
  merchantRaw: string,
): ObservedTransaction[] {
  const merchant = Address.parseRaw(merchantRaw);
  return bocs.map((boc) => {
    const [root] = Cell.fromBoc(Buffer.from(boc, "base64"));
    if (!root) throw new Error("empty transaction BOC");
    return observeTransaction(loadTransaction(root.beginParse()), merchant);
  });
}
