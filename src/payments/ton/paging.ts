import type { Address } from "@ton/core";
import type { LastTransaction, TransactionSource } from "./client.js";
import type { ObservedTransaction, WalletRole } from "./observed.js";

/** The newest transaction the watcher has applied; where the next poll pages down to. */
export interface Cursor extends LastTransaction {}

export type Since =
  | { kind: "ok"; transactions: ObservedTransaction[] }
  | { kind: "gap"; detail: string };

/** A watched wallet's transactions, read from toncenter a page at a time. */
export interface WalletPages {
  source: TransactionSource;
  address: Address;
  /** How its transactions are read. */
  role: WalletRole;
  /** Items per getTransactions call. */
  pageSize: number;
}

/**
 * Every transaction newer than the cursor, newest first, checked for continuity. Full pages
 * are followed at once, while earlier pages are still being decoded; a short page means
 * toncenter reached the cursor, which the decoded chain must confirm, or paging goes on.
 * Overlapping or repeated items are dropped (only strictly older ones count); a page that
 * adds nothing before the cursor is reached is a gap.
 */
export async function transactionsSince(
  wallet: WalletPages,
  cursor: Cursor,
  onDecoded: (tx: ObservedTransaction) => void,
): Promise<Since> {
  const cursorLt = BigInt(cursor.lt);
  const ids: { lt: bigint; hash: string }[] = [];
  const pages: Promise<ObservedTransaction[]>[] = [];
  for (;;) {
    const anchor = ids[ids.length - 1];
    const page = await wallet.source.getTransactions(wallet.address, {
      role: wallet.role,
      limit: wallet.pageSize,
      lt: anchor?.lt.toString(),
      hash: anchor?.hash,
      toLt: cursor.lt,
    });
    const decoding = page.transactions.then((txs) => {
      for (const tx of txs) onDecoded(tx);
      return txs;
    });
    // An idle poll returns before awaiting it; a decode cut short by shutdown must not surface.
    decoding.catch(() => undefined);
    pages.push(decoding);
    let added = 0;
    for (const id of [...page.ids].sort((a, b) => (a.lt > b.lt ? -1 : a.lt < b.lt ? 1 : 0))) {
      const last = ids[ids.length - 1];
      if (id.lt > cursorLt && (last === undefined || id.lt < last.lt)) {
        ids.push(id);
        added++;
      }
    }
    if (ids.length === 0) return { kind: "ok", transactions: [] };
    if (added > 0 && page.ids.length >= wallet.pageSize) continue;

    const decoded = new Map<string, ObservedTransaction>();
    for (const txs of await Promise.all(pages)) for (const tx of txs) decoded.set(tx.hash, tx);
    const chain = ids.map((id) => decoded.get(id.hash));
    const oldest = chain[chain.length - 1];
    if (chain.some((tx) => tx === undefined) || oldest === undefined) {
      return { kind: "gap", detail: "toncenter listed a transaction it did not send" };
    }
    if (oldest.prevLt <= cursorLt) return checkContinuity(chain as ObservedTransaction[], cursor);
    if (added === 0) {
      return { kind: "gap", detail: `no transactions between lt ${cursor.lt} and ${oldest.lt}` };
    }
  }
}

/** Each transaction must name the one before it, down to the cursor. */
function checkContinuity(newestFirst: ObservedTransaction[], cursor: Cursor): Since {
  for (let i = 0; i < newestFirst.length; i++) {
    const tx = newestFirst[i] as ObservedTransaction;
    const older = newestFirst[i + 1];
    const expectedLt = older ? older.lt : BigInt(cursor.lt);
    const expectedHash = older ? older.hash : cursor.hash;
    // A wallet's first transaction points at lt 0; our "empty wallet" cursor has no hash.
    const hashOk = expectedHash === "" ? tx.prevLt === 0n : tx.prevHash === expectedHash;
    if (tx.prevLt !== expectedLt || !hashOk) {
      return {
        kind: "gap",
        detail: `transaction ${tx.lt} follows ${tx.prevLt}, expected ${expectedLt}`,
      };
    }
  }
  return { kind: "ok", transactions: newestFirst };
}

/**
 * The wallet's transactions stamped at or after `sinceMs` and after `fromLt`, oldest first.
 * Pages from the newest back until a page reaches older ones, the wallet's first transaction,
 * or adds nothing new.
 */
export async function transactionsBackTo(
  wallet: WalletPages,
  sinceMs: number,
  fromLt: bigint,
): Promise<ObservedTransaction[]> {
  const found = new Map<string, ObservedTransaction>();
  let oldest: ObservedTransaction | undefined;
  for (;;) {
    const page = await wallet.source.getTransactions(wallet.address, {
      role: wallet.role,
      limit: wallet.pageSize,
      lt: oldest?.lt.toString(),
      hash: oldest?.hash,
    });
    let next: ObservedTransaction | undefined;
    for (const tx of await page.transactions) {
      // A page starts at its anchor and may repeat newer items: only strictly older ones count.
      if (oldest !== undefined && tx.lt >= oldest.lt) continue;
      if (tx.now * 1000 >= sinceMs && tx.lt > fromLt) found.set(tx.hash, tx);
      if (next === undefined || tx.lt < next.lt) next = tx;
    }
    // Block time never goes back along an account's chain, so older pages are all out of range.
    if (next === undefined || next.now * 1000 < sinceMs || next.lt <= fromLt || next.prevLt === 0n)
      break;
    oldest = next;
  }
  return [...found.values()].sort((a, b) => (a.lt < b.lt ? -1 : a.lt > b.lt ? 1 : 0));
}
