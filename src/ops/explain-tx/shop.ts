/** What the shop's RedisClient knows of a transaction: the order it pays, where the watcher stands. */
import type { Address } from "@ton/core";
import { formatPrice } from "../../bot/format.js";
import { RECONCILE_WINDOW_MS } from "../../jobs/schedule.js";
import { type Order, outstanding } from "../../orders/order.js";
import { OrderStore } from "../../orders/store.js";
import { type Incoming, unmatchedReason } from "../../payments/ton/classify.js";
import { paymentKey } from "../../payments/ton/watcher.js";
import {
  type UnmatchedPayment,
  UnmatchedPayments,
  type UnmatchedReason,
} from "../../payments/unmatched.js";
import type { RedisClient } from "../../redis/client.js";
import { redisKeys } from "../../redis/keys.js";
import { type Explained, incomingOf, orderCodeOf, UNMATCHED } from "./explain.js";
import { humanTime } from "./output.js";

/** Where an order stands. */
interface OrderFacts {
  orderId: string;
  /** Undefined when the id is known but the order is gone. */
  order: Order | undefined;
}

/** What the shop's RedisClient knows about a transaction. */
export interface ShopRecord {
  /** The order the payment was applied to (its `ton:<hash>` key), when it was. */
  appliedTo: OrderFacts | undefined;
  /** The unmatched-payment record, when the watcher kept it for the admins. */
  unmatched: UnmatchedPayment | undefined;
  /** The order the comment names, when it names one. */
  byComment: OrderFacts | undefined;
  /** The watcher's cursor on this wallet and the lt it started at. */
  cursorLt: bigint | undefined;
  startLt: bigint | undefined;
}

export async function readShopRecord(
  redis: RedisClient,
  prefix: string,
  merchant: Address,
  explained: Explained,
): Promise<ShopRecord> {
  const store = new OrderStore(redis, { prefix });
  const unmatched = new UnmatchedPayments(redis, prefix);
  const keys = redisKeys(prefix);
  const wallet = merchant.toRawString();
  const key = paymentKey(explained.observed);
  const facts = async (orderId: string | undefined): Promise<OrderFacts | undefined> =>
    orderId === undefined ? undefined : { orderId, order: await store.get(orderId) };
  const text = explained.comment?.type === "text" ? explained.comment.text : undefined;
  const [appliedTo, unmatchedRecord, byComment, cursor, startLt] = await Promise.all([
    store.orderIdByPayment(key).then(facts),
    unmatched.get(key),
    text === undefined ? undefined : store.orderIdByComment(text).then(facts),
    redis.get(keys.watcherCursor(wallet)),
    redis.hget(keys.watcherHealth(wallet), "startLt"),
  ]);
  return {
    appliedTo,
    unmatched: unmatchedRecord,
    byComment,
    cursorLt: cursor ? BigInt((JSON.parse(cursor) as { lt: string }).lt) : undefined,
    startLt: startLt === null ? undefined : BigInt(startLt),
  };
}

/** Where the watcher stands with this transaction. */
export type WatcherState =
  /** Applied to an order or kept as an unmatched payment. */
  | "recorded"
  /** No money stayed: nothing to record. */
  | "ignored"
  /** No cursor for this wallet under this REDIS_PREFIX: the watcher never ran here. */
  | "not-started"
  /** Before the lt the watcher started at: history is not replayed. */
  | "before-start"
  /** Newer than the cursor: the next poll applies it. */
  | "not-reached"
  /** The cursor passed it and nothing was recorded: the reconcile job should recover it. */
  | "missed";

export function watcherState(explained: Explained, record: ShopRecord): WatcherState {
  if (record.appliedTo || record.unmatched) return "recorded";
  if (!incomingOf(explained)) return "ignored";
  const lt = explained.observed.lt;
  if (record.cursorLt === undefined) return "not-started";
  if (record.startLt !== undefined && lt <= record.startLt) return "before-start";
  if (lt > record.cursorLt) return "not-reached";
  return "missed";
}

/** Where the watcher puts a received payment it has not recorded yet. */
type Destination =
  | { kind: "order"; orderId: string }
  | { kind: "unmatched"; reason: UnmatchedReason };

function destinationOf(incoming: Incoming, record: ShopRecord): Destination {
  const byComment = record.byComment;
  if (!byComment) return { kind: "unmatched", reason: unmatchedReason(incoming) };
  if (!byComment.order) return { kind: "unmatched", reason: "order-not-found" };
  return { kind: "order", orderId: byComment.orderId };
}

