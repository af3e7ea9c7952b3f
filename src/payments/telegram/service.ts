import { type Api, GrammyError } from "grammy";
import type {
  BotSubscriptionUpdated,
  PreCheckoutQuery,
  RefundedPayment,
  SuccessfulPayment,
  User,
} from "grammy/types";
import { type Catalog, priceOf } from "../../catalog/catalog.js";
import type { StockPool } from "../../fulfilment/stock.js";
import type { Logger } from "../../log.js";
import { orderRefunded, renewalChanged } from "../../orders/events.js";
import { buyerOf, type Order, type Payment } from "../../orders/order.js";
import {
  InvalidTransition,
  refundEndsOrder,
  refundOrder,
  refundPayments,
  setRenewal,
} from "../../orders/state.js";
import type { OrderStore } from "../../orders/store.js";
import type { RedisClient } from "../../redis/client.js";
import { redisKeys } from "../../redis/keys.js";
import { releaseLease, takeHold } from "../../redis/scripts.js";
import type { PaymentsCore, RecordedPayment } from "../record.js";
import type { UnmatchedPayments } from "../unmatched.js";
import { type CheckoutVerdict, checkCheckout, splitTotal } from "./checkout.js";
import { invoiceFor } from "./invoice.js";
import type { Subscriptions } from "./subscriptions.js";

/** Who paid, as Telegram's update or ledger names them. */
export type TelegramUser = Pick<User, "id" | "first_name" | "last_name" | "username">;

export interface TelegramPaymentsOptions {
  redis: RedisClient;
  prefix: string;
  /** PAYMENT_PROVIDER_TOKEN, for card invoices. */
  providerToken: string | undefined;
  store: OrderStore;
  payments: PaymentsCore;
  unmatched: UnmatchedPayments;
  catalog: Catalog;
  stock: StockPool;
  /** The index of subscriptions, kept in step with every change Telegram or a refund makes. */
  subscriptions: Subscriptions;
  log: Logger;
}

/** How long a link order stays with the payer who reached pre-checkout first. */
const HOLD_MS = 5 * 60_000;
/**
 * How long a buyer's checkout of a subscription holds off another one for the same product:
 * Telegram charges within seconds of the pre-checkout answer, and from then on the recorded
 * payment refuses a second order; a buyer who closed the payment form waits no longer than this.
 */
const SUBSCRIPTION_HOLD_MS = 60_000;

export class RefundRefused extends Error {
  override name = "RefundRefused";
}

/** Telegram's refund of a Star payment, and the end of a subscription's renewal; the bot's API client is one. */
export interface StarRefunds {
  refundStarPayment(userId: number, chargeId: string): Promise<unknown>;
  editUserStarSubscription(userId: number, chargeId: string, isCanceled: boolean): Promise<unknown>;
}

/**
 * Stars and card payments: the pre-checkout decision, the successful payment into
 * recordPayment (the same path as TON), and Star refunds.
 */
export class TelegramPayments {
  constructor(private readonly options: TelegramPaymentsOptions) {}

  /** Decides a pre_checkout_query (Telegram waits at most 10 s); writes only a link order's hold. */
  async preCheckout(query: PreCheckoutQuery): Promise<CheckoutVerdict> {
    const { store, catalog, stock } = this.options;
    const order = await store.get(query.invoice_payload);
    const product = order ? catalog.find(order.productId) : undefined;
    const delivery = product?.delivery;
    const available =
      delivery?.type === "stock" ? await stock.available(delivery.pool) : Number.POSITIVE_INFINITY;
    const verdict = checkCheckout(
      order,
      {
        userId: query.from.id,
        currency: query.currency,
        totalAmount: BigInt(query.total_amount),
        shippingOptionId: query.shipping_option_id,
      },
      { product, catalog, now: store.now(), available },
    );
    if (verdict.ok && order && product?.kind === "subscription" && !order.subscription) {
      // One subscription to a product at a time, or it would be charged every month twice: one
      // checkout at a time (held first, so a payment recorded meanwhile is seen next), and none
      // while one lasts.
      const refusal = await this.secondSubscription(query.from.id, product.id, order.id);
      if (refusal) {
        this.options.log.warn(
          { orderId: order.id, userId: query.from.id, reason: refusal },
          "pre-checkout refused",
        );
        return { ok: false, reason: refusal };
      }
    }
    if (verdict.ok && order?.userId === 0 && !(await this.hold(order.id, query.from.id))) {
      if (product?.kind === "subscription") await this.releaseSubscription(query.from.id, order);
      this.options.log.warn({ orderId: order.id, userId: query.from.id }, "invoice link busy");
      return { ok: false, reason: "taken" };
    }
    if (!verdict.ok) {
      this.options.log.warn(
        { orderId: query.invoice_payload, userId: query.from.id, reason: verdict.reason },
        "pre-checkout refused",
      );
    }
    return verdict;
  }

