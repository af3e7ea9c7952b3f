import { describe, expect, it } from "vitest";
import type { Order, Payment } from "../../src/orders/order.js";
import { deserializeOrder, excess, outstanding, serializeOrder } from "../../src/orders/order.js";
import {
  applyPayment,
  endSubscription,
  expireOrder,
  fulfilOrder,
  InvalidTransition,
  RENEWAL_GRACE_MS,
  refundEndsOrder,
  refundOrder,
  refundPayments,
  releaseOrder,
  setRenewal,
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

describe("a subscription's order", () => {
  const DAY = 86_400_000;
  const PERIOD = 30 * DAY;
  const subscriptionOrder = () =>
    order({
      method: "stars",
      currency: "XTR",
      amount: 250n,
      comment: undefined,
      productId: "club",
    });
  let charge = 0;
  /** A Stars payment of the subscription paying the period until `until`. */
  const stars = (until: number, overrides: Partial<Payment> = {}) => {
    const id = `charge-${++charge}`;
    return payment(250n, {
      key: `stars:${id}`,
      method: "stars",
      currency: "XTR",
      reference: { telegramChargeId: id },
      period: { until },
      ...overrides,
    });
  };
  const first = () => {
    const paid = stars(T0 + PERIOD);
    const applied = applyPayment(subscriptionOrder(), paid, fulfil);
    return { ...applied, chargeId: paid.reference?.telegramChargeId };
  };

  it("starts with its first payment: paid, delivered, renewing, access until the period's end", () => {
    const { order: started, outcome, chargeId } = first();
    expect(outcome).toEqual({ kind: "paid", late: false, overpaid: false, fulfil: true });
    expect(started).toMatchObject({ status: "paid", paid: 250n, exceptions: [] });
    expect(started.subscription).toEqual({
      chargeId,
      periods: 1,
      paidUntil: T0 + PERIOD,
      renewal: "on",
    });
  });

  it("takes each renewal as the next period, delivered anew, never as overpayment", () => {
    const delivered = fulfilOrder(first().order, T0 + 1000) as Order;
    const renewal = stars(T0 + 2 * PERIOD, { receivedAt: T0 + PERIOD });
    const { order: renewed, outcome } = applyPayment(delivered, renewal, fulfil);
    expect(outcome).toEqual({ kind: "renewed", number: 2, until: T0 + 2 * PERIOD });
    expect(renewed).toMatchObject({
      status: "paid",
      paid: 500n,
      exceptions: [],
      paidAt: T0 + PERIOD,
      fulfilledAt: T0 + 1000,
    });
    expect(renewed.subscription).toMatchObject({ periods: 2, paidUntil: T0 + 2 * PERIOD });
    // The same renewal delivered twice counts once.
    expect(applyPayment(renewed, renewal, fulfil).outcome).toEqual({ kind: "duplicate" });
    // A second charge for a period already paid is money to give back, not another period.
    const again = applyPayment(renewed, stars(T0 + 2 * PERIOD), fulfil);
    expect(again.outcome).toEqual({ kind: "excess" });
    expect(again.order.subscription?.periods).toBe(2);
  });

  it("follows Telegram's word on renewal without touching access", () => {
    const started = first().order;
    const canceled = setRenewal(started, "canceled", T0);
    expect(canceled?.subscription).toMatchObject({
      renewal: "canceled",
      canceledAt: T0,
      paidUntil: T0 + PERIOD,
    });
    expect(setRenewal(canceled as Order, "canceled", T0)).toBeUndefined();
    expect(setRenewal(canceled as Order, "on", T0)?.subscription?.renewal).toBe("on");
    expect(setRenewal(order(), "failed", T0)).toBeUndefined();
  });

  it("ends access when the paid period is over, never earlier, later by a grace while a renewal is due", () => {
    const started = first().order;
    const end = T0 + PERIOD;
    expect(endSubscription(started, end)).toBeUndefined();
    expect(endSubscription(started, end + RENEWAL_GRACE_MS - 1)).toBeUndefined();
    expect(endSubscription(started, end + RENEWAL_GRACE_MS)?.subscription?.endedAt).toBe(
      end + RENEWAL_GRACE_MS,
    );
    const canceled = setRenewal(started, "canceled", T0) as Order;
    expect(endSubscription(canceled, end - 1)).toBeUndefined();
    const ended = endSubscription(canceled, end) as Order;
    expect(ended.subscription?.endedAt).toBe(end);
    expect(endSubscription(ended, end + DAY)).toBeUndefined();
    expect(setRenewal(ended, "on", T0)).toBeUndefined();
  });

  it("comes back with a renewal that lands after access ended, and not after a refund", () => {
    const failed = setRenewal(fulfilOrder(first().order, T0) as Order, "failed", T0) as Order;
    const ended = endSubscription(failed, T0 + PERIOD) as Order;
    const late = applyPayment(ended, stars(T0 + 2 * PERIOD + DAY), fulfil);
    expect(late.outcome).toMatchObject({ kind: "renewed", number: 2 });
    expect(late.order.subscription).toEqual({
      chargeId: ended.subscription?.chargeId,
      periods: 2,
      paidUntil: T0 + 2 * PERIOD + DAY,
      renewal: "on",
    });
    const refunded = refundOrder(fulfilOrder(first().order, T0) as Order, T0) as Order;
    expect(applyPayment(refunded, stars(T0 + 2 * PERIOD), fulfil).outcome).toEqual({
      kind: "excess",
    });
  });

  it("keeps a refund on the period whose charge went back, and a later refund on its own", () => {
    const started = fulfilOrder(first().order, T0) as Order;
    const second = stars(T0 + 2 * PERIOD, { receivedAt: T0 + PERIOD });
    const renewed = applyPayment(started, second, fulfil).order;
    const [c1, c2] = renewed.payments.map((p) => p.key);

    const refunded = refundOrder(renewed, T0 + PERIOD + DAY, [second.key]) as Order;
    expect(refunded).toMatchObject({ status: "refunded", refundedAt: T0 + PERIOD + DAY });
    expect(refunded.payments.map((p) => [p.key, p.refundedAt])).toEqual([
      [c1, undefined],
      [c2, T0 + PERIOD + DAY],
    ]);
    // The same refund again changes nothing; the other charge's refund is kept when it comes.
    expect(refundOrder(refunded, T0 + PERIOD + 2 * DAY, [second.key])).toBeUndefined();
    const both = refundOrder(refunded, T0 + PERIOD + 2 * DAY, [c1 ?? ""]) as Order;
    expect(both).toMatchObject({ status: "refunded", refundedAt: T0 + PERIOD + DAY });
    expect(both.payments.map((p) => p.refundedAt)).toEqual([
      T0 + PERIOD + 2 * DAY,
      T0 + PERIOD + DAY,
    ]);
  });

  it("ends only when the running period's money goes back, not an earlier period's", () => {
    const started = fulfilOrder(first().order, T0) as Order;
    const second = stars(T0 + 2 * PERIOD, { receivedAt: T0 + PERIOD });
    const renewed = applyPayment(started, second, fulfil).order;
    const [c1 = "", c2 = ""] = renewed.payments.map((p) => p.key);

    expect(refundEndsOrder(renewed, [c1])).toBe(false);
    expect(refundEndsOrder(renewed, [c2])).toBe(true);
    expect(refundEndsOrder(renewed, [c1, c2])).toBe(true);
    const earlier = refundPayments(renewed, T0 + PERIOD + DAY, [c1]) as Order;
    expect(earlier.status).toBe("paid");
    expect(earlier.subscription).toEqual(renewed.subscription);
    expect(earlier.payments.map((p) => p.refundedAt)).toEqual([T0 + PERIOD + DAY, undefined]);
    // Once that one is back, the running period's refund ends it all the same.
    expect(refundEndsOrder(earlier, [c2])).toBe(true);
    expect(refundPayments(earlier, T0 + PERIOD + 2 * DAY, [c1])).toBeUndefined();
  });
});

describe("refundEndsOrder for an order paid once", () => {
  it("leaves it paid when a second charge goes back, and ends it when the one it stands on does", () => {
    const one = payment(2n * TON);
    const paid = applyPayment(order(), one, fulfil).order;
    const twice = payment(2n * TON);
    const overpaid = applyPayment(paid, twice, fulfil).order;

    expect(refundEndsOrder(overpaid, [twice.key])).toBe(false);
    expect(refundEndsOrder(overpaid, [one.key, twice.key])).toBe(true);
    expect(refundEndsOrder(paid, [one.key])).toBe(true);
    // A payment in another currency never counted towards it.
    const stray = applyPayment(paid, payment(5n, { currency: "USDT", method: "usdt" }), fulfil);
    expect(refundEndsOrder(stray.order, [one.key])).toBe(true);
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