function orderLine(facts: OrderFacts): string {
  const order = facts.order;
  if (!order) return `${facts.orderId}, which no longer exists`;
  const named = order.comment ? `${order.id} (${order.comment})` : order.id;
  const exceptions = order.exceptions.length > 0 ? `, ${order.exceptions.join(", ")}` : "";
  const money = `price ${formatPrice(order.amount, order.currency)}, received ${formatPrice(order.paid, order.currency)}`;
  const owed =
    order.status === "pending"
      ? `, owes ${formatPrice(outstanding(order), order.currency)}; expires ${humanTime(order.expiresAt / 1000)}`
      : "";
  return `${named} is ${order.status}${exceptions}: ${money}${owed}`;
}

function orderJson(facts: OrderFacts | undefined): Record<string, unknown> | null {
  if (!facts) return null;
  const order = facts.order;
  if (!order) return { id: facts.orderId, exists: false };
  return {
    id: order.id,
    exists: true,
    comment: order.comment ?? null,
    status: order.status,
    exceptions: order.exceptions,
    currency: order.currency,
    amount: order.amount.toString(),
    paid: order.paid.toString(),
    owed: outstanding(order).toString(),
  };
}

function attachCommand(hash: string): string {
  return `/attach ${paymentKey({ hash })} <order id or comment>`;
}

/** What the shop makes of the transaction: the order it pays and where the watcher stands. */
export function shopLines(explained: Explained, record: ShopRecord): string[] {
  const hash = explained.observed.hash;
  const incoming = incomingOf(explained);
  const state = watcherState(explained, record);
  const lines: string[] = [];
  const order = record.appliedTo ?? record.byComment;
  if (order) lines.push(`Order:    ${orderLine(order)}.`);
  else if (incoming) {
    const named = orderCodeOf(explained.comment);
    const why = named ? `no order has the comment ${named}` : UNMATCHED[unmatchedReason(incoming)];
    lines.push(`Order:    none: ${why}.`);
  }

  const unmatched = record.unmatched;
  switch (state) {
    case "recorded":
      if (record.appliedTo) {
        lines.push(`Watcher:  recorded; this payment is on order ${record.appliedTo.orderId}.`);
      } else if (unmatched?.resolved?.orderId) {
        lines.push(
          `Watcher:  recorded as an unmatched payment (${unmatched.reason}), since attached to order ${unmatched.resolved.orderId} by an admin.`,
        );
      } else if (unmatched?.resolved) {
        lines.push(
          `Watcher:  recorded as an unmatched payment (${unmatched.reason}), since closed by an admin.`,
        );
      } else if (unmatched) {
        lines.push(
          `Watcher:  already recorded as an unmatched payment (${unmatched.reason}).`,
          `          To put it on an order, send the bot: ${attachCommand(hash)}`,
        );
      }
      break;
    case "ignored":
      lines.push("Watcher:  ignores it: no money stayed, so there is nothing to record.");
      break;
    case "not-started":
      lines.push(
        "Watcher:  has never run on this wallet with this REDIS_URL and REDIS_PREFIX (no cursor): is the bot running with this configuration?",
      );
      break;
    case "before-start":
      lines.push(
        `Watcher:  will not record it: it came before the watcher started on this wallet (lt ${record.startLt}), and history is not replayed.`,
      );
      break;
    case "not-reached":
    case "missed": {
      if (!incoming) break;
      const reconcilable = incoming.time * 1000 >= Date.now() - RECONCILE_WINDOW_MS;
      const window = `${RECONCILE_WINDOW_MS / 3_600_000} hours`;
      if (state === "missed" && !reconcilable) {
        lines.push(
          `Watcher:  passed it without a record, which should not happen, and it is older than the reconcile job's ${window}: nothing will record it by itself. Look for ${hash} in the bot's log.`,
        );
        break;
      }
      const where =
        state === "not-reached"
          ? `not recorded yet: its cursor (lt ${record.cursorLt}) is before this transaction, so the next poll`
          : `passed it without a record, which should not happen; the reconcile job, which re-reads the last ${window}, soon`;
      const destination = destinationOf(incoming, record);
      if (destination.kind === "order") {
        lines.push(`Watcher:  ${where} applies it to order ${destination.orderId}.`);
        break;
      }
      lines.push(
        `Watcher:  ${where} records it for the admins as an unmatched payment (${destination.reason}).`,
        `          Then put it on an order with: ${attachCommand(hash)}`,
      );
      break;
    }
  }
  return lines;
}

export function shopJson(explained: Explained, record: ShopRecord): Record<string, unknown> {
  const incoming = incomingOf(explained);
  const unmatched = record.unmatched;
  return {
    order: orderJson(record.appliedTo ?? record.byComment),
    recorded: record.appliedTo ? "order" : unmatched ? "unmatched" : null,
    unmatched: unmatched
      ? {
          reason: unmatched.reason,
          resolved: unmatched.resolved !== undefined,
          attachedTo: unmatched.resolved?.orderId ?? null,
        }
      : null,
    watcher: watcherState(explained, record),
    ...(incoming && !record.appliedTo && !unmatched
      ? { destination: destinationOf(incoming, record) }
      : {}),
  };
}
