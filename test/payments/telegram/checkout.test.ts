import { describe, expect, it } from "vitest";
import type { Catalog, Product } from "../../../src/catalog/catalog.js";
import type { Order, OrderStatus } from "../../../src/orders/order.js";
import {
  type CheckoutContext,
  type CheckoutRequest,
  checkCheckout,
  shippingFor,
  splitTotal,
} from "../../../src/payments/telegram/checkout.js";
import { exampleCatalog as catalog, exampleProduct as product } from "../../support/catalog.js";

// From catalog.example.json: the guide is 150 Stars; the mug is $9.99 with tips up to $5;
// standard shipping is $4.99 and express $14.99.
const guide = product("ton-guide");
const mug = product("mug");
const NOW = 1_700_000_000_000;
const BUYER = 42;

/** A pending, unpaid Stars order for one guide, due in ten minutes. */
function starsOrder(overrides: Partial<Order> = {}): Order {
  return {
    id: "ord-stars",
    userId: BUYER,
    chatId: BUYER,
    productId: "ton-guide",
    quantity: 1,
    method: "stars",
    currency: "XTR",
    amount: 150n,
    status: "pending",
    exceptions: [],
    paid: 0n,
    payments: [],
    createdAt: NOW - 60_000,
    expiresAt: NOW + 10 * 60_000,
    lang: "en",
    version: 1,
    ...overrides,
  };
}

/** A pending, unpaid card order for one mug ($9.99), due in ten minutes. */
function cardOrder(overrides: Partial<Order> = {}): Order {
  return starsOrder({
    id: "ord-card",
    productId: "mug",
    method: "fiat",
    currency: "USD",
    amount: 999n,
    ...overrides,
  });
}

function request(overrides: Partial<CheckoutRequest> = {}): CheckoutRequest {
  return { userId: BUYER, currency: "XTR", totalAmount: 150n, ...overrides };
}

function cardRequest(overrides: Partial<CheckoutRequest> = {}): CheckoutRequest {
  return request({ currency: "USD", totalAmount: 999n, ...overrides });
}

function context(overrides: Partial<CheckoutContext> = {}): CheckoutContext {
  return {
    product: guide,
    catalog,
    now: NOW,
    available: Number.POSITIVE_INFINITY,
    ...overrides,
  };
}

const cardContext = (overrides: Partial<CheckoutContext> = {}) =>
  context({ product: mug, ...overrides });