  /**
   * Records a successful payment. Idempotent on the charge id, so an update Telegram delivers
   * twice counts once. Money for an order that cannot be found is kept as unmatched. `found`
   * describes a payment read from a ledger because its update never came: when the money moved,
   * and where it was found.
   */
  async successfulPayment(
    payer: TelegramUser,
    paid: SuccessfulPayment,
    found?: { receivedAt: number; recovered: NonNullable<Payment["recovered"]> },
  ): Promise<RecordedPayment | undefined> {
    const { store, catalog, payments, unmatched, log } = this.options;
    const userId = payer.id;
    const method = paid.currency === "XTR" ? "stars" : "fiat";
    const chargeId = paid.telegram_payment_charge_id;
    const reference: Record<string, string> = {
      telegramChargeId: chargeId,
      total: String(paid.total_amount),
    };
    if (paid.provider_payment_charge_id) {
      reference.providerChargeId = paid.provider_payment_charge_id;
    }
    if (paid.shipping_option_id) reference.shippingOptionId = paid.shipping_option_id;
    if (paid.order_info) reference.orderInfo = JSON.stringify(paid.order_info);

    let order = await store.get(paid.invoice_payload);
    if (order?.userId === 0) order = await this.claim(order.id, payer);
    const product = order ? catalog.find(order.productId) : undefined;
    const payment: Payment = {
      key: `${method}:${chargeId}`,
      method,
      currency: paid.currency,
      amount: BigInt(paid.total_amount),
      receivedAt: found?.receivedAt ?? store.now(),
      from: String(userId),
      reference,
      ...(found ? { recovered: found.recovered } : {}),
      // A subscription's payment: the first or a renewal, each paying its own 30 days.
      ...(paid.subscription_expiration_date
        ? { period: { until: paid.subscription_expiration_date * 1000 } }
        : {}),
    };
    if (!order || !product) {
      log.error({ orderId: paid.invoice_payload, chargeId }, "payment for an unknown order");
      await unmatched.record({ ...payment, reason: "order-not-found" });
      return undefined;
    }
    // The order tracks the goods; shipping and a tip ride along on the payment record.
    const split = splitTotal(
      order,
      { totalAmount: payment.amount, shippingOptionId: paid.shipping_option_id },
      catalog,
      product,
    );
    if (typeof split === "object") {
      payment.amount = split.goods;
      reference.shipping = String(split.shipping);
      reference.tip = String(split.tip);
    }
    const recorded = await payments.recordPayment(order.id, payment, { known: order });
    // Indexed at once, so a second order for the same subscription is refused at its checkout;
    // the subscription's fulfilment step does it again should the process die right here.
    await this.options.subscriptions.track(recorded.order);
    // Its checkout is over: from here on the subscription itself refuses a second order, and
    // once it ends or is refunded the buyer may subscribe again at once.
    if (recorded.order.subscription) await this.releaseSubscription(userId, order);
    log.info(
      { orderId: order.id, chargeId, outcome: recorded.outcome.kind, recovered: found?.recovered },
      "telegram payment recorded",
    );
    return recorded;
  }

  /**
   * An order behind an invoice link the merchant can share anywhere: whoever pays it first
   * becomes its buyer and gets the goods in their chat with the bot; a second payer is refused
   * at pre-checkout.
   */
  async createInvoiceLink(
    api: Api,
    input: {
      productId: string;
      quantity: number;
      method: "stars" | "fiat";
      ttlMs: number;
      lang: string;
    },
  ): Promise<{ order: Order; link: string }> {
    const { store, catalog } = this.options;
    const product = catalog.find(input.productId);
    const price = product && priceOf(product, input.method, input.quantity);
    if (!product || !price || input.quantity < 1 || input.quantity > product.maxQuantity) {
      throw new RefundRefused(
        `${input.productId} × ${input.quantity} is not sold for ${input.method}`,
      );
    }
    const order = await store.create({
      userId: 0,
      chatId: 0,
      productId: product.id,
      quantity: input.quantity,
      method: input.method,
      currency: price.currency,
      amount: price.amount,
      lang: input.lang,
      ttlMs: input.ttlMs,
    });
    const invoice = invoiceFor(order, product, {
      catalog,
      providerToken: this.options.providerToken,
      locale: input.lang,
    });
    const { provider_token: token, ...other } = invoice.other;
    const link = await api.createInvoiceLink(
      invoice.title,
      invoice.description,
      invoice.payload,
      token ?? "",
      invoice.currency,
      invoice.prices,
      other,
    );
    this.options.log.info({ orderId: order.id }, "invoice link created");
    return { order, link };
  }

