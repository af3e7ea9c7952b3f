import type { Logger } from "../log.js";
import { orderExpired } from "../orders/events.js";
import { expireOrder } from "../orders/state.js";
import type { OrderStore } from "../orders/store.js";

/**
 * Moves pending orders past their expiry time to `expired`, announcing each on the events stream
 * (with what had been received, for an order paid in part). Safe to run from many processes at
 * once: each move is a compare-and-set on the order.
 */
export async function expireOrders(store: OrderStore, log?: Logger): Promise<number> {
  let expired = 0;
  for (;;) {
    const now = store.now();
    const due = await store.dueForExpiry(now, 500);
    if (due.length === 0) return expired;
    let movedThisBatch = 0;
    for (const orderId of due) {
      const { changed } = await store.update(orderId, (order) => {
        const next = expireOrder(order, now);
        return next && { order: next, effects: { event: orderExpired(next) } };
      });
      if (changed) {
        expired++;
        movedThisBatch++;
        log?.info({ orderId }, "order expired");
      }
    }
    // Everything due was taken by another process (or paid meanwhile): nothing more to do.
    if (movedThisBatch === 0) return expired;
  }
}
