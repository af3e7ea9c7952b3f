import { describe, expect, it } from "vitest";
import type { Product } from "../../../src/catalog/catalog.js";
import type { Order } from "../../../src/orders/order.js";
import { type InvoiceContext, invoiceFor } from "../../../src/payments/telegram/invoice.js";
import { exampleCatalog as catalog, exampleProduct as product } from "../../support/catalog.js";

const guide = product("ton-guide");
const vpnKey = product("vpn-key");
const mug = product("mug");
const TOKEN = "284685063:TEST:provider-token";

/** A pending Stars order for one VPN key (250 Stars). */
function starsOrder(overrides: Partial<Order> = {}): Order {
  return {
    id: "ord-7K3M9Q2D",
    userId: 42,
    chatId: 42,
    productId: "vpn-key",
    quantity: 1,
    method: "stars",
    currency: "XTR",
    amount: 250n,
    status: "pending",
    exceptions: [],
    paid: 0n,
    payments: [],
    createdAt: 1_700_000_000_000,
    expiresAt: 1_700_000_600_000,
    lang: "en",
    version: 1,
    ...overrides,
  };
}

/** A pending card order for one mug ($9.99). */
function cardOrder(overrides: Partial<Order> = {}): Order {
  return starsOrder({
    productId: "mug",
    method: "fiat",
    currency: "USD",
    amount: 999n,
    ...overrides,
  });
}

function context(overrides: Partial<InvoiceContext> = {}): InvoiceContext {
  return { catalog, providerToken: TOKEN, locale: "en", ...overrides };
}

/** A product with the given English title and description, otherwise the VPN key. */
function titled(title: string, description = "A key."): Product {
  return { ...vpnKey, title: { en: title }, description: { en: description } };
}

describe("invoiceFor: Stars", () => {
  it("bills one price in XTR equal to the order's amount, with nothing else", () => {
    expect(invoiceFor(starsOrder(), vpnKey, context())).toEqual({
      title: "VPN access key, 30 days",
      description: "One personal key from our stock, valid for 30 days.",
      payload: "ord-7K3M9Q2D",
      currency: "XTR",
      prices: [{ label: "VPN access key, 30 days", amount: 250 }],
      other: {},
    });
  });

  it("leaves the provider token out even when the shop has one configured", () => {
    const invoice = invoiceFor(starsOrder(), vpnKey, context({ providerToken: TOKEN }));
    expect(invoice.other).not.toHaveProperty("provider_token");
    expect(Object.keys(invoice.other)).toEqual([]);
  });

  it("needs no provider token to be issued", () => {
    const invoice = invoiceFor(starsOrder(), vpnKey, context({ providerToken: undefined }));
    expect(invoice.currency).toBe("XTR");
    expect(invoice.prices).toEqual([{ label: "VPN access key, 30 days", amount: 250 }]);
  });

  it("bills several items as one price for the whole order", () => {
    const invoice = invoiceFor(starsOrder({ quantity: 4, amount: 1000n }), vpnKey, context());
    expect(invoice.prices).toEqual([{ label: "VPN access key, 30 days × 4", amount: 1000 }]);
    expect(typeof invoice.prices[0]?.amount).toBe("number");
  });

  it("asks a Stars buyer of physical goods for no name, phone, address or shipping", () => {
    const stars = { method: "stars", currency: "XTR", amount: 700n } as const;
    const mugForStars: Product = { ...mug, prices: { ...mug.prices, stars } };
    const invoice = invoiceFor(
      starsOrder({ productId: "mug", amount: 700n }),
      mugForStars,
      context(),
    );
    expect(invoice.other).toEqual({});
    expect(invoice.prices).toEqual([{ label: "TON mug", amount: 700 }]);
  });
});

describe("invoiceFor: card, digital goods", () => {
  const vpnForCards: Product = {
    ...vpnKey,
    prices: { ...vpnKey.prices, fiat: { method: "fiat", currency: "USD", amount: 300n } },
  };

  it("carries the provider token and the shop's currency, and asks for no shipping details", () => {
    const order = cardOrder({ productId: "vpn-key", amount: 300n });
    expect(invoiceFor(order, vpnForCards, context())).toEqual({
      title: "VPN access key, 30 days",
      description: "One personal key from our stock, valid for 30 days.",
      payload: "ord-7K3M9Q2D",
      currency: "USD",
      prices: [{ label: "VPN access key, 30 days", amount: 300 }],
      other: { provider_token: TOKEN },
    });
  });
});