  /**
   * Gives a Stars order's money back through Telegram, then marks the order refunded: every
   * charge of it, or only `chargeId` (one period of a subscription, say). Only a paid or
   * delivered Stars order can be refunded whole; one charge not yet given back can be refunded
   * from a refunded order too. A card refund goes through the provider's dashboard.
   */
  async refundStars(api: StarRefunds, orderId: string, chargeId?: string): Promise<Order> {
    const order = await this.options.store.require(orderId);
    if (order.method !== "stars") throw new RefundRefused(`order ${orderId} was not paid in Stars`);
    const open = order.payments.filter(
      (p) => p.reference?.telegramChargeId !== undefined && p.refundedAt === undefined,
    );
    const charges = open
      .map((p) => p.reference?.telegramChargeId ?? "")
      .filter((id) => chargeId === undefined || id === chargeId);
    if (chargeId !== undefined && charges.length === 0) {
      throw new RefundRefused(`payment stars:${chargeId} of order ${orderId} is refunded already`);
    }
    const refundable =
      order.status === "paid" ||
      order.status === "fulfilled" ||
      (chargeId !== undefined && order.status === "refunded");
    if (!refundable) throw new RefundRefused(`order ${orderId} is ${order.status}, not paid`);
    if (charges.length === 0) throw new RefundRefused(`order ${orderId} has no Stars payment`);
    // A refunded subscription must not be charged again: its renewal is stopped first, so a
    // failure to reach Telegram leaves nothing refunded and the admin can try again. An earlier
    // period's money given back leaves it running.
    const keys = charges.map((charge) => `stars:${charge}`);
    const ends = refundEndsOrder(order, keys);
    if (ends) await stopRenewal(api, order, this.options.log);
    for (const charge of charges) {
      await api.refundStarPayment(order.userId, charge).catch((error: unknown) => {
        // Refunded before (e.g. the refund went through but the process died): carry on.
        if (String((error as Error).message).includes("CHARGE_ALREADY_REFUNDED")) return;
        throw error;
      });
    }
    this.options.log.info({ orderId, charges: charges.length }, "stars refunded");
    const after = await this.markRefunded(orderId, "admin", charges);
    if (ends && after.status !== "refunded") return this.renewalStopped(after);
    return after;
  }

  /** Telegram's refunded_payment: one charge's money went back, whoever started it. */
  async refunded(refund: RefundedPayment, api?: StarRefunds): Promise<Order | undefined> {
    const { store, log } = this.options;
    const order = await store.get(refund.invoice_payload);
    if (!order) {
      log.warn({ orderId: refund.invoice_payload }, "refund for an unknown order");
      return undefined;
    }
    const after = await this.markRefunded(order.id, "telegram", [
      refund.telegram_payment_charge_id,
    ]);
    // A refund the shop's own /refund did not start still ends the subscription: Telegram must
    // not charge it again. A refusal is for good (the subscription is gone), so it is logged; a
    // failure to reach Telegram is thrown, and the update is tried again.
    if (api && after.status === "refunded") await stopRenewal(api, after, log);
    return after;
  }

  /**
   * Telegram's `subscription` update: the buyer canceled or re-enabled a subscription's renewal,
   * or a renewal could not be charged. Kept on the subscription's order, and the admins told;
   * access is not touched (it lasts until the period paid ends). An update that names no
   * subscription of that buyer changes nothing.
   */
  async subscriptionUpdated(update: BotSubscriptionUpdated): Promise<Order | undefined> {
    const { store, log } = this.options;
    const renewal = update.state === "active" ? "on" : update.state;
    const order = await store.get(update.invoice_payload);
    if (!order?.subscription || order.userId !== update.user.id) {
      log.warn(
        { orderId: update.invoice_payload, userId: update.user.id, state: update.state },
        "subscription update for no subscription of this buyer",
      );
      return undefined;
    }
    const { order: after } = await store.update(order.id, (current) => {
      const next = setRenewal(current, renewal, store.now());
      return next && { order: next, effects: { event: renewalChanged(renewal) } };
    });
    log.info({ orderId: order.id, renewal }, "subscription renewal changed");
    // When access ends moves with renewal: at the period's end once it will not renew.
    await this.options.subscriptions.track(after);
    return after;
  }

  /**
   * A renewal charged while the refund that stopped the subscription's renewal went through:
   * the order now stands on it, and says the renewal is off, as Telegram has it.
   */
  private async renewalStopped(order: Order): Promise<Order> {
    const { store } = this.options;
    const { order: after } = await store.update(order.id, (current) => {
      const next = setRenewal(current, "canceled", store.now());
      return next && { order: next };
    });
    this.options.log.warn(
      { orderId: order.id },
      "a renewal came while the subscription was refunded; it stands on it, renewal off",
    );
    await this.options.subscriptions.track(after);
    return after;
  }

