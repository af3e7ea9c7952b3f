import type { Address, Cell, Transaction } from "@ton/core";

/** Op codes of message bodies a wallet may carry (TON's comment conventions). */
export const OP_TEXT_COMMENT = 0;
export const OP_ENCRYPTED_COMMENT = 0x2167da4b;

export type Comment =
  | { type: "none" }
  | { type: "text"; text: string }
  | { type: "encrypted" }
  /** Any other body: a binary comment, a jetton notification, a contract call. Never trusted. */
  | { type: "binary"; op: number };

/** Money that arrived at the merchant wallet and stayed there. */
export interface Incoming {
  kind: "incoming";
  /** Hex transaction hash; the payment's idempotency key. */
  hash: string;
  lt: bigint;
  /** Block time, seconds. */
  time: number;
  /** The sender in raw form ("0:ab…"); plain text so a classified payment can cross threads. */
  from: string;
  amount: bigint;
  comment: Comment;
}

export type IgnoredReason =
  | "no-inbound-message"
  | "external-message"
  | "not-for-merchant"
  | "from-merchant"
  | "bounced-message"
  | "not-generic"
  | "aborted"
  | "compute-skipped"
  | "compute-failed"
  | "bounce-phase";

export interface Ignored {
  kind: "ignored";
  hash: string;
  lt: bigint;
  reason: IgnoredReason;
}

export type Classified = Incoming | Ignored;

/**
 * Decides whether a transaction on the merchant wallet is a payment. Pure.
 * Only an internal inbound message that is not bounced, to the merchant, in a generic
 * transaction that was not aborted, whose compute phase ran and succeeded and that has no bounce
 * phase, counts: anything else either never credited the wallet or sent the money back.
 */
export function classifyTransaction(tx: Transaction, merchant: Address): Classified {
  const hash = tx.hash().toString("hex");
  const ignored = (reason: IgnoredReason): Ignored => ({
    kind: "ignored",
    hash,
    lt: tx.lt,
    reason,
  });

  const message = tx.inMessage;
  if (!message) return ignored("no-inbound-message");
  if (message.info.type !== "internal") return ignored("external-message");
  if (!message.info.dest.equals(merchant)) return ignored("not-for-merchant");
  if (message.info.bounced) return ignored("bounced-message");
  // The merchant paying itself moves no money in; it must not pay anyone's order.
  if (message.info.src.equals(merchant)) return ignored("from-merchant");

  const description = tx.description;
  if (description.type !== "generic") return ignored("not-generic");
  if (description.aborted) return ignored("aborted");
  if (description.computePhase.type !== "vm") return ignored("compute-skipped");
  if (!description.computePhase.success) return ignored("compute-failed");
  if (description.bouncePhase) return ignored("bounce-phase");

  return {
    kind: "incoming",
    hash,
    lt: tx.lt,
    time: tx.now,
    from: message.info.src.toRawString(),
    amount: message.info.value.coins,
    comment: readComment(message.body),
  };
}

/** Reads a message body as TON's comment conventions define it. Never throws. */
export function readComment(body: Cell): Comment {
  const slice = body.beginParse();
  if (slice.remainingBits === 0 && slice.remainingRefs === 0) return { type: "none" };
  if (slice.remainingBits < 32) return { type: "binary", op: -1 };
  const op = slice.loadUint(32);
  if (op === OP_ENCRYPTED_COMMENT) return { type: "encrypted" };
  if (op !== OP_TEXT_COMMENT) return { type: "binary", op };
  try {
    return { type: "text", text: slice.loadStringTail() };
  } catch {
    // A text op with a body that is not whole bytes: treat as binary rather than guess.
    return { type: "binary", op };
  }
}
