import { paidOnChain } from "../catalog/catalog.js";
import { explorerTxLink, shortAddress } from "../payments/ton/links.js";
import type { UnmatchedPayment, UnmatchedReason } from "../payments/unmatched.js";
import { escapeHtml, formatPrice } from "./format.js";

type Translate = (key: string, variables?: Record<string, string | number>) => string;

/**
 * Why money matched no order, in an admin's words. Every reason has its text: a reason added to
 * UnmatchedReason does not compile until it gets one. Dust is recorded but never announced.
 */
const REASONS = {
  "no-comment": "unmatched-reason-no-comment",
  "unknown-comment": "unmatched-reason-unknown-comment",
  "encrypted-comment": "unmatched-reason-encrypted-comment",
  "binary-comment": "unmatched-reason-binary-comment",
  "order-not-found": "unmatched-reason-order-not-found",
  dust: "unmatched-reason-dust",
  "fake-jetton": "unmatched-reason-fake-jetton",
} satisfies Record<UnmatchedReason, string>;

const COMMENT_SHOWN = 100;

/** The reason as a sentence; a reason this code does not know is shown as recorded. */
function unmatchedReasonText(payment: UnmatchedPayment, t: Translate): string {
  const key = (REASONS as Record<string, string>)[payment.reason];
  return key ? t(key, { claimed: claimedUsdt(payment) }) : escapeHtml(payment.reason);
}

/**
 * The USDT a fake-jetton notification claimed, kept in its reference: what the admin must know
 * was promised and never arrived. "?" when the record has none.
 */
function claimedUsdt(payment: UnmatchedPayment): string {
  const claimed = payment.reference?.claimedAmount;
  return claimed !== undefined && /^\d+$/.test(claimed)
    ? formatPrice(BigInt(claimed), "USDT")
    : "?";
}

/** "ton:9f3a…" → "ton:9f3a1c2b": short enough to type, long enough to be unique in practice. */
export function shortRef(key: string): string {
  const [method, rest = ""] = key.split(":");
  return `${method}:${rest.slice(0, 8)}`;
}

/**
 * The admins' notice for money that matched no order: how much, with which comment, from whom,
 * where to see it on the explorer, and the /attach command to put it on an order.
 */
export function unmatchedNotice(payment: UnmatchedPayment, t: Translate, testnet: boolean): string {
  const hash = paidOnChain(payment.method) ? payment.reference?.hash : undefined;
  return t("notice-unmatched", {
    amount: formatPrice(payment.amount, payment.currency),
    comment: commentText(payment, t),
    sender: senderText(payment, t, testnet),
    reason: unmatchedReasonText(payment, t),
    // Only payments on chain (TON, USDT) are on an explorer; the others have nothing to link to.
    explorer: hash ? t("notice-unmatched-explorer", { url: explorerTxLink(hash, testnet) }) : "",
    ref: shortRef(payment.key),
  });
}

function commentText(payment: UnmatchedPayment, t: Translate): string {
  if (payment.comment !== undefined) {
    const shown =
      payment.comment.length > COMMENT_SHOWN
        ? `${payment.comment.slice(0, COMMENT_SHOWN - 1)}…`
        : payment.comment;
    return t("unmatched-comment", { comment: escapeHtml(shown) });
  }
  const unreadable = payment.reason === "encrypted-comment" || payment.reason === "binary-comment";
  return t(unreadable ? "unmatched-comment-unreadable" : "unmatched-comment-none");
}

function senderText(payment: UnmatchedPayment, t: Translate, testnet: boolean): string {
  const from = payment.from;
  if (!from) return t("unmatched-sender-unknown");
  if (!paidOnChain(payment.method)) return t("unmatched-sender-telegram", { userId: from });
  try {
    return shortAddress(from, testnet);
  } catch {
    return escapeHtml(from);
  }
}
