/**
 * Every Redis key the shop uses, under the configured prefix. On a Redis Cluster a script or
 * MULTI may only touch keys of one hash slot, so keys that change together share a `{…}` tag:
 *
 * - An order's keys (the order, its delivery record, its webhook event) carry the tag of its
 *   partition, one of PARTITIONS. Each partition also holds the indexes and streams that an
 *   order's transition writes in the same step: pending orders, all orders, the fulfilment and
 *   events streams, and the dead-letter stream. Readers of those visit every partition.
 * - Unmatched payments are partitioned the same way by their payment key.
 * - A watcher's keys share its wallet's tag; a stock pool's keys share the pool's.
 * - Support tickets all share one tag, `{support}`: opening, answering and closing a ticket each
 *   touch the ticket, its log, the buyer's open ticket and the index of open tickets in one
 *   script. A shop's support traffic is a few messages a minute, so one slot carries it easily.
 * - Everything else is one key read or written alone, and needs no tag.
 *
 * Sixteen partitions spread an even load over a cluster of up to about eight masters, while
 * readers that visit every partition stay cheap.
 */
export const PARTITIONS = 16;

/** The partition an order id (or a payment key) belongs to: FNV-1a, stable across releases. */
export function partitionOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % PARTITIONS;
}

export const allPartitions: readonly number[] = Array.from({ length: PARTITIONS }, (_, p) => p);

