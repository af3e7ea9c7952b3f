import { describe, expect, it } from "vitest";
import type { Order, Payment } from "../../src/orders/order.js";
import { deserializeOrder, excess, outstanding, serializeOrder } from "../../src/orders/order.js";
import {
  applyPayment,
  expireOrder,
  fulfilOrder,
  InvalidTransition,
  refundOrder,
  releaseOrder,
} from "../../src/orders/state.js";

const T0 = 1_700_000_000_000;
const TON = 1_000_000_000n;

function order(overrides: Partial<Order> = {}): Order {
  return {
    id: "ord_test",
    userId: 1,
    chatId: 1,
    productId: "mug",
    quantity: 1,
    method: "ton",
    currency: "TON",
    amount: 2n * TON,
    comment: "TP-7K3M9Q2D",
    status: "pending",
    exceptions: [],
    paid: 0n,
    payments: [],
    createdAt: T0,
    expiresAt: T0 + 30 * 60_000,
    lang: "en",
    version: 1,
    ...overrides,
  };
}

let counter = 0;
function payment(amount: bigint, overrides: Partial<Payment> = {}): Payment {
  counter++;
  return {
    key: `ton:${counter}`,
    method: "ton",
    currency: "TON",
    amount,
    receivedAt: T0 + 60_000,
    ...overrides,
  };
}

const fulfil = { latePolicy: "fulfil" } as const;
const hold = { latePolicy: "hold" } as const;

describe("applyPayment", () => {
  it("marks an exactly paid order paid and asks for fulfilment", () => {
    const { order: next, outcome } = applyPayment(order(), payment(2n * TON), fulfil);
    expect(outcome).toEqual({ kind: "paid", late: false, overpaid: false, fulfil: true });
    expect(next.status).toBe("paid");
    expect(next.paid).toBe(2n * TON);
    expect(next.exceptions).toEqual([]);
    expect(next.paidAt).toBe(T0 + 60_000);
    expect(next.version).toBe(2);
  });

  it("keeps an underpaid order pending and says what is still owed", () => {
    const { order: next, outcome } = applyPayment(order(), payment(TON / 2n), fulfil);
    expect(outcome).toEqual({ kind: "underpaid", owed: (3n * TON) / 2n });
    expect(next.status).toBe("pending");
    expect(next.exceptions).toEqual(["underpaid"]);
    expect(outstanding(next)).toBe((3n * TON) / 2n);
  });

  it("adds partial payments up and clears underpaid once covered", () => {
    const first = applyPayment(order(), payment(TON), fulfil).order;
    const second = applyPayment(first, payment(TON / 2n), fulfil).order;
    expect(second.status).toBe("pending");
    const third = applyPayment(second, payment(TON / 2n), fulfil);
    expect(third.outcome.kind).toBe("paid");
    expect(third.order.status).toBe("paid");
    expect(third.order.exceptions).toEqual([]);
    expect(third.order.payments).toHaveLength(3);
    expect(third.order.paid).toBe(2n * TON);
  });

  it("flags an overpayment and still fulfils", () => {
    const { order: next, outcome } = applyPayment(order(), payment(3n * TON), fulfil);
    expect(outcome).toEqual({ kind: "paid", late: false, overpaid: true, fulfil: true });
    expect(next.exceptions).toEqual(["overpaid"]);
    expect(excess(next)).toBe(TON);
  });

  it("ignores the same payment key twice", () => {
    const p = payment(TON);
    const once = applyPayment(order(), p, fulfil).order;
    const twice = applyPayment(once, p, fulfil);
    expect(twice.outcome).toEqual({ kind: "duplicate" });
    expect(twice.order).toBe(once);
  });

  it("records a payment in the wrong currency as a mismatch without counting it", () => {
    const stars = payment(2n * TON, { method: "stars", currency: "XTR" });
    const { order: next, outcome } = applyPayment(order(), stars, fulfil);
    expect(outcome).toEqual({ kind: "mismatch" });
    expect(next.status).toBe("pending");
    expect(next.paid).toBe(0n);
    expect(next.exceptions).toEqual(["mismatch"]);
    expect(next.payments).toHaveLength(1);
  });

  it("fulfils a late payment under the fulfil policy, flagged late", () => {
    const late = payment(2n * TON, { receivedAt: T0 + 31 * 60_000 });
    const { order: next, outcome } = applyPayment(order(), late, fulfil);
    expect(outcome).toEqual({ kind: "paid", late: true, overpaid: false, fulfil: true });
    expect(next.exceptions).toEqual(["late"]);
    expect(next.held).toBeUndefined();
  });

  it("holds a late payment under the hold policy", () => {
    const late = payment(2n * TON, { receivedAt: T0 + 31 * 60_000 });
    const { order: next, outcome } = applyPayment(order(), late, hold);
    expect(outcome).toEqual({ kind: "paid", late: true, overpaid: false, fulfil: false });
    expect(next.status).toBe("paid");
    expect(next.held).toBe(true);
    expect(releaseOrder(next)?.held).toBe(false);
  });

  it("treats money for an expired order as late, even if the block time was in time", () => {
    const expired = order({ status: "expired" });
    const { order: next, outcome } = applyPayment(expired, payment(2n * TON), hold);
    expect(outcome.kind).toBe("paid");
    expect(next.exceptions).toContain("late");
    expect(next.held).toBe(true);
  });

  it("keeps an expired order expired when a late partial payment arrives", () => {
    const { order: next } = applyPayment(order({ status: "expired" }), payment(TON), fulfil);
    expect(next.status).toBe("expired");
    expect(next.exceptions).toEqual(["underpaid", "late"]);
    expect(next.paid).toBe(TON);
  });

  it.each(["paid", "fulfilled", "refunded"] as const)(
    "records money for a %s order as excess without a second fulfilment",
    (status) => {
      const { order: next, outcome } = applyPayment(
        order({ status, paid: 2n * TON }),
        payment(TON),
        fulfil,
      );
      expect(outcome).toEqual({ kind: "excess" });
      expect(next.status).toBe(status);
      expect(next.exceptions).toEqual(["overpaid"]);
      expect(next.paid).toBe(3n * TON);
    },
  );
});

