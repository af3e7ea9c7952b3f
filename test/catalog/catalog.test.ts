import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CatalogError, loadCatalog, parseCatalog, priceOf } from "../../src/catalog/catalog.js";

const options = { fiatCurrency: "USD" };

function fail(): never {
  throw new Error("mug missing");
}

function product(overrides: Record<string, unknown> = {}) {
  return {
    id: "mug",
    kind: "physical",
    title: "Mug",
    description: "A mug",
    prices: { ton: "3.25", fiat: "9.99" },
    delivery: { type: "text", text: "Thanks" },
    ...overrides,
  };
}

describe("catalog", () => {
  it("loads the example catalog with exact prices per method", async () => {
    const catalog = await loadCatalog("catalog.example.json", options);
    expect(catalog.products.length).toBeGreaterThanOrEqual(2);
    expect(catalog.products.some((p) => p.kind === "digital")).toBe(true);
    expect(catalog.products.some((p) => p.kind === "physical")).toBe(true);
    const mug = catalog.find("mug");
    expect(mug?.prices.ton).toEqual({ method: "ton", currency: "TON", amount: 3_250_000_000n });
    expect(mug?.prices.fiat).toEqual({ method: "fiat", currency: "USD", amount: 999n });
    expect(catalog.find("nope")).toBeUndefined();
  });

  it("reads the coin's price under gram, and under ton as older catalogs write it, for the method ton", () => {
    for (const prices of [{ gram: "3.25" }, { ton: "3.25" }]) {
      const mug = parseCatalog({ products: [product({ prices })] }, options).find("mug");
      expect(mug?.prices).toEqual({
        ton: { method: "ton", currency: "TON", amount: 3_250_000_000n },
      });
      expect(priceOf(mug ?? fail(), "ton", 2)?.amount).toBe(6_500_000_000n);
    }
  });

  it("multiplies the unit price by the quantity", () => {
    const catalog = parseCatalog({ products: [product({ maxQuantity: 5 })] }, options);
    const mug = catalog.find("mug");
    if (!mug) throw new Error("mug missing");
    expect(priceOf(mug, "ton", 3)?.amount).toBe(9_750_000_000n);
    expect(priceOf(mug, "stars", 1)).toBeUndefined();
  });

  it("accepts localized titles and falls back to a plain string as English", () => {
    const catalog = parseCatalog(
      { products: [product({ title: { en: "Mug", ru: "Кружка" } })] },
      options,
    );
    expect(catalog.find("mug")?.title).toEqual({ en: "Mug", ru: "Кружка" });
    expect(parseCatalog({ products: [product()] }, options).find("mug")?.title).toEqual({
      en: "Mug",
    });
  });

  it.each([
    [{ prices: { ton: "1.0000000001" } }, /price ton: .*more than 9 digits/],
    [{ prices: { ton: "abc" } }, /price ton/],
    [{ prices: { ton: "0" } }, /above zero/],
    [{ prices: { gram: "1.0000000001" } }, /price gram: .*more than 9 digits/],
    [{ prices: { gram: "0" } }, /price gram must be above zero/],
    [
      { prices: { gram: "3.25", ton: "3.25" } },
      /^catalog: products\.0\.prices\.gram and ton are the same price under its new and old name: keep only gram$/,
    ],
    [{ prices: {} }, /has no price/],
    [{ prices: { btc: "1" } }, /prices/],
    [{ id: "Bad Id" }, /products\.0\.id/],
    [{ kind: "digital", prices: { ton: "1" } }, /needs a Stars price/],
    [{ delivery: { type: "teleport" } }, /delivery/],
  ])("refuses a bad product %#", (overrides, message) => {
    expect(() => parseCatalog({ products: [product(overrides)] }, options)).toThrow(CatalogError);
    expect(() => parseCatalog({ products: [product(overrides)] }, options)).toThrow(message);
  });

  describe("USDT prices", () => {
    const usdtPrice = (text: unknown) =>
      parseCatalog({ products: [product({ prices: { usdt: text } })] }, options).find("mug")?.prices
        .usdt;

    it.each([
      ["12.5", 12_500_000n],
      ["0.000001", 1n],
      ["1", 1_000_000n],
      ["1.000000", 1_000_000n],
      ["0.1", 100_000n],
      ["19.99", 19_990_000n],
      // Past 2^53 millionths, still exact.
      ["9007199254.740993", 9_007_199_254_740_993n],
    ])("reads %s USDT as %s millionths, exactly", (text, amount) => {
      expect(usdtPrice(text)).toEqual({ method: "usdt", currency: "USDT", amount });
    });

    it.each([
      ["1.0000001", 'price usdt: "1.0000001" has more than 6 digits after the point'],
      ["-1", 'price usdt: "-1" is not a plain decimal number such as 1.5'],
      ["0", "price usdt must be above zero"],
      ["0.000000", "price usdt must be above zero"],
      ["1e3", 'price usdt: "1e3" is not a plain decimal number such as 1.5'],
      ["", 'price usdt: "" is not a plain decimal number such as 1.5'],
      [" 1", 'price usdt: " 1" has spaces around the number'],
      ["1 ", 'price usdt: "1 " has spaces around the number'],
      ["1,5", 'price usdt: "1,5" is not a plain decimal number such as 1.5'],
      ["$12", 'price usdt: "$12" is not a plain decimal number such as 1.5'],
      ["0x10", 'price usdt: "0x10" is not a plain decimal number such as 1.5'],
      [".5", 'price usdt: ".5" is not a plain decimal number such as 1.5'],
      ["Infinity", 'price usdt: "Infinity" is not a plain decimal number such as 1.5'],
    ])("refuses the USDT price %j in one line naming the product and field", (text, reason) => {
      expect(() => usdtPrice(text)).toThrow(new CatalogError(`catalog: product "mug" ${reason}`));
    });

    it("refuses a USDT price written as a JSON number, which would be a float", () => {
      expect(() => usdtPrice(12.5)).toThrow(/^catalog: products\.0\.prices\.usdt /);
    });

    it("sells one product in Gram, Stars and USDT, each price in its own base units", () => {
      const catalog = parseCatalog(
        {
          products: [
            product({
              id: "guide",
              kind: "digital",
              prices: { gram: "0.5", stars: "150", usdt: "2.99" },
            }),
            product({ id: "mug", prices: { usdt: "12.5", fiat: "9.99" }, maxQuantity: 3 }),
          ],
        },
        options,
      );
      expect(catalog.find("guide")?.prices).toEqual({
        ton: { method: "ton", currency: "TON", amount: 500_000_000n },
        stars: { method: "stars", currency: "XTR", amount: 150n },
        usdt: { method: "usdt", currency: "USDT", amount: 2_990_000n },
      });
      expect(priceOf(catalog.find("mug") ?? fail(), "usdt", 3)?.amount).toBe(37_500_000n);
    });

    it("still wants a Stars price beside USDT for digital goods (Telegram's rule)", () => {
      expect(() =>
        parseCatalog({ products: [product({ kind: "digital", prices: { usdt: "5" } })] }, options),
      ).toThrow('catalog: digital product "mug" needs a Stars price');
    });
  });

  describe("subscriptions", () => {
    const subscription = (overrides: Record<string, unknown> = {}) =>
      product({
        id: "club",
        kind: "subscription",
        prices: { stars: "250" },
        delivery: undefined,
        access: { chatId: -1001234567890 },
        ...overrides,
      });
    const parse = (overrides: Record<string, unknown> = {}) =>
      parseCatalog({ products: [subscription(overrides)] }, options).find("club");

    it("reads a Stars price per 30 days and what a subscriber gets: a chat to join, goods every period, or both", () => {
      expect(parse()).toMatchObject({
        kind: "subscription",
        prices: { stars: { method: "stars", currency: "XTR", amount: 250n } },
        access: { chatId: -1001234567890 },
        maxQuantity: 1,
      });
      expect(parse()?.delivery).toBeUndefined();
      const monthly = parse({ access: undefined, delivery: { type: "stock", pool: "vpn" } });
      expect(monthly).toMatchObject({ delivery: { type: "stock", pool: "vpn" } });
      expect(monthly?.access).toBeUndefined();
      expect(parse({ delivery: { type: "text", text: "Welcome" } })).toMatchObject({
        access: { chatId: -1001234567890 },
        delivery: { type: "text" },
      });
      expect(parse({ prices: { stars: "10000" } })?.prices.stars?.amount).toBe(10_000n);
    });

    it("keeps to Telegram's rules: Stars only, at most 10,000 a period, one at a time, no tips", () => {
      expect(() => parse({ prices: { stars: "250", gram: "1" } })).toThrow(
        'catalog: subscription "club" is paid in Stars only: give prices.stars, not ton',
      );
      expect(() => parse({ prices: { usdt: "5" } })).toThrow(
        'catalog: subscription "club" is paid in Stars only: give prices.stars, not usdt',
      );
      expect(() => parse({ prices: { stars: "10001" } })).toThrow(
        'catalog: subscription "club" prices.stars must be at most 10000 a period',
      );
      expect(() => parse({ maxQuantity: 2 })).toThrow(
        'catalog: subscription "club" maxQuantity must be 1',
      );
      expect(() => parse({ tips: { max: "5" } })).toThrow(
        'catalog: subscription "club" cannot take tips',
      );
    });

    it("wants something for the subscriber, and a chat as Telegram numbers it", () => {
      expect(() => parse({ access: undefined })).toThrow(
        'catalog: subscription "club" needs access (a chat to join), a delivery for every period, or both',
      );
      expect(() => parse({ access: { chatId: 12345 } })).toThrow(
        "catalog: products.0.access.chatId must be the numeric id of a channel or group, as -100…",
      );
      expect(() => parse({ access: { chatId: "@club" } })).toThrow(/products\.0\.access\.chatId/);
      expect(() => parse({ access: { chatId: -100, invite: true } })).toThrow(
        /products\.0\.access/,
      );
    });

    it("gives access to subscriptions only, and a delivery to every other product", () => {
      expect(() =>
        parseCatalog({ products: [product({ access: { chatId: -1001 } })] }, options),
      ).toThrow('catalog: product "mug" access is for subscriptions only (kind "subscription")');
      expect(() => parseCatalog({ products: [product({ delivery: undefined })] }, options)).toThrow(
        'catalog: product "mug" delivery is required',
      );
    });
  });

  it("refuses duplicate ids and an empty catalog", () => {
    expect(() => parseCatalog({ products: [product(), product()] }, options)).toThrow(
      /appears twice/,
    );
    expect(() => parseCatalog({ products: [] }, options)).toThrow(CatalogError);
  });

  it("names the file when it is missing or not JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "catalog-"));
    await expect(loadCatalog(join(dir, "missing.json"), options)).rejects.toThrow(
      /cannot read .*ENOENT/,
    );
    const broken = join(dir, "broken.json");
    await writeFile(broken, "{ not json");
    await expect(loadCatalog(broken, options)).rejects.toThrow(/is not valid JSON/);
  });

  it("finds a delivered file next to the catalog, and refuses one that is not there", async () => {
    const dir = await mkdtemp(join(tmpdir(), "catalog-"));
    await writeFile(join(dir, "guide.pdf"), "%PDF-1.4");
    const fileProduct = (path: string) =>
      product({ delivery: { type: "file", path }, prices: { ton: "1", stars: "10" } });
    const good = join(dir, "good.json");
    await writeFile(good, JSON.stringify({ products: [fileProduct("guide.pdf")] }));
    const catalog = await loadCatalog(good, options);
    expect(catalog.products[0]?.delivery).toEqual({ type: "file", path: join(dir, "guide.pdf") });

    const bad = join(dir, "bad.json");
    await writeFile(bad, JSON.stringify({ products: [fileProduct("gone.pdf")] }));
    await expect(loadCatalog(bad, options)).rejects.toThrow(
      /product "\w+" delivery.path: cannot read .*gone\.pdf/,
    );
  });
});

