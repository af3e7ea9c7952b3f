/** One transaction as the watcher reads it, in a person's words and as a JSON line. */
import { Address, Cell, loadTransaction, type Transaction } from "@ton/core";
import { formatPrice } from "../../notices/format.js";
import { normalizeComment } from "../../orders/comment.js";
import {
  type Classified,
  type Comment,
  DUST_NANOTONS,
  type IgnoredReason,
  type Incoming,
  readComment,
} from "../../payments/ton/classify.js";
import { displayAddress, explorerTxLink } from "../../payments/ton/links.js";
import { decodeTransactions, type ObservedTransaction } from "../../payments/ton/observed.js";
import type { UnmatchedReason } from "../../payments/unmatched.js";
import { humanTime, isoTime } from "./output.js";

/** The BOC is not a transaction; the message says what went wrong. */
export class NotATransaction extends Error {
  override name = "NotATransaction";
}

/** What the watcher's decoder and classifier make of one transaction, with what a person needs. */
export interface Explained {
  observed: ObservedTransaction<Classified>;
  /** The account the transaction belongs to: the merchant wallet, for classification. */
  account: Address;
  /** The inbound internal message's sender, when there is one. */
  from: Address | undefined;
  /** The inbound internal message's body as a comment; undefined for any other transaction. */
  comment: Comment | undefined;
}

/**
 * Explains a transaction BOC (base64, as toncenter serves it as `data`) through the watcher's own
 * decoder. `merchant` defaults to the account the transaction belongs to.
 */
export function explainBoc(boc: string, merchant?: Address): Explained {
  const tx = readTransaction(boc);
  const account = merchant ?? accountOf(tx);
  const [observed] = decodeTransactions([boc.trim()], account.toRawString());
  if (observed === undefined) throw new NotATransaction("nothing decoded");
  const inbound = tx.inMessage;
  return {
    observed,
    account,
    from: inbound?.info.type === "internal" ? inbound.info.src : undefined,
    comment: inbound?.info.type === "internal" ? readComment(inbound.body) : undefined,
  };
}

function readTransaction(boc: string): Transaction {
  const text = boc.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new NotATransaction("not base64");
  }
  try {
    const [root] = Cell.fromBoc(Buffer.from(text, "base64"));
    if (!root) throw new Error("no root cell");
    return loadTransaction(root.beginParse());
  } catch (error) {
    throw new NotATransaction((error as Error).message || "unreadable");
  }
}

/**
 * The account a transaction belongs to. A Transaction carries only the account's 256-bit hash;
 * its workchain comes from the messages, and a tick-tock transaction is on the masterchain.
 */
function accountOf(tx: Transaction): Address {
  const hash = Buffer.from(tx.address.toString(16).padStart(64, "0"), "hex");
  const inbound = tx.inMessage?.info;
  if (inbound && inbound.type !== "external-out") return new Address(inbound.dest.workChain, hash);
  for (const out of tx.outMessages.values()) {
    if (out.info.type !== "external-in") return new Address(out.info.src.workChain, hash);
  }
  return new Address(tx.description.type === "tick-tock" ? -1 : 0, hash);
}

/** Why no money stayed, in the merchant's words. */
const NOT_RECEIVED = {
  "no-inbound-message":
    "no message came in: the network ran this transaction itself (tick-tock or storage)",
  "external-message":
    "it was started by an external message: the wallet's owner sending money out, not a payment in",
  "not-for-merchant": "the incoming message was addressed to another account",
  "from-merchant": "the merchant wallet sent this money to itself, which pays for nothing",
  "bounced-message":
    "the incoming message is a bounce: money the merchant wallet sent out, coming back",
  "not-ordinary":
    "it is not an ordinary transaction (tick-tock, split, merge or storage), which carries no payment",
  "no-value": "the incoming message carried no TON",
  "bounced-back":
    "the wallet sent the money straight back to the sender (bounce phase), so nothing stayed",
} satisfies Record<IgnoredReason, string>;

/** Why a payment matches no order, in the merchant's words. */
export const UNMATCHED = {
  "no-comment": "the payment has no comment, so it names no order",
  "unknown-comment": "no order has this comment",
  "encrypted-comment": "the comment is encrypted, which the bot cannot read",
  "binary-comment": "the body is not a text comment",
  "order-not-found": "the comment belongs to an order that no longer exists",
  dust: `the payment is dust: less than ${formatPrice(DUST_NANOTONS, "TON")}, too little to be a purchase`,
  "fake-jetton":
    "it is a jetton notification that did not come from the shop's own USDT jetton wallet, so no USDT arrived",
} satisfies Record<UnmatchedReason, string>;

export function incomingOf(explained: Explained): Incoming | undefined {
  const { classified } = explained.observed;
  return classified.kind === "incoming" ? classified : undefined;
}

/** The JSON line for one transaction: the fields a script relies on. */
export function transactionJson(explained: Explained): Record<string, unknown> {
  const { observed, comment, from } = explained;
  const { classified } = observed;
  return {
    hash: observed.hash,
    lt: observed.lt.toString(),
    account: explained.account.toRawString(),
    time: isoTime(observed.now),
    received: classified.kind === "incoming",
    ...(classified.kind === "incoming"
      ? { amount: classified.amount.toString() }
      : { reason: classified.reason }),
    from: from?.toRawString() ?? null,
    comment: comment?.type === "text" ? comment.text : null,
    commentType: comment?.type ?? null,
  };
}

/** The lines every explanation starts with: which transaction, when, from whom, what it says. */
export function headerLines(explained: Explained, testnet: boolean): string[] {
  const { observed, from, comment } = explained;
  const lines = [
    `Transaction ${observed.hash}`,
    `  account   ${displayAddress(explained.account, testnet)} (${explained.account.toRawString()})`,
    `  time      ${humanTime(observed.now)} (lt ${observed.lt})`,
  ];
  if (from) lines.push(`  from      ${displayAddress(from, testnet)}`);
  if (comment) lines.push(`  comment   ${describeComment(comment)}`);
  lines.push(`  explorer  ${explorerTxLink(observed.hash, testnet)}`);
  return lines;
}

export function receivedLine(explained: Explained): string {
  const { classified } = explained.observed;
  if (classified.kind === "incoming") {
    return `Received: yes, ${formatPrice(classified.amount, "TON")} stayed on the wallet.`;
  }
  return `Received: no (${classified.reason}): ${NOT_RECEIVED[classified.reason]}.`;
}

function describeComment(comment: Comment): string {
  switch (comment.type) {
    case "none":
      return "none";
    case "text":
      return JSON.stringify(comment.text);
    case "encrypted":
      return "encrypted (the bot cannot read it)";
    case "binary":
      return comment.op < 0
        ? "binary (too short for an op code)"
        : `binary, op 0x${comment.op.toString(16).padStart(8, "0")}`;
  }
}

export function orderCodeOf(comment: Comment | undefined): string | undefined {
  return comment?.type === "text" ? normalizeComment(comment.text) : undefined;
}