describe("checkCheckout", () => {
  it("accepts a Stars order paid at exactly its amount, all of it goods", () => {
    expect(checkCheckout(starsOrder(), request(), context())).toEqual({
      ok: true,
      goods: 150n,
      shipping: 0n,
      tip: 0n,
    });
  });

  it("accepts a card order and splits the total into goods, shipping and tip", () => {
    const verdict = checkCheckout(
      cardOrder(),
      cardRequest({ totalAmount: 999n + 1499n + 200n, shippingOptionId: "express" }),
      cardContext(),
    );
    expect(verdict).toEqual({ ok: true, goods: 999n, shipping: 1499n, tip: 200n });
  });

  it("accepts a card order for several mugs at the order's amount", () => {
    const verdict = checkCheckout(
      cardOrder({ quantity: 3, amount: 2997n }),
      cardRequest({ totalAmount: 2997n + 499n, shippingOptionId: "standard" }),
      cardContext(),
    );
    expect(verdict).toEqual({ ok: true, goods: 2997n, shipping: 499n, tip: 0n });
  });

  describe("not-found", () => {
    it("refuses a payload that matches no order", () => {
      expect(checkCheckout(undefined, request(), context())).toEqual({
        ok: false,
        reason: "not-found",
      });
    });

    it("refuses an order whose product is no longer in the catalog", () => {
      expect(checkCheckout(starsOrder(), request(), context({ product: undefined }))).toEqual({
        ok: false,
        reason: "not-found",
      });
    });
  });

  it("refuses a buyer paying for someone else's order", () => {
    expect(checkCheckout(starsOrder({ userId: 7 }), request({ userId: 8 }), context())).toEqual({
      ok: false,
      reason: "not-yours",
    });
  });

  describe("paid-already", () => {
    it.each<OrderStatus>(["paid", "fulfilled", "refunded"])("refuses a %s order", (status) => {
      const order = starsOrder({ status, paid: 150n, paidAt: NOW - 1_000 });
      expect(checkCheckout(order, request(), context())).toEqual({
        ok: false,
        reason: "paid-already",
      });
    });

    it("refuses a pending order that has already received part of its money", () => {
      const order = cardOrder({ paid: 1n });
      expect(checkCheckout(order, cardRequest(), cardContext())).toEqual({
        ok: false,
        reason: "paid-already",
      });
    });
  });

  describe("expired", () => {
    it("refuses an order the expiry job has already expired, even before its time", () => {
      const order = starsOrder({ status: "expired" });
      expect(checkCheckout(order, request(), context())).toEqual({
        ok: false,
        reason: "expired",
      });
    });

    it("refuses a pending order once its time is up, from the exact expiry instant", () => {
      const order = starsOrder({ expiresAt: NOW });
      expect(checkCheckout(order, request(), context())).toEqual({
        ok: false,
        reason: "expired",
      });
      expect(checkCheckout(order, request(), context({ now: NOW + 60_000 }))).toEqual({
        ok: false,
        reason: "expired",
      });
    });

    it("still accepts a pending order one millisecond before its expiry", () => {
      const order = starsOrder({ expiresAt: NOW + 1 });
      expect(checkCheckout(order, request(), context())).toMatchObject({ ok: true });
    });
  });

  describe("sold-out", () => {
    it("refuses when the stock holds fewer items than the order's quantity", () => {
      const order = cardOrder({ quantity: 3, amount: 2997n });
      const verdict = checkCheckout(
        order,
        cardRequest({ totalAmount: 2997n }),
        cardContext({ available: 2 }),
      );
      expect(verdict).toEqual({ ok: false, reason: "not-enough" });
    });

    it("refuses a single item from an empty stock", () => {
      expect(checkCheckout(starsOrder(), request(), context({ available: 0 }))).toEqual({
        ok: false,
        reason: "sold-out",
      });
    });

    it("accepts when exactly enough items are left", () => {
      const order = cardOrder({ quantity: 3, amount: 2997n });
      const verdict = checkCheckout(
        order,
        cardRequest({ totalAmount: 2997n }),
        cardContext({ available: 3 }),
      );
      expect(verdict).toEqual({ ok: true, goods: 2997n, shipping: 0n, tip: 0n });
    });
  });

  it("refuses a shipping option the catalog does not list", () => {
    const verdict = checkCheckout(
      cardOrder(),
      cardRequest({ totalAmount: 999n + 499n, shippingOptionId: "teleport" }),
      cardContext(),
    );
    expect(verdict).toEqual({ ok: false, reason: "shipping" });
  });

  describe("changed", () => {
    it("refuses a card payment in another currency than the order's", () => {
      const verdict = checkCheckout(cardOrder(), cardRequest({ currency: "EUR" }), cardContext());
      expect(verdict).toEqual({ ok: false, reason: "changed" });
    });

    it("refuses Stars offered for a card order, and card money for a Stars order", () => {
      expect(checkCheckout(cardOrder(), cardRequest({ currency: "XTR" }), cardContext())).toEqual({
        ok: false,
        reason: "changed",
      });
      expect(checkCheckout(starsOrder(), request({ currency: "USD" }), context())).toEqual({
        ok: false,
        reason: "changed",
      });
    });

    it("refuses a total below the order's amount", () => {
      expect(checkCheckout(starsOrder(), request({ totalAmount: 149n }), context())).toEqual({
        ok: false,
        reason: "changed",
      });
      expect(checkCheckout(cardOrder(), cardRequest({ totalAmount: 998n }), cardContext())).toEqual(
        { ok: false, reason: "changed" },
      );
    });

    it("refuses a total that does not cover the chosen shipping", () => {
      const verdict = checkCheckout(
        cardOrder(),
        // Paid for standard shipping while express was chosen.
        cardRequest({ totalAmount: 999n + 499n, shippingOptionId: "express" }),
        cardContext(),
      );
      expect(verdict).toEqual({ ok: false, reason: "changed" });
    });

    it("refuses anything above the amount on a Stars order: Stars take no tips", () => {
      expect(checkCheckout(starsOrder(), request({ totalAmount: 151n }), context())).toEqual({
        ok: false,
        reason: "changed",
      });
    });

    it("refuses a tip above the product's maximum", () => {
      const verdict = checkCheckout(
        cardOrder(),
        cardRequest({ totalAmount: 999n + 500n + 1n }),
        cardContext(),
      );
      expect(verdict).toEqual({ ok: false, reason: "changed" });
    });

    it("refuses any tip on a card order for a product that allows none", () => {
      const { tips: _, ...noTips } = mug;
      const verdict = checkCheckout(
        cardOrder(),
        cardRequest({ totalAmount: 1000n }),
        cardContext({ product: noTips }),
      );
      expect(verdict).toEqual({ ok: false, reason: "changed" });
    });
  });

  describe("order of checks", () => {
    it("tells someone else paying an already paid order that it is paid, not that it is not theirs", () => {
      const order = starsOrder({ userId: 7, status: "paid", paid: 150n });
      expect(checkCheckout(order, request({ userId: 8 }), context())).toEqual({
        ok: false,
        reason: "paid-already",
      });
    });

    it("accepts any payer for an order behind a shared invoice link (userId 0)", () => {
      const order = starsOrder({ userId: 0, chatId: 0 });
      for (const userId of [1, 8, 999_999_999]) {
        expect(checkCheckout(order, request({ userId }), context())).toEqual({
          ok: true,
          goods: 150n,
          shipping: 0n,
          tip: 0n,
        });
      }
    });

    it("still refuses a shared invoice link that has expired or run out of stock", () => {
      const link = starsOrder({ userId: 0, chatId: 0 });
      expect(checkCheckout(link, request({ userId: 8 }), context({ now: link.expiresAt }))).toEqual(
        { ok: false, reason: "expired" },
      );
      expect(checkCheckout(link, request({ userId: 8 }), context({ available: 0 }))).toEqual({
        ok: false,
        reason: "sold-out",
      });
    });

    it("tells a second payer of a link order someone else has paid that it is paid", () => {
      // Once paid, the link order belongs to the first payer.
      const claimed = starsOrder({ userId: 7, chatId: 7, status: "paid", paid: 150n });
      expect(checkCheckout(claimed, request({ userId: 8 }), context())).toEqual({
        ok: false,
        reason: "paid-already",
      });
    });

    it("reports an order that has gone missing from the catalog before anything else", () => {
      const order = starsOrder({ userId: 7, status: "paid", paid: 150n });
      expect(checkCheckout(order, request({ userId: 8 }), context({ product: undefined }))).toEqual(
        { ok: false, reason: "not-found" },
      );
    });
  });
});

