import type { Order } from "../../src/orders/order.js";
import type { LatePaymentPolicy } from "../../src/orders/state.js";
import type { NewOrder } from "../../src/orders/store.js";
import { OrderStore } from "../../src/orders/store.js";
import { PaymentsCore } from "../../src/payments/record.js";
import { UnmatchedPayments } from "../../src/payments/unmatched.js";
import type { RedisClient } from "../../src/redis/client.js";

export const TON = 1_000_000_000n;

/** The order store, payments core and unmatched list on one Redis prefix, as main.ts wires them. */
export function shop(redis: RedisClient, prefix: string, latePolicy: LatePaymentPolicy = "fulfil") {
  const store = new OrderStore(redis, { prefix });
  const payments = new PaymentsCore(store, { latePolicy });
  const unmatched = new UnmatchedPayments(redis, prefix);
  return { store, payments, unmatched };
}

export function tonOrder(overrides: Partial<NewOrder> = {}): NewOrder {
  return {
    userId: 42,
    chatId: 42,
    productId: "mug",
    quantity: 1,
    method: "ton",
    currency: "TON",
    amount: 2n * TON,
    lang: "en",
    ttlMs: 30 * 60_000,
    ...overrides,
  };
}

/** A pending TON order as the store holds it, for pure code that takes an Order. */
export function pendingTonOrder(overrides: Partial<Order> = {}): Order {
  return {
    id: "ord_k3m9q2d7x1a5",
    userId: 42,
    chatId: 42,
    productId: "mug",
    quantity: 2,
    method: "ton",
    currency: "TON",
    amount: 6_500_000_000n,
    comment: "TP-7K3M9Q2D",
    status: "pending",
    exceptions: [],
    paid: 0n,
    payments: [],
    createdAt: 0,
    expiresAt: 1_800_000,
    lang: "en",
    version: 1,
    ...overrides,
  };
}