describe("other transitions", () => {
  it("expires a pending order only after its expiry time", () => {
    const o = order();
    expect(expireOrder(o, o.expiresAt - 1)).toBeUndefined();
    expect(expireOrder(o, o.expiresAt)?.status).toBe("expired");
    expect(expireOrder(order({ status: "paid" }), o.expiresAt + 1)).toBeUndefined();
  });

  it("fulfils a paid order once; fulfilling again changes nothing", () => {
    const fulfilled = fulfilOrder(order({ status: "paid" }), T0 + 5);
    expect(fulfilled?.status).toBe("fulfilled");
    expect(fulfilled?.fulfilledAt).toBe(T0 + 5);
    expect(fulfilOrder(order({ status: "fulfilled" }), T0)).toBeUndefined();
    expect(() => fulfilOrder(order({ status: "pending" }), T0)).toThrow(InvalidTransition);
    expect(() => fulfilOrder(order({ status: "expired" }), T0)).toThrow(InvalidTransition);
  });

  it("refunds only paid or fulfilled orders", () => {
    expect(refundOrder(order({ status: "paid" }), T0)?.status).toBe("refunded");
    expect(refundOrder(order({ status: "fulfilled" }), T0)?.status).toBe("refunded");
    expect(refundOrder(order({ status: "refunded" }), T0)).toBeUndefined();
    expect(() => refundOrder(order({ status: "pending" }), T0)).toThrow(InvalidTransition);
  });

  it("does not release an order that is not held", () => {
    expect(releaseOrder(order({ status: "paid" }))).toBeUndefined();
  });
});

describe("order serialization", () => {
  it("round-trips bigint amounts as decimal strings", () => {
    const paid = applyPayment(
      order({ amount: 123_456_789_012_345_678_901n }),
      payment(5n),
      fulfil,
    ).order;
    const json = serializeOrder(paid);
    expect(JSON.parse(json).amount).toBe("123456789012345678901");
    expect(deserializeOrder(json)).toEqual(paid);
  });
});
