/** Every Redis key the project uses, in one place, under the configured prefix. */
export function redisKeys(prefix: string) {
  return {
    order: (id: string) => `${prefix}order:${id}`,
    comment: (comment: string) => `${prefix}comment:${comment}`,
    /** Which order a payment key was applied to; its existence is the idempotency guard. */
    payment: (key: string) => `${prefix}payment:${key}`,
    /** Pending orders by expiry time, for the expiry job. */
    pending: `${prefix}orders:pending`,
    /** All orders by creation time, for admin listings. */
    allOrders: `${prefix}orders:all`,
    userOrders: (userId: number) => `${prefix}orders:user:${userId}`,
    /** Redis Stream of fulfilment jobs (consumer group "fulfilment"). */
    fulfilment: `${prefix}stream:fulfilment`,
    /** Redis Stream of order events for notifications (payment seen, paid, expired…). */
    events: `${prefix}stream:events`,
    unmatched: `${prefix}unmatched`,
    unmatchedByTime: `${prefix}unmatched:by-time`,
    watcherCursor: (wallet: string) => `${prefix}watcher:${wallet}:cursor`,
    watcherLock: (wallet: string) => `${prefix}watcher:${wallet}:lock`,
    watcherFence: (wallet: string) => `${prefix}watcher:${wallet}:fence`,
    watcherHealth: (wallet: string) => `${prefix}watcher:${wallet}:health`,
    /** Failed polls by time (ZSET). */
    watcherErrors: (wallet: string) => `${prefix}watcher:${wallet}:errors`,
    stock: (pool: string) => `${prefix}stock:${pool}`,
    stockIssued: (pool: string) => `${prefix}stock:${pool}:issued`,
    /** Which deliverers have completed for an order, so a retried job skips them. */
    delivery: (orderId: string) => `${prefix}delivery:${orderId}`,
    /** Jobs that failed too many times, for the admin. */
    fulfilmentDead: `${prefix}stream:fulfilment:dead`,
    /** Every merchant webhook attempt (Redis Stream): event, order, attempt, status or error. */
    webhookLog: `${prefix}webhook:log`,
    /** Merchant webhook events by when their next attempt is due (ZSET, ms). */
    webhookDue: `${prefix}webhook:due`,
    /** One merchant webhook event: its body, state (queued, delivered, failed) and attempts. */
    webhookEvent: (eventId: string) => `${prefix}webhook:event:${eventId}`,
    /** How far the Stars ledger reconcile has read a bot's Star transactions. */
    starsLedgerCursor: (botId: string) => `${prefix}stars-ledger:${botId}:cursor`,
    /** The message that told a buyer how to pay an order, replied to by its notices. */
    paymentMessage: (orderId: string) => `${prefix}ui:payment-message:${orderId}`,
    /** The QR code message of a TON order, redrawn for what is still owed. */
    paymentQr: (orderId: string) => `${prefix}ui:payment-qr:${orderId}`,
    /** Where, and in which language, to tell a buyer what their connected wallet did. */
    walletChat: (userId: number) => `${prefix}tonconnect:buyer:${userId}`,
    /** A person's grammY session: UI state and the language they picked. */
    session: (userId: number) => `${prefix}session:${userId}`,
    /** Marks an admin as told of one event, so a retried broadcast skips them. */
    noticeSent: (eventId: string, adminId: number) => `${prefix}notice-sent:${eventId}:${adminId}`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;
