import { describe, expect, it } from "vitest";
import { parseOrderEvent } from "../../src/orders/event-parser.js";
import {
  deliveryFailed,
  encodeEvent,
  orderCreated,
  orderExpired,
  orderPaid,
  orderRenewed,
  orderUnderpaid,
  paymentUnmatched,
} from "../../src/orders/events.js";
import type { Payment } from "../../src/orders/order.js";
import { pendingTonOrder } from "../support/shop.js";

const payment: Payment = {
  key: "ton:ab12",
  method: "ton",
  currency: "TON",
  amount: 1_500_000_000n,
  receivedAt: 1_700_000_000_000,
};

/** A stream entry as the store writes it. */
const entry = (event: Parameters<typeof encodeEvent>[0], id = "ord_1") => [
  "orderId",
  id,
  "event",
  encodeEvent(event),
];

describe("order events on the stream", () => {
  it("carry amounts as base units with their currency, and read back as written", () => {
    const paid = orderPaid(payment, { late: true, overpaid: false, fulfil: false });
    expect(JSON.parse(encodeEvent(paid))).toEqual({
      type: "order.held",
      detail: {
        paymentKey: "ton:ab12",
        amount: { units: "1500000000", currency: "TON" },
        late: true,
        overpaid: false,
      },
    });
    expect(parseOrderEvent(entry(paid))).toEqual({
      ok: true,
      entry: { orderId: "ord_1", ...paid },
    });

    const underpaid = orderUnderpaid(payment, 5_000_000_000n, "TON");
    expect(parseOrderEvent(entry(underpaid))).toEqual({
      ok: true,
      entry: { orderId: "ord_1", ...underpaid },
    });
    for (const event of [
      orderCreated(),
      orderExpired(pendingTonOrder()),
      orderExpired(pendingTonOrder({ paid: 1n })),
      deliveryFailed("goods", "Telegram refused delivery"),
      orderRenewed(payment, 2, 1_800_000_000_000),
    ]) {
      expect(parseOrderEvent(entry(event))).toEqual({
        ok: true,
        entry: { orderId: "ord_1", ...event },
      });
    }
  });

  it("reads an unmatched payment's entry by its payment key", () => {
    const fields = ["paymentKey", "stars:ch_1", "event", encodeEvent(paymentUnmatched("dust"))];
    expect(parseOrderEvent(fields)).toEqual({
      ok: true,
      entry: { paymentKey: "stars:ch_1", type: "payment.unmatched", detail: { reason: "dust" } },
    });
  });

  it("reads entries written with display amounts exactly, as base units", () => {
    const paid = {
      type: "order.paid",
      detail: {
        paymentKey: "stars:ch_9",
        amount: "150",
        currency: "XTR",
        recovered: "stars-ledger",
        late: false,
        overpaid: false,
      },
    };
    expect(parseOrderEvent(["orderId", "ord_2", "event", JSON.stringify(paid)])).toEqual({
      ok: true,
      entry: {
        orderId: "ord_2",
        type: "order.paid",
        detail: {
          paymentKey: "stars:ch_9",
          amount: { units: 150n, currency: "XTR" },
          recovered: "stars-ledger",
          late: false,
          overpaid: false,
        },
      },
    });
    const expired = {
      type: "order.expired",
      detail: { paid: "3.25", amount: "6.5", currency: "TON" },
    };
    expect(parseOrderEvent(["orderId", "ord_3", "event", JSON.stringify(expired)])).toEqual({
      ok: true,
      entry: {
        orderId: "ord_3",
        type: "order.expired",
        detail: {
          paid: { units: 3_250_000_000n, currency: "TON" },
          amount: { units: 6_500_000_000n, currency: "TON" },
        },
      },
    });
    const underpaid = {
      type: "order.underpaid",
      detail: { paymentKey: "fiat:c1", amount: "4.99", currency: "USD", owed: "5.01" },
    };
    expect(parseOrderEvent(["orderId", "ord_4", "event", JSON.stringify(underpaid)])).toMatchObject(
      {
        ok: true,
        entry: {
          detail: {
            amount: { units: 499n, currency: "USD" },
            owed: { units: 501n, currency: "USD" },
          },
        },
      },
    );
  });

  it("says why an entry does not read, and never throws", () => {
    const bad: string[][] = [
      ["orderId", "ord_1", "event", "{not json"],
      ["orderId", "ord_1", "event", '{"type":"order.shipped"}'],
      ["orderId", "ord_1", "event", '{"type":"order.paid","detail":{}}'],
      [
        "orderId",
        "ord_1",
        "event",
        '{"type":"order.paid","detail":{"paymentKey":"k","amount":{"units":"1.5","currency":"TON"},"late":false,"overpaid":false}}',
      ],
      [
        "orderId",
        "ord_1",
        "event",
        '{"type":"order.mismatch","detail":{"paymentKey":"k","amount":"x","currency":"TON"}}',
      ],
      ["orderId", "ord_1"],
      ["event", '{"type":"order.created"}'],
    ];
    for (const fields of bad) {
      const parsed = parseOrderEvent(fields);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.problem).not.toBe("");
    }
  });
});
