import { Address, Cell, loadTransaction, type Transaction } from "@ton/core";
import {
  classifyJettonTransaction,
  type JettonClassified,
  OP_TRANSFER_NOTIFICATION,
  readTransferNotification,
} from "../jetton/classify.js";
import { type Classified, classifyTransaction } from "./classify.js";

/**
 * Which of the shop's wallets a transaction is on, and so how it is read: the merchant wallet
 * receives TON; our jetton wallet receives the shop's USDT.
 */
export type WalletRole = "merchant" | "jetton-wallet";

/**
 * What the watcher keeps of a transaction on a watched wallet: where it sits in the account's
 * chain, and what it means. Plain data, so decoding can happen on another thread.
 */
export interface ObservedTransaction<C = Classified | JettonClassified> {
  lt: bigint;
  /** Hex. */
  hash: string;
  prevLt: bigint;
  /** Hex, 64 characters. */
  prevHash: string;
  /** Block time, seconds. */
  now: number;
  classified: C;
}

function observeTransaction(
  tx: Transaction,
  wallet: Address,
  role: WalletRole,
): ObservedTransaction {
  return {
    lt: tx.lt,
    hash: tx.hash().toString("hex"),
    prevLt: tx.prevTransactionLt,
    prevHash: tx.prevTransactionHash.toString(16).padStart(64, "0"),
    now: tx.now,
    classified:
      role === "merchant"
        ? withJettonClaim(classifyTransaction(tx, wallet), tx)
        : classifyJettonTransaction(tx, wallet),
  };
}

/**
 * TON that came with a jetton transfer_notification carries what the notification claims, so
 * the watcher can tell our jetton wallet's notices from fake ones without classifying again.
 */
function withJettonClaim(classified: Classified, tx: Transaction): Classified {
  if (classified.kind !== "incoming" || classified.comment.type !== "binary") return classified;
  if (classified.comment.op !== OP_TRANSFER_NOTIFICATION || !tx.inMessage) return classified;
  const claim = readTransferNotification(tx.inMessage.body);
  return claim ? { ...classified, claim } : classified;
}

/** Decodes toncenter's base64 transaction BOCs (`data`) for one wallet, read as its role says. */
export function decodeTransactions(
  bocs: readonly string[],
  merchantRaw: string,
): ObservedTransaction<Classified>[];
export function decodeTransactions(
  bocs: readonly string[],
  walletRaw: string,
  role: WalletRole,
): ObservedTransaction[];
export function decodeTransactions(
  bocs: readonly string[],
  walletRaw: string,
  role: WalletRole = "merchant",
): ObservedTransaction[] {
  const wallet = Address.parseRaw(walletRaw);
  return bocs.map((boc) => {
    const [root] = Cell.fromBoc(Buffer.from(boc, "base64"));
    if (!root) throw new Error("empty transaction BOC");
    return observeTransaction(loadTransaction(root.beginParse()), wallet, role);
  });
}