describe("splitTotal", () => {
  it("takes a tip of exactly the product's maximum", () => {
    expect(splitTotal(cardOrder(), { totalAmount: 999n + 500n }, catalog, mug)).toEqual({
      goods: 999n,
      shipping: 0n,
      tip: 500n,
    });
  });

  it("reads a total equal to the amount as no tip at all", () => {
    expect(splitTotal(cardOrder(), { totalAmount: 999n }, catalog, mug)).toEqual({
      goods: 999n,
      shipping: 0n,
      tip: 0n,
    });
  });

  it("separates the chosen shipping option's price from the tip", () => {
    expect(
      splitTotal(
        cardOrder(),
        { totalAmount: 999n + 499n + 300n, shippingOptionId: "standard" },
        catalog,
        mug,
      ),
    ).toEqual({ goods: 999n, shipping: 499n, tip: 300n });
  });

  it("takes shipping plus a tip of exactly the maximum, and nothing beyond", () => {
    const order = cardOrder();
    const shipping = { shippingOptionId: "express" };
    expect(
      splitTotal(order, { totalAmount: 999n + 1499n + 500n, ...shipping }, catalog, mug),
    ).toEqual({ goods: 999n, shipping: 1499n, tip: 500n });
    expect(
      splitTotal(order, { totalAmount: 999n + 1499n + 501n, ...shipping }, catalog, mug),
    ).toBeUndefined();
  });

  it("answers 'shipping' for an option the catalog does not list", () => {
    expect(
      splitTotal(cardOrder(), { totalAmount: 999n, shippingOptionId: "pigeon" }, catalog, mug),
    ).toBe("shipping");
  });

  it("cannot read a total below goods plus shipping", () => {
    expect(
      splitTotal(
        cardOrder(),
        { totalAmount: 999n + 498n, shippingOptionId: "standard" },
        catalog,
        mug,
      ),
    ).toBeUndefined();
  });

  it("takes no tip on a Stars order even for a product that allows card tips", () => {
    const withStars: Product = {
      ...mug,
      prices: { ...mug.prices, stars: { method: "stars", currency: "XTR", amount: 500n } },
    };
    const order = starsOrder({ productId: "mug", amount: 500n });
    expect(splitTotal(order, { totalAmount: 500n }, catalog, withStars)).toEqual({
      goods: 500n,
      shipping: 0n,
      tip: 0n,
    });
    expect(splitTotal(order, { totalAmount: 501n }, catalog, withStars)).toBeUndefined();
  });
});

describe("shippingFor", () => {
  it("offers every option that names no countries to any country", () => {
    expect(shippingFor(catalog, "US").map((o) => o.id)).toEqual(["standard", "express"]);
    expect(shippingFor(catalog, "JP").map((o) => o.id)).toEqual(["standard", "express"]);
  });

  it("offers an option with countries only to those countries", () => {
    const regional: Catalog = {
      ...catalog,
      shipping: [
        { id: "eu-post", title: { en: "EU post" }, amount: 300n, countries: ["DE", "FR"] },
        { id: "world", title: { en: "Worldwide" }, amount: 1500n },
        { id: "us-ground", title: { en: "US ground" }, amount: 500n, countries: ["US"] },
      ],
    };
    expect(shippingFor(regional, "DE").map((o) => o.id)).toEqual(["eu-post", "world"]);
    expect(shippingFor(regional, "US").map((o) => o.id)).toEqual(["world", "us-ground"]);
    expect(shippingFor(regional, "JP").map((o) => o.id)).toEqual(["world"]);
  });

  it("offers nothing to a country no option reaches", () => {
    const regional: Catalog = {
      ...catalog,
      shipping: [{ id: "eu-post", title: { en: "EU post" }, amount: 300n, countries: ["DE"] }],
    };
    expect(shippingFor(regional, "BR")).toEqual([]);
    expect(shippingFor({ ...catalog, shipping: [] }, "DE")).toEqual([]);
  });

  it("keeps each option's price and title as the catalog has them", () => {
    const [standard] = shippingFor(catalog, "DE");
    expect(standard?.amount).toBe(499n);
    expect(standard?.title.en).toBe("Standard post, 7–14 days");
  });
});
