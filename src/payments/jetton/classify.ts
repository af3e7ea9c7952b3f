import { type Address, beginCell, type Cell, type Slice, type Transaction } from "@ton/core";
import { type Comment, readComment } from "../ton/classify.js";

/** TEP-74 op codes the shop reads. */
export const OP_INTERNAL_TRANSFER = 0x178d4519;
export const OP_TRANSFER_NOTIFICATION = 0x7362d09c;

/**
 * Jettons credited to our own jetton wallet: the only thing that counts as a USDT payment. The
 * jetton wallet's code accepts an internal_transfer only from its master or from the jetton
 * wallet of the `from` it names, and throws (bouncing it back) otherwise, so a transaction of
 * ours that ran to success is jettons that really arrived — whatever any notification says.
 */
export interface JettonCredit {
  kind: "jetton-credit";
  /** Hex transaction hash on our jetton wallet; the payment's idempotency key. */
  hash: string;
  lt: bigint;
  /** Block time, seconds. */
  time: number;
  /** The owner who sent them, raw; empty for a mint, which names none. */
  from: string;
  /** The jetton wallet (or master) the credit came from, raw. */
  sender: string;
  /** Base units (USDT: millionths). */
  amount: bigint;
  /** The forward payload read as TON's comment conventions. */
  comment: Comment;
}

/**
 * Below this, USDT that matches no order is dust: 0.01 USDT, a hundredth of the smallest price a
 * shop would ask, and cheaper to send than the TON it costs to forward. TON's DUST_NANOTONS is in
 * nanotons and means nothing for a jetton of 6 decimals.
 */
export const DUST_USDT_UNITS = 10_000n;

/** Why a transaction on our jetton wallet credited nothing. */
export type JettonIgnoredReason =
  | "no-inbound-message"
  | "external-message"
  | "not-for-wallet"
  | "bounced-message"
  | "not-ordinary"
  /** The wallet refused it (a forged credit, a locked wallet): aborted, the jettons not added. */
  | "refused"
  /** Any other message: TON sent to the wallet, a transfer we made, a notice of excesses. */
  | "not-a-credit"
  | "unreadable";

export interface JettonIgnored {
  kind: "ignored";
  hash: string;
  lt: bigint;
  reason: JettonIgnoredReason;
}

export type JettonClassified = JettonCredit | JettonIgnored;

/** Decides whether a transaction on our jetton wallet `wallet` credited jettons to it. Pure. */
export function classifyJettonTransaction(tx: Transaction, wallet: Address): JettonClassified {
  const hash = tx.hash().toString("hex");
  const ignored = (reason: JettonIgnoredReason): JettonIgnored => ({
    kind: "ignored",
    hash,
    lt: tx.lt,
    reason,
  });
  const message = tx.inMessage;
  if (!message) return ignored("no-inbound-message");
  if (message.info.type !== "internal") return ignored("external-message");
  if (!message.info.dest.equals(wallet)) return ignored("not-for-wallet");
  if (message.info.bounced) return ignored("bounced-message");
  const description = tx.description;
  if (description.type !== "generic") return ignored("not-ordinary");
  const compute = description.computePhase;
  const body = message.body.beginParse();
  if (body.remainingBits < 32 || body.preloadUint(32) !== OP_INTERNAL_TRANSFER) {
    return ignored("not-a-credit");
  }
  if (description.aborted || compute.type !== "vm" || !compute.success) return ignored("refused");
  const credit = readInternalTransfer(body);
  if (credit === undefined) return ignored("unreadable");
  return {
    kind: "jetton-credit",
    hash,
    lt: tx.lt,
    time: tx.now,
    from: credit.from,
    sender: message.info.src.toRawString(),
    amount: credit.amount,
    comment: credit.comment,
  };
}

/** What a transfer_notification claims: never proof of anything on its own. */
export interface JettonClaim {
  amount: bigint;
  /** The owner it names as the sender, raw; empty when it names none. */
  sender: string;
  comment: Comment;
}

/** Reads a transfer_notification body (op included), or undefined when it is not one. Pure. */
export function readTransferNotification(body: Cell): JettonClaim | undefined {
  try {
    const slice = body.beginParse();
    if (slice.loadUint(32) !== OP_TRANSFER_NOTIFICATION) return undefined;
    slice.loadUintBig(64);
    const amount = slice.loadCoins();
    const sender = slice.loadMaybeAddress()?.toRawString() ?? "";
    return { amount, sender, comment: readForwardPayload(slice) };
  } catch {
    return undefined;
  }
}

/** internal_transfer: op, query_id, amount, from, response_address, forward_ton_amount, payload. */
function readInternalTransfer(
  body: Slice,
): { amount: bigint; from: string; comment: Comment } | undefined {
  try {
    body.loadUint(32);
    body.loadUintBig(64);
    const amount = body.loadCoins();
    const from = body.loadMaybeAddress()?.toRawString() ?? "";
    body.loadMaybeAddress();
    body.loadCoins();
    return { amount, from, comment: readForwardPayload(body) };
  } catch {
    return undefined;
  }
}

/**
 * `forward_payload:(Either Cell ^Cell)`: bit 0, the payload is the rest of this cell; bit 1, it
 * is the next ref. Read as a comment (op 0 and text, as TEP-74 says); none when the body ends
 * before it. Never throws: jettons credited with a payload that cannot be read still arrived.
 */
function readForwardPayload(slice: Slice): Comment {
  if (slice.remainingBits === 0 && slice.remainingRefs === 0) return { type: "none" };
  try {
    if (slice.loadBit()) return readComment(slice.loadRef());
    return readComment(beginCell().storeSlice(slice).endCell());
  } catch {
    return { type: "binary", op: -1 };
  }
}
