import type { ChainableCommander } from "ioredis";
import { deliveryFailed, encodeEvent } from "../orders/events.js";
import type { Order } from "../orders/order.js";

/**
 * One step of handing a paid order to the buyer or the merchant — one message, one stock
 * allocation, one webhook queued. The worker runs an order's steps in turn and records each
 * success under `name`, so a retried job resumes at the first step not done.
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

/**
 * A step's name for the period being delivered: a subscription's renewal delivers its period
 * anew, under names of its own ("goods@2"), so the record of earlier periods never stops it.
 * The first period, and every other order, keeps the plain name.
 */
export function periodStep(order: Order, name: string): string {
  const period = order.subscription?.periods ?? 1;
  return period > 1 ? `${name}@${period}` : name;
}

/** `deliverer` under its name for the period being delivered (see periodStep). */
export function forPeriod(order: Order, deliverer: Deliverer): Deliverer {
  const name = periodStep(order, deliverer.name);
  return name === deliverer.name ? deliverer : { name, deliver: (o) => deliverer.deliver(o) };
}

/** A delivery that failed for now (network, timeout, 5xx); the job is retried later. */
export class DeliveryFailed extends Error {
  override name = "DeliveryFailed";
  /** How long the other side asked us to wait (Telegram's `retry_after`), if it said. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: { retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
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

/**
 * Adds to `multi` the `order.delivery_failed` event the admins are told of, so it is written in
 * the same step that gives the delivery up.
 */
export function addDeliveryFailed(
  multi: ChainableCommander,
  events: string,
  failure: { orderId: string; deliverer: string; error: string },
): ChainableCommander {
  const { orderId, deliverer, error } = failure;
  return multi.xadd(
    events,
    "MAXLEN",
    "~",
    "100000",
    "*",
    "orderId",
    orderId,
    "event",
    encodeEvent(deliveryFailed(deliverer, error)),
  );
}
