import type { Logger } from "../log.js";
import { subscriptionEnded } from "../orders/events.js";
import { endSubscription } from "../orders/state.js";
import { OrderNotFound, type OrderStore } from "../orders/store.js";
import type { Subscriptions } from "../payments/telegram/subscriptions.js";

/**
 * Ends the access of subscriptions whose last paid period is over (endSubscription: never
 * earlier), announcing each on the events stream, and moves every subscription it looked at to
 * its place in the index: gone once ended, later when a renewal came meanwhile. Safe to run from
 * many processes at once: each end is a compare-and-set on the order.
 */
export async function endSubscriptions(
  store: OrderStore,
  subscriptions: Subscriptions,
  log?: Logger,
): Promise<number> {
  let ended = 0;
  const seen = new Set<string>();
  for (;;) {
    const now = store.now();
    const due = (await subscriptions.due(now, 500)).filter((id) => !seen.has(id));
    if (due.length === 0) return ended;
    for (const orderId of due) {
      seen.add(orderId);
      try {
        const { order, changed } = await store.update(orderId, (current) => {
          const next = endSubscription(current, now);
          return next && { order: next, effects: { event: subscriptionEnded() } };
        });
        await subscriptions.track(order);
        if (changed) {
          ended++;
          log?.info({ orderId }, "subscription ended");
        }
      } catch (error) {
        if (!(error instanceof OrderNotFound)) throw error;
        await subscriptions.forget(orderId);
      }
    }
  }
}
