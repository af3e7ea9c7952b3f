import type { PaymentMethod } from "../catalog/catalog.js";

export type OrderStatus = "pending" | "paid" | "fulfilled" | "expired" | "refunded";

/**
 * Exceptions sit beside the status (BTCPay's model):
 * underpaid — money arrived but not all of it; overpaid — more than the price;
 * late — the sum was completed after expiry; mismatch — wrong currency or method.
 */
export type OrderException = "underpaid" | "overpaid" | "late" | "mismatch";

/** One payment as the order remembers it. */
export interface Payment {
  /**
   * Unique per payment: "ton:<tx hash hex>", "usdt:<tx hash hex>", "stars:<charge id>",
   * "fiat:<charge id>".
   */
  key: string;
  method: PaymentMethod;
  currency: string;
  /** Base units: nanotons, millionths of a USDT, Stars, fiat minor units. */
  amount: bigint;
  /** When the money moved (block time for TON), ms since epoch. */
  receivedAt: number;
  /** Who paid: a wallet address or a Telegram user id, as text. */
  from?: string;
  /** Method-specific references kept for refunds and explorers. */
  reference?: Record<string, string>;
  /**
   * Where the payment was found when its own update never reached the bot: "stars-ledger" for
   * Telegram's list of Star transactions.
   */
  recovered?: "stars-ledger";
  /**
   * A subscription's payment: the end of the 30-day period it pays for (Telegram's
   * subscription_expiration_date), ms since epoch.
   */
  period?: { until: number };
  /**
   * When this payment's money went back to the buyer, ms since epoch. Kept per payment because a
   * subscription's refund may give back one period's charge and not another's.
   */
  refundedAt?: number;
}

/**
 * A subscription's order: one per subscription, its first payment and every renewal a payment
 * of it, each with its own period. Access lasts until `paidUntil`, never less.
 */
export interface Subscription {
  /** The first payment's charge id: Telegram names the subscription by it. */
  chargeId: string;
  /** Periods paid so far, the first included. */
  periods: number;
  /** The end of the last period paid, ms since epoch. */
  paidUntil: number;
  /**
   * Whether Telegram will charge again: "on"; "canceled" by the buyer or the shop; "failed" when
   * the last renewal could not be charged.
   */
  renewal: "on" | "canceled" | "failed";
  /** When renewal was last canceled, by the buyer or the shop. */
  canceledAt?: number;
  /** When access ended: the period ran out with no renewal. */
  endedAt?: number;
}

/** Who ordered, as Telegram named them when the order was made, for the admins' notices. */
export interface Buyer {
  /** First and last name as the buyer set them in Telegram. */
  name: string;
  username?: string;
}

export interface Order {
  id: string;
  userId: number;
  /** Absent on orders made before buyers were remembered, and on an invoice link until paid. */
  buyer?: Buyer;
  chatId: number;
  productId: string;
  quantity: number;
  method: PaymentMethod;
  currency: string;
  amount: bigint;
  /**
   * The comment that matches payments to this order ("TP-7K3M9Q2D"); orders paid on chain only,
   * in TON or in USDT (where it travels as the jetton transfer's forward payload).
   */
  comment?: string;
  status: OrderStatus;
  exceptions: OrderException[];
  /** Sum received in the order's currency. */
  paid: bigint;
  payments: Payment[];
  createdAt: number;
  expiresAt: number;
  paidAt?: number;
  fulfilledAt?: number;
  refundedAt?: number;
  /** True when a late payment completed the order under LATE_PAYMENT_POLICY=hold. */
  held?: boolean;
  /** Set by a subscription's first payment; see Subscription. */
  subscription?: Subscription;
  lang: string;
  /** Bumped by every write; the store's compare-and-set guard. */
  version: number;
}

/** The buyer as a Telegram user describes them: the name, and the @username when there is one. */
export function buyerOf(user: {
  first_name: string;
  last_name?: string;
  username?: string;
}): Buyer {
  const name = [user.first_name, user.last_name ?? ""].join(" ").trim();
  return user.username ? { name, username: user.username } : { name };
}

/** What the buyer still owes; zero once paid. */
export function outstanding(order: Order): bigint {
  const rest = order.amount - order.paid;
  return rest > 0n ? rest : 0n;
}

/** Money received beyond the price. */
export function excess(order: Order): bigint {
  const extra = order.paid - order.amount;
  return extra > 0n ? extra : 0n;
}

interface StoredPayment extends Omit<Payment, "amount"> {
  amount: string;
}

interface StoredOrder extends Omit<Order, "amount" | "paid" | "payments"> {
  amount: string;
  paid: string;
  payments: StoredPayment[];
}

/** Orders are stored as JSON with amounts as decimal strings (JSON has no bigint). */
export function serializeOrder(order: Order): string {
  const stored: StoredOrder = {
    ...order,
    amount: order.amount.toString(),
    paid: order.paid.toString(),
    payments: order.payments.map((p) => ({ ...p, amount: p.amount.toString() })),
  };
  return JSON.stringify(stored);
}

export function deserializeOrder(json: string): Order {
  const stored = JSON.parse(json) as StoredOrder;
  return {
    ...stored,
    amount: BigInt(stored.amount),
    paid: BigInt(stored.paid),
    payments: stored.payments.map((p) => ({ ...p, amount: BigInt(p.amount) })),
  };
}
