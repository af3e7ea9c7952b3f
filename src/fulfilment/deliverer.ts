import type { Order } from "../orders/order.js";

/**
 * One way of handing a paid order to the buyer or the merchant. The worker runs an order's
 * deliverers in turn and records each success under `name`, so a retried job skips it.
 */
export interface Deliverer {
  /** Stable across releases: it is the key of the delivery record. */
  readonly name: string;
  /**
   * Resolves once delivered. Must settle in bounded time (own timeouts): the worker holds the
   * job while it runs. Throw `DeliveryRejected` when retrying cannot help; anything else is
   * retried.
   */
  deliver(order: Order): Promise<void>;
}

/** A delivery that failed for now (network, timeout, 5xx); the job is retried later. */
export class DeliveryFailed extends Error {
  override name = "DeliveryFailed";
}

/** A delivery that can never succeed as things stand; the job goes to the dead stream. */
export class DeliveryRejected extends Error {
  override name = "DeliveryRejected";
}

/** The stock pool holds fewer items than the order needs; an admin restocks and replays the job. */
export class OutOfStock extends DeliveryRejected {
  override name = "OutOfStock";
  constructor(
    readonly pool: string,
    readonly needed = 1,
  ) {
    super(
      needed === 1
        ? `stock pool "${pool}" is empty`
        : `stock pool "${pool}" has fewer than the ${needed} items the order needs`,
    );
  }
}