export function redisKeys(prefix: string) {
  const partition = (p: number) => `${prefix}{p${p}}:`;
  const ofOrder = (orderId: string) => partition(partitionOf(orderId));
  const watcher = (wallet: string) => `${prefix}{watcher:${wallet}}:`;
  return {
    // — an order's own keys —
    order: (id: string) => `${ofOrder(id)}order:${id}`,
    /** Which steps of an order's delivery are done, so a retried job skips them. */
    delivery: (orderId: string) => `${ofOrder(orderId)}delivery:${orderId}`,
    /** The buyer's payment message and QR code for an order, edited as payment arrives. */
    paymentMessage: (orderId: string) => `${ofOrder(orderId)}payment-message:${orderId}`,
    paymentQr: (orderId: string) => `${ofOrder(orderId)}payment-qr:${orderId}`,
    /**
     * A subscription's chat access (a hash): per period, the invite link made for it or that the
     * buyer was in the chat already; and whether the admins were told its member stayed in.
     */
    chatAccess: (orderId: string) => `${ofOrder(orderId)}chat-access:${orderId}`,

    // — per partition: indexes and streams written in the same step as an order —
    /** Pending orders by expiry time, for the expiry job. */
    pending: (p: number) => `${partition(p)}orders:pending`,
    /** All orders by creation time, for admin listings. */
    allOrders: (p: number) => `${partition(p)}orders:all`,
    /** Redis Stream of fulfilment jobs (consumer group "fulfilment"). */
    fulfilment: (p: number) => `${partition(p)}stream:fulfilment`,
    /** Jobs that failed too many times, for the admin. */
    fulfilmentDead: (p: number) => `${partition(p)}stream:fulfilment:dead`,
    /** Redis Stream of order events for notices (payment seen, paid, expired…). */
    events: (p: number) => `${partition(p)}stream:events`,
    /** Merchant webhook events by when their next attempt is due (ZSET, ms). */
    webhookDue: (p: number) => `${partition(p)}webhook:due`,
    /** One merchant webhook event (of an order in partition p): body, state, attempts. */
    webhookEvent: (p: number, eventId: string) => `${partition(p)}webhook:event:${eventId}`,
    /** Unmatched payments by payment key, and by time; partitioned by the payment key. */
    unmatched: (p: number) => `${partition(p)}unmatched`,
    unmatchedByTime: (p: number) => `${partition(p)}unmatched:by-time`,

    // — single keys —
    comment: (comment: string) => `${prefix}comment:${comment}`,
    /** Which order a payment key was claimed for: one order per payment, across all orders. */
    payment: (key: string) => `${prefix}payment:${key}`,
    userOrders: (userId: number) => `${prefix}orders:user:${userId}`,
    /** Subscriptions' orders by when access is due to end (ZSET, ms), for the ending job. */
    subscriptionEnds: `${prefix}subscriptions:ends`,
    /** Every subscription's order id, ended ones too (SET), for the admin's figures. */
    subscriptionOrders: `${prefix}subscriptions:orders`,
    /** A buyer's subscriptions: product id → the subscription's order id (HASH). */
    userSubscriptions: (userId: number) => `${prefix}subscriptions:user:${userId}`,
    /** Ended subscriptions whose member is still to be removed from the chat, by when to try (ZSET, ms). */
    accessRemovals: `${prefix}subscriptions:access-removals`,
    /** Every merchant webhook attempt (Redis Stream): event, order, attempt, status or error. */
    webhookLog: `${prefix}webhook:log`,
    /**
     * Our own USDT jetton wallet, with the master and merchant it was asked for (a hash): the
     * master's answer never changes for that pair, so a restart need not ask toncenter again.
     */
    jettonWallet: `${prefix}jetton-wallet`,
    /** How far the Stars ledger reconcile has read a bot's Star transactions. */
    starsLedgerCursor: (botId: string) => `${prefix}stars-ledger:${botId}:cursor`,
    /** A lock held while one process runs a job (expiry, reconcile, report). */
    jobLock: (name: string) => `${prefix}{lock:${name}}`,
    /** A once-per-period claim of a job, e.g. the daily report of one day. */
    jobClaim: (name: string, periodId: string) => `${prefix}once:${name}:${periodId}`,

    /** What admins did (Redis Stream). */
    audit: `${prefix}stream:audit`,
    /** An admin told of an event, so a retried notice is not sent to them twice. */
    noticeSent: (eventId: string, adminId: number) => `${prefix}notice-sent:${eventId}:${adminId}`,
    /** A Telegram update handled (webhook mode), so a redelivered one is not handled twice. */
    telegramUpdate: (updateId: number) => `${prefix}telegram-update:${updateId}`,
    /** The terms of sale a buyer agreed to, and when (a hash: version, at). */
    termsAgreement: (userId: number) => `${prefix}terms:agreed:${userId}`,
    /** A buyer's grammY session (UI state only). */
    session: (userId: number) => `${prefix}session:${userId}`,
    /** The per-user flood limiter's counters, and whether a user was told to slow down. */
    rateLimitPrefix: `${prefix}ratelimit:`,
    rateLimitTold: (userId: number) => `${prefix}ratelimit-told:${userId}`,
    /** An order held while Telegram's checkout for it is open. */
    checkoutHold: (orderId: string) => `${prefix}checkout-hold:${orderId}`,
    /** The order of a subscription whose checkout a buyer has open (a product's one at a time). */
    subscriptionCheckout: (userId: number, productId: string) =>
      `${prefix}subscriptions:checkout:${userId}:${productId}`,
    /** The TON Connect SDK's storage for one buyer (a key prefix). */
    tonconnectStorage: (userId: number) => `${prefix}tonconnect:${userId}:`,
    /** Where, and in which language, to tell a buyer what their connected wallet did. */
    walletChat: (userId: number) => `${prefix}tonconnect:buyer:${userId}`,
    /** The order a buyer asked their wallet to pay, the request sent, and its lock. */
    tonconnectIntent: (userId: number) => `${prefix}tonconnect:intent:${userId}`,
    tonconnectSent: (orderId: string) => `${prefix}tonconnect:sent:${orderId}`,
    tonconnectRequest: (userId: number) => `${prefix}tonconnect:request:${userId}`,
    /** Open wallet-connection links, and buyers by when theirs closes (written together). */
    tonconnectLink: (userId: number) => `${prefix}{tonconnect}:link:${userId}`,
    tonconnectConnecting: `${prefix}{tonconnect}:connecting`,

    // — a watcher's keys, sharing its wallet's tag —
    watcherCursor: (wallet: string) => `${watcher(wallet)}cursor`,
    watcherLock: (wallet: string) => `${watcher(wallet)}lock`,
    watcherHealth: (wallet: string) => `${watcher(wallet)}health`,
    /** Failed polls by time (ZSET). */
    watcherErrors: (wallet: string) => `${watcher(wallet)}errors`,
    /** Jetton notices on the merchant wallet read before our jetton wallet was known: hash → lt. */
    watcherHeldNotices: (wallet: string) => `${watcher(wallet)}held-notices`,

    // — support tickets, all under one tag —
    /** The last ticket number given out (INCR). */
    ticketSeq: `${prefix}{support}:ticket-seq`,
    /** One ticket (HASH): buyer, kind, state, times, last message's excerpt. */
    ticket: (n: number) => `${prefix}{support}:ticket:${n}`,
    /** A ticket's messages, oldest first (LIST of JSON, capped). */
    ticketLog: (n: number) => `${prefix}{support}:ticket:${n}:log`,
    /** The number of a buyer's ticket that is not closed. */
    buyerTicket: (userId: number) => `${prefix}{support}:buyer:${userId}`,
    /** Tickets open or answered, by when they last changed (ZSET, ms). */
    activeTickets: `${prefix}{support}:tickets:active`,
    /** How many tickets were closed, ever. */
    closedTickets: `${prefix}{support}:tickets:closed`,
    /** The ticket a message relayed to an admin chat belongs to, so a reply to it finds it. */
    ticketRelay: (chatId: number, messageId: number) =>
      `${prefix}{support}:relay:${chatId}:${messageId}`,

    // — a stock pool's keys, sharing its tag —
    stock: (pool: string) => `${prefix}{stock:${pool}}`,
    stockIssued: (pool: string) => `${prefix}{stock:${pool}}:issued`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/**
 * What a key under the prefix holds, told from its name (`suffix` is the key without the
 * prefix), for backups: their counts per kind, and the keys a backup leaves out. Locks and flood
 * counters belong to a running process, not to the shop's data.
 */
export const KEY_KINDS = [
  "orders",
  "payments",
  "unmatched",
  "cursors",
  "stock",
  "audit",
  "tickets",
  "terms",
  "streams",
  "webhooks",
  "tonconnect",
  "sessions",
  "other",
  "transient",
] as const;

export type KeyKind = (typeof KEY_KINDS)[number];

export function keyKind(suffix: string): KeyKind {
  // A lock's holder, not its fence counter: fences only ever grow, so they are kept.
  if (/^\{lock:[^}]*\}$/.test(suffix) || /^\{watcher:[^}]*\}:lock$/.test(suffix))
    return "transient";
  if (suffix.startsWith("ratelimit")) return "transient";
  if (/^\{watcher:[^}]*\}:cursor$/.test(suffix) || /^stars-ledger:.*:cursor$/.test(suffix))
    return "cursors";
  if (/^\{p\d+\}:unmatched/.test(suffix)) return "unmatched";
  if (/^\{p\d+\}:stream:/.test(suffix)) return "streams";
  if (/^\{p\d+\}:webhook:/.test(suffix) || suffix === "webhook:log") return "webhooks";
  if (
    /^\{p\d+\}:/.test(suffix) ||
    suffix.startsWith("orders:user:") ||
    suffix.startsWith("subscriptions:")
  )
    return "orders";
  if (suffix.startsWith("payment:") || suffix.startsWith("comment:")) return "payments";
  if (suffix.startsWith("{stock:")) return "stock";
  if (suffix === "stream:audit") return "audit";
  if (suffix.startsWith("{support}:")) return "tickets";
  if (suffix.startsWith("terms:agreed:")) return "terms";
  if (suffix.startsWith("tonconnect:") || suffix.startsWith("{tonconnect}:")) return "tonconnect";
  if (suffix.startsWith("session:")) return "sessions";
  return "other";
}

/**
 * The key named `suffix` under `prefix`, for a backup restored under any prefix. Hash tags come
 * after the prefix, so a key keeps its tag, and its cluster slot, under another prefix.
 */
export function keyUnder(prefix: string, suffix: string): string {
  return `${prefix}${suffix}`;
}

/** A SCAN/KEYS pattern matching every key under `prefix`, its own glob characters escaped. */
export function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
}