describe("invoiceFor: card, physical goods", () => {
  it("asks for a name, a phone, an address and a shipping option, and offers the mug's tips", () => {
    const invoice = invoiceFor(cardOrder(), mug, context());
    expect(invoice).toEqual({
      title: "TON mug",
      description: "A blue ceramic mug, 350 ml. Shipped worldwide.",
      payload: "ord-7K3M9Q2D",
      currency: "USD",
      prices: [{ label: "TON mug", amount: 999 }],
      other: {
        provider_token: TOKEN,
        max_tip_amount: 500,
        suggested_tip_amounts: [100, 200, 300],
        need_name: true,
        need_phone_number: true,
        need_shipping_address: true,
        is_flexible: true,
      },
    });
  });

  it("gives tips to Telegram as numbers, which its JSON can carry", () => {
    const { other } = invoiceFor(cardOrder(), mug, context());
    expect(typeof other.max_tip_amount).toBe("number");
    expect(other.suggested_tip_amounts?.map((tip) => typeof tip)).toEqual([
      "number",
      "number",
      "number",
    ]);
    expect(() => JSON.stringify(other)).not.toThrow();
  });

  it("still asks for an address but offers no shipping step when the catalog has no options", () => {
    const { other } = invoiceFor(
      cardOrder(),
      mug,
      context({ catalog: { ...catalog, shipping: [] } }),
    );
    expect(other.need_name).toBe(true);
    expect(other.need_phone_number).toBe(true);
    expect(other.need_shipping_address).toBe(true);
    expect(other).not.toHaveProperty("is_flexible");
  });

  it("offers a maximum tip without suggestions when the product suggests none", () => {
    const plainTips: Product = { ...mug, tips: { max: 250n, suggested: [] } };
    const { other } = invoiceFor(cardOrder(), plainTips, context());
    expect(other.max_tip_amount).toBe(250);
    expect(other).not.toHaveProperty("suggested_tip_amounts");
  });

  it("offers no tips for a product that allows none", () => {
    const { tips: _, ...noTips } = mug;
    const { other } = invoiceFor(cardOrder(), noTips, context());
    expect(other).not.toHaveProperty("max_tip_amount");
    expect(other).not.toHaveProperty("suggested_tip_amounts");
    expect(other.provider_token).toBe(TOKEN);
  });

  it("names the quantity in the price label but not in the title", () => {
    const invoice = invoiceFor(cardOrder({ quantity: 3, amount: 2997n }), mug, context());
    expect(invoice.title).toBe("TON mug");
    expect(invoice.prices).toEqual([{ label: "TON mug × 3", amount: 2997 }]);
  });

  it("labels a single item with the bare title", () => {
    const [price] = invoiceFor(cardOrder({ quantity: 1 }), mug, context()).prices;
    expect(price?.label).toBe("TON mug");
    expect(price?.label).not.toContain("×");
  });
});

describe("invoiceFor: Telegram's text limits", () => {
  it("keeps the example guide's title whole: it fits Telegram's 32 characters", () => {
    const order = starsOrder({ productId: "ton-guide", amount: 150n });
    const invoice = invoiceFor(order, guide, context());
    expect(invoice.title).toBe("TON Developer's Guide (e-book)");
    expect(invoice.prices[0]?.label).toBe("TON Developer's Guide (e-book)");
  });

  it("never cuts a character in half when clipping", () => {
    const invoice = invoiceFor(starsOrder(), titled(`${"a".repeat(30)}😀😀`), context());
    expect(invoice.title).toBe(`${"a".repeat(30)}…`);
  });

  it("keeps the quantity in the price label when the title is long", () => {
    const order = starsOrder({ quantity: 2, amount: 300n });
    const invoice = invoiceFor(order, titled("T".repeat(30)), context());
    expect(invoice.prices[0]?.label).toBe(`${"T".repeat(27)}… × 2`);
    expect(invoice.prices[0]?.label).toHaveLength(32);
  });

  it("clips a long title and its label to exactly 32 characters ending in …", () => {
    const long = "A".repeat(20) + "B".repeat(20);
    const invoice = invoiceFor(starsOrder(), titled(long), context());
    expect(invoice.title).toBe(`${"A".repeat(20)}${"B".repeat(11)}…`);
    expect(invoice.title).toHaveLength(32);
    expect(invoice.prices[0]?.label).toBe(invoice.title);
  });

  it("keeps a title of exactly 32 characters whole", () => {
    const exact = "x".repeat(32);
    const invoice = invoiceFor(starsOrder(), titled(exact), context());
    expect(invoice.title).toBe(exact);
    expect(invoice.prices[0]?.label).toBe(exact);
  });

  it("keeps a label of exactly 32 characters with its quantity", () => {
    const title = "t".repeat(28);
    const invoice = invoiceFor(
      starsOrder({ quantity: 7, amount: 1750n }),
      titled(title),
      context(),
    );
    expect(invoice.prices[0]?.label).toBe(`${title} × 7`);
    expect(invoice.prices[0]?.label).toHaveLength(32);
  });

  it("clips a long description to exactly 255 characters ending in …", () => {
    const description = `${"d".repeat(254)}EXTRA TEXT`;
    const invoice = invoiceFor(starsOrder(), titled("Key", description), context());
    expect(invoice.description).toBe(`${"d".repeat(254)}…`);
    expect(invoice.description).toHaveLength(255);
  });

  it("keeps a description of exactly 255 characters whole", () => {
    const description = "d".repeat(255);
    const invoice = invoiceFor(starsOrder(), titled("Key", description), context());
    expect(invoice.description).toBe(description);
  });
});

