import type { PaymentMethod } from "../catalog/catalog.js";
import { type Order, type OrderStatus, outstanding, type Payment } from "../orders/order.js";
import type { OrderStore } from "../orders/store.js";

const DAY = 86_400_000;

/**
 * How far before a window `sales` looks for orders paid inside it. An order is paid within its
 * TTL (minutes) or, late, when the money finally lands; a payment more than 31 days after the
 * order was created is not counted in any window (it still shows in the order and the CSV).
 */
const PAID_LOOKBACK_MS = 31 * DAY;

/** Money received, per way of paying. */
export interface RevenueLine {
  method: PaymentMethod;
  currency: string;
  amount: bigint;
}

export interface ProductSales {
  productId: string;
  orders: number;
  quantity: number;
}

/**
 * A window's sales. Windows are half-open, [fromMs, toMs). A sale is an order whose `paidAt`
 * falls in the window; `paid` counts the sales that stand, `refunded` the ones refunded since,
 * so `paid + refunded` is every sale made in the window.
 */
export interface SalesReport {
  /** Orders created in the window. */
  created: number;
  /** Orders paid in the window and not refunded (status paid or fulfilled). */
  paid: number;
  /** Of the orders created in the window, the share that were paid (at any time, refunds included); 0 when none were created. */
  conversion: number;
  /** Every payment on the `paid` orders, by the payment's own method and currency; a card payment counts its total (goods, shipping and tip). */
  revenue: RevenueLine[];
  /** Orders paid in the window and refunded since. */
  refunded: number;
  /** The five products with most `paid` orders; ties go to the larger quantity, then the id. */
  topProducts: ProductSales[];
}

export interface PendingTotal {
  currency: string;
  /** What the pending orders still owe, together. */
  amount: bigint;
  orders: number;
}

const STATUSES: readonly OrderStatus[] = ["pending", "paid", "fulfilled", "expired", "refunded"];

/** Figures for the admin, read from the order indexes a batch at a time. Reads only. */
export class ShopReports {
  constructor(private readonly store: OrderStore) {}

  async sales(fromMs: number, toMs: number): Promise<SalesReport> {
    let created = 0;
    let converted = 0;
    let paid = 0;
    let refunded = 0;
    const revenue = new Map<string, RevenueLine>();
    const products = new Map<string, ProductSales>();

    for await (const batch of this.ordersCreated(fromMs - PAID_LOOKBACK_MS, toMs)) {
      for (const order of batch) {
        if (order.createdAt >= fromMs) {
          created++;
          if (order.paidAt !== undefined) converted++;
        }
        if (order.paidAt === undefined || order.paidAt < fromMs || order.paidAt >= toMs) continue;
        if (order.status === "refunded") {
          refunded++;
          continue;
        }
        if (order.status !== "paid" && order.status !== "fulfilled") continue;
        paid++;
        const product = products.get(order.productId) ?? {
          productId: order.productId,
          orders: 0,
          quantity: 0,
        };
        product.orders++;
        product.quantity += order.quantity;
        products.set(order.productId, product);
        for (const payment of order.payments) {
          // Money given back that the order did not stand on (an earlier period, a second charge).
          if (payment.refundedAt !== undefined) continue;
          const key = `${payment.method} ${payment.currency}`;
          const line = revenue.get(key) ?? {
            method: payment.method,
            currency: payment.currency,
            amount: 0n,
          };
          line.amount += received(payment);
          revenue.set(key, line);
        }
      }
    }

    return {
      created,
      paid,
      conversion: created === 0 ? 0 : converted / created,
      revenue: [...revenue.values()].sort(
        (a, b) => compare(a.method, b.method) || compare(a.currency, b.currency),
      ),
      refunded,
      topProducts: [...products.values()]
        .sort(
          (a, b) =>
            b.orders - a.orders || b.quantity - a.quantity || compare(a.productId, b.productId),
        )
        .slice(0, 5),
    };
  }

  /** How many orders are in each status, every status present. */
  async statusCounts(): Promise<Record<OrderStatus, number>> {
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<OrderStatus, number>;
    for await (const batch of this.ordersCreated(-Infinity, Infinity)) {
      for (const order of batch) counts[order.status]++;
    }
    return counts;
  }

  /** What the pending orders would still bring in, per currency (sorted by currency). */
  async pendingTotals(): Promise<PendingTotal[]> {
    const totals = new Map<string, PendingTotal>();
    // The pending index holds exactly the pending orders; a scan tolerates the expiry job
    // removing entries while we read, at the cost of possible repeats, which `seen` drops.
    const seen = new Set<string>();
    for await (const page of this.store.pendingIds()) {
      const ids = page.filter((id) => !seen.has(id));
      for (const id of ids) seen.add(id);
      for (const order of await this.store.getMany(ids)) {
        if (order.status !== "pending") continue;
        const total = totals.get(order.currency) ?? {
          currency: order.currency,
          amount: 0n,
          orders: 0,
        };
        total.amount += outstanding(order);
        total.orders++;
        totals.set(order.currency, total);
      }
    }
    return [...totals.values()].sort((a, b) => compare(a.currency, b.currency));
  }

  /** The newest payments among the twenty newest orders, newest first. */
  async recentPayments(limit = 5): Promise<{ order: Order; payment: Payment }[]> {
    const orders = await this.store.recent(20);
    return orders
      .flatMap((order) => order.payments.map((payment) => ({ order, payment })))
      .sort((a, b) => b.payment.receivedAt - a.payment.receivedAt)
      .slice(0, limit);
  }

  /** Orders with an exception or held for the admin, newest first. */
  async exceptions(limit = 20): Promise<Order[]> {
    const found: Order[] = [];
    if (limit <= 0) return found;
    for await (const batch of this.ordersNewestFirst()) {
      for (const order of batch) {
        if (order.exceptions.length === 0 && !order.held) continue;
        found.push(order);
        if (found.length >= limit) return found;
      }
    }
    return found;
  }

  /** Orders created in [fromMs, toMs), oldest first, up to 500 at a time. */
  ordersCreated(fromMs: number, toMs: number): AsyncGenerator<Order[]> {
    return this.store.byCreation("oldest", fromMs, toMs);
  }

  /** Every order, newest first, 500 at a time. */
  private ordersNewestFirst(): AsyncGenerator<Order[]> {
    return this.store.byCreation("newest");
  }
}

/** What the buyer was charged for this payment: a card's total when Telegram reported one. */
function received(payment: Payment): bigint {
  const total = payment.reference?.total;
  return total !== undefined && /^\d+$/.test(total) ? BigInt(total) : payment.amount;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
