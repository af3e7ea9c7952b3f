import type { Address, Cell, Transaction } from "@ton/core";
import type { JettonClaim } from "../jetton/classify.js";
import type { UnmatchedReason } from "../unmatched.js";

/** Op codes of message bodies a wallet may carry (TON's comment conventions). */
const OP_TEXT_COMMENT = 0;
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
  /**
   * What a jetton transfer_notification claims, when the message is one. Only the watcher, which
   * knows our jetton wallet, can tell a genuine notice from a fake.
   */
  claim?: JettonClaim;
}

/** Why a transaction on the merchant wallet left no money there. */
export type IgnoredReason =
  | "no-inbound-message"
  | "external-message"
  | "not-for-merchant"
  | "from-merchant"
  | "bounced-message"
  | "not-ordinary"
  | "no-value"
  | "bounced-back";

export interface Ignored {
  kind: "ignored";
  hash: string;
  lt: bigint;
  reason: IgnoredReason;
}

export type Classified = Incoming | Ignored;

/**
 * Decides whether a transaction on the merchant wallet is money received. Pure.
 * The credit phase adds an internal message's value to the account before any code runs, and
 * only a bounce phase of type `ok` sends it back. So a failed or skipped compute phase, or an
 * aborted transaction, still leaves the money: that is how a wallet that was never deployed
 * receives a non-bounceable payment, and how dust too small to pay for gas arrives.
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
  if (description.type !== "generic") return ignored("not-ordinary");
  if (message.info.value.coins === 0n) return ignored("no-value");
  if (description.bouncePhase?.type === "ok") return ignored("bounced-back");

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

/**
 * Below this, money that matches no order is dust: less than the fee of sending it back, and
 * the usual carrier of spam comments. It is still recorded, under its own reason, but the
 * admins are not called for each one.
 */
export const DUST_NANOTONS = 1_000_000n;

/**
 * Why a payment that matched no order could not be matched, for the admin. Pure. `dust` is the
 * threshold in the payment's own base units: TON's unless given.
 */
export function unmatchedReason(
  payment: Pick<Incoming, "amount" | "comment">,
  dust: bigint = DUST_NANOTONS,
): UnmatchedReason {
  if (payment.amount < dust) return "dust";
  switch (payment.comment.type) {
    case "none":
      return "no-comment";
    case "encrypted":
      return "encrypted-comment";
    case "binary":
      return "binary-comment";
    default:
      return "unknown-comment";
  }
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