describe("invoiceFor: language", () => {
  it.each([
    ["ru", "Кружка TON", "Синяя керамическая кружка, 350 мл. Доставка по всему миру."],
    ["zh", "TON 马克杯", "蓝色陶瓷马克杯，350 毫升。全球配送。"],
    ["en", "TON mug", "A blue ceramic mug, 350 ml. Shipped worldwide."],
  ])("writes the invoice in %s", (locale, title, description) => {
    const invoice = invoiceFor(cardOrder({ quantity: 2, amount: 1998n }), mug, context({ locale }));
    expect(invoice.title).toBe(title);
    expect(invoice.description).toBe(description);
    expect(invoice.prices[0]?.label).toBe(`${title} × 2`);
  });

  it("falls back to English for a language the catalog has no text in", () => {
    const invoice = invoiceFor(cardOrder(), mug, context({ locale: "de" }));
    expect(invoice.title).toBe("TON mug");
    expect(invoice.description).toBe("A blue ceramic mug, 350 ml. Shipped worldwide.");
  });

  it("falls back to English field by field when only part is translated", () => {
    const partly: Product = {
      ...vpnKey,
      title: { en: "VPN key", ru: "Ключ VPN" },
      description: { en: "One key." },
    };
    const invoice = invoiceFor(starsOrder(), partly, context({ locale: "ru" }));
    expect(invoice.title).toBe("Ключ VPN");
    expect(invoice.description).toBe("One key.");
  });
});

describe("invoiceFor: orders that cannot be invoiced", () => {
  it("refuses a TON order, which is paid by transfer, not by invoice", () => {
    const ton = cardOrder({ method: "ton", currency: "TON", amount: 3_250_000_000n });
    expect(() => invoiceFor(ton, mug, context())).toThrow(/cannot be paid by invoice.*ton/);
  });

  it("refuses a card order when the shop has no provider token", () => {
    expect(() => invoiceFor(cardOrder(), mug, context({ providerToken: undefined }))).toThrow(
      /ord-7K3M9Q2D cannot be paid by invoice/,
    );
    expect(() => invoiceFor(cardOrder(), mug, context({ providerToken: "" }))).toThrow(
      /cannot be paid by invoice/,
    );
  });
});

describe("invoiceFor: where the terms of sale are", () => {
  const note = "Terms of sale: https://example.com/terms";

  it("puts the note under the description when both fit whole in 255 characters", () => {
    const invoice = invoiceFor(starsOrder(), titled("Key", "A key."), context({ termsNote: note }));
    expect(invoice.description).toBe(`A key.\n\n${note}`);
  });

  it("leaves the note out rather than cut the product's description", () => {
    const long = "x".repeat(255 - note.length - 1);
    const invoice = invoiceFor(starsOrder(), titled("Key", long), context({ termsNote: note }));
    expect(invoice.description).toBe(long);
    const longest = "y".repeat(300);
    const clipped = invoiceFor(starsOrder(), titled("Key", longest), context({ termsNote: note }));
    expect(clipped.description).toHaveLength(255);
    expect(clipped.description).not.toContain("Terms");
  });
});