  /** One payer at a time may go through checkout for a link order; a pause frees it again. */
  private async hold(orderId: string, userId: number): Promise<boolean> {
    const key = redisKeys(this.options.prefix).checkoutHold(orderId);
    const payer = String(userId);
    return (await takeHold.run(this.options.redis, [key], [payer, HOLD_MS])) === payer;
  }

  /**
   * Why the buyer may not check out `orderId`, a subscription to `productId`: another checkout
   * of it held in the last minute, or another subscription to it that lasts. Otherwise the
   * checkout is held for `orderId`, until its payment is recorded or a minute passes.
   */
  private async secondSubscription(
    userId: number,
    productId: string,
    orderId: string,
  ): Promise<"subscribing" | "subscribed" | undefined> {
    const { redis, prefix, subscriptions } = this.options;
    const key = redisKeys(prefix).subscriptionCheckout(userId, productId);
    if ((await takeHold.run(redis, [key], [orderId, SUBSCRIPTION_HOLD_MS])) !== orderId) {
      return "subscribing";
    }
    const running = await subscriptions.activeFor(userId, productId);
    if (running === undefined || running.id === orderId) return undefined;
    await this.releaseSubscription(userId, { id: orderId, productId });
    return "subscribed";
  }

  /** Lets go of the buyer's checkout of a subscription, if `order` holds it. */
  private async releaseSubscription(
    userId: number,
    order: Pick<Order, "id" | "productId">,
  ): Promise<void> {
    const key = redisKeys(this.options.prefix).subscriptionCheckout(userId, order.productId);
    await releaseLease.run(this.options.redis, [key], [order.id]);
  }

  /** The link order becomes the payer's: their chat gets the goods, their /orders lists it. */
  private async claim(orderId: string, payer: TelegramUser): Promise<Order> {
    const { id: userId } = payer;
    const buyer = buyerOf(payer);
    const { order } = await this.options.store.update(orderId, (current) =>
      current.userId === 0
        ? { order: { ...current, userId, buyer, chatId: userId, version: current.version + 1 } }
        : undefined,
    );
    await this.options.store.index(order, 0);
    return order;
  }

  /** The order refunded, and each payment of `charges` marked refunded with it. */
  private async markRefunded(orderId: string, by: string, charges: string[]): Promise<Order> {
    const { order } = await this.options.store.update(orderId, (current) => {
      const keys = current.payments
        .filter((p) => charges.includes(p.reference?.telegramChargeId ?? ""))
        .map((p) => p.key);
      const now = this.options.store.now();
      const paid = current.status === "paid" || current.status === "fulfilled";
      if (paid && !refundEndsOrder(current, keys)) {
        // Money the order does not stand on (an earlier period, a second charge): kept on its
        // payment, and the order goes on. Telegram tells the buyer of the refund itself.
        const next = refundPayments(current, now, keys);
        if (next)
          this.options.log.info({ orderId, by, keys }, "payment refunded; the order stands");
        return next && { order: next };
      }
      let next: Order | undefined;
      try {
        next = refundOrder(current, now, keys);
      } catch (error) {
        if (!(error instanceof InvalidTransition)) throw error;
        this.options.log.error({ orderId, status: current.status }, "refund for an unpaid order");
        return undefined;
      }
      if (!next) return undefined;
      // Another charge of an order already refunded: kept on its payment, announced once.
      if (current.status === "refunded") return { order: next };
      return { order: next, effects: { event: orderRefunded(by) } };
    });
    // A refunded subscription's access ends now, not when its period would have.
    await this.options.subscriptions.track(order);
    return order;
  }
}

/**
 * Stops a subscription's renewal at Telegram, unless it ended or no renewal is coming. Telegram's
 * refusal is for good (the subscription is gone already), so it is logged and the refund goes
 * on; a failure to reach Telegram is thrown, and the caller tries again.
 */
async function stopRenewal(api: StarRefunds, order: Order, log: Logger): Promise<void> {
  const subscription = order.subscription;
  if (!subscription || subscription.endedAt !== undefined || subscription.renewal === "canceled") {
    return;
  }
  await api
    .editUserStarSubscription(order.userId, subscription.chargeId, true)
    .catch((error: unknown) => {
      if (!(error instanceof GrammyError) || error.error_code !== 400) throw error;
      log.warn(
        { orderId: order.id, description: error.description },
        "Telegram would not stop a refunded subscription's renewal",
      );
    });
}