describe("the merchant's shop texts", () => {
  it("reads the shop's name, welcome, terms, support hours and delivery notes per language", () => {
    const catalog = parseCatalog(
      {
        shop: {
          name: { en: "Blue Mugs", ru: "Синие кружки" },
          welcome: "Hello from Blue Mugs!",
          terms: { version: "2026-12", text: { en: "No returns.", zh: "不退货。" } },
          supportHours: { en: "9-18 UTC, Mon-Fri" },
          deliveryNotes: "Ships in 3 days.",
        },
        products: [product()],
      },
      options,
    );
    expect(catalog.shop).toEqual({
      name: { en: "Blue Mugs", ru: "Синие кружки" },
      welcome: { en: "Hello from Blue Mugs!" },
      terms: { version: "2026-12", text: { en: "No returns.", zh: "不退货。" } },
      supportHours: { en: "9-18 UTC, Mon-Fri" },
      deliveryNotes: { en: "Ships in 3 days." },
    });
  });

  it("takes terms as a page when the merchant gives a URL", () => {
    const { shop } = parseCatalog(
      {
        shop: { terms: { version: "3", url: "https://shop.example/terms" } },
        products: [product()],
      },
      options,
    );
    expect(shop.terms).toEqual({ version: "3", url: "https://shop.example/terms" });
  });

  it("falls back to the bot's own texts and default terms when the catalog has no shop", () => {
    expect(parseCatalog({ products: [product()] }, options).shop).toEqual({
      terms: { version: "default" },
    });
  });

  it.each([
    [{ terms: { version: "1" } }, /shop\.terms .*needs a text, a url, or both/],
    [{ terms: { text: "No returns." } }, /shop\.terms\.version/],
    [{ terms: { version: "one two", text: "x" } }, /shop\.terms\.version must be 1-32/],
    [{ terms: { version: "1", url: "javascript:alert(1)" } }, /shop\.terms\.url must be an http/],
    [{ welcome: "" }, /shop\.welcome/],
    [{ welcome: { ru: "Привет" } }, /shop\.welcome/],
    [{ supportHours: { en: "9-18", ru: "" } }, /shop\.supportHours/],
    [{ motto: "Mugs!" }, /shop/],
  ])("names the field of a bad shop section %#", (shop, message) => {
    expect(() => parseCatalog({ shop, products: [product()] }, options)).toThrow(CatalogError);
    expect(() => parseCatalog({ shop, products: [product()] }, options)).toThrow(message);
  });
});
