import { Address } from "@ton/core";
import type { InlineKeyboard } from "grammy";
import type { InlineKeyboardButton } from "grammy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buyData,
  checkOrderData,
  languageData,
  productData,
  quantityData,
  shopData,
} from "../../src/bot/callback-data.js";
import { createI18n, LOCALES } from "../../src/bot/i18n.js";
import {
  catalogKeyboard,
  languageKeyboard,
  productKeyboard,
  tonPaymentKeyboard,
} from "../../src/bot/keyboards.js";
import {
  type Catalog,
  loadCatalog,
  PAYMENT_METHODS,
  type Product,
  parseCatalog,
  priceOf,
} from "../../src/catalog/catalog.js";
import type { Order } from "../../src/orders/order.js";
import { displayAddress } from "../../src/payments/ton/links.js";
import { testRedis } from "../support/redis.js";
import { shop, TON, tonOrder } from "../support/shop.js";

const CATALOG = new URL("../../catalog.example.json", import.meta.url).pathname;
const merchant = Address.parseRaw(`0:${"ab".repeat(32)}`);
const i18n = createI18n();
const translator = (locale: string) => (key: string, variables?: Record<string, string | number>) =>
  i18n.t(locale, key, variables);
const t = translator("en");

/** Rows as Telegram shows them; grammY leaves an empty row after a trailing .row(). */
function rows(keyboard: InlineKeyboard): InlineKeyboardButton[][] {
  return keyboard.inline_keyboard.filter((row) => row.length > 0);
}

function dataOf(button: InlineKeyboardButton | undefined): string {
  if (!button || !("callback_data" in button)) throw new Error("not a callback button");
  return button.callback_data;
}

function urlOf(button: InlineKeyboardButton | undefined): string {
  if (!button || !("url" in button)) throw new Error("not a URL button");
  return button.url;
}

function allCallbackData(keyboard: InlineKeyboard): string[] {
  return keyboard.inline_keyboard
    .flat()
    .flatMap((button) => ("callback_data" in button ? [button.callback_data] : []));
}

let catalog: Catalog;
let mug: Product;
let guide: Product;

beforeAll(async () => {
  catalog = await loadCatalog(CATALOG, { fiatCurrency: "USD" });
  mug = catalog.find("mug") as Product;
  guide = catalog.find("ton-guide") as Product;
});

describe("catalogKeyboard", () => {
  it("lists every product on its own row, in catalog order, titled in the buyer's language", () => {
    const shown = rows(catalogKeyboard(catalog.products, "ru"));
    expect(shown.map((row) => row.length)).toEqual(catalog.products.map(() => 1));
    expect(shown.map((row) => row[0]?.text)).toEqual([
      "Руководство разработчика TON (электронная книга)",
      "Ключ доступа VPN, 30 дней",
      "Кружка TON",
      "Клуб разработчиков TON",
    ]);
    expect(shown.map((row) => productData.read(dataOf(row[0]))?.id)).toEqual([
      "ton-guide",
      "vpn-key",
      "mug",
      "builders-club",
    ]);
  });

  it("falls back to the English title for a language the catalog lacks", () => {
    const shown = rows(catalogKeyboard(catalog.products, "de"));
    expect(shown.map((row) => row[0]?.text)).toEqual(catalog.products.map((p) => p.title.en));
  });
});

describe("productKeyboard", () => {
  it("shows −, the quantity and + around the chosen quantity", () => {
    const [quantityRow] = rows(productKeyboard(mug, 3, ["ton", "fiat"], t));
    expect(quantityRow?.map((button) => button.text)).toEqual(["−", "3", "+"]);
    expect(quantityData.read(dataOf(quantityRow?.[0]))).toEqual({ id: "mug", quantity: 2 });
    expect(productData.read(dataOf(quantityRow?.[1]))).toEqual({ id: "mug" });
    expect(quantityData.read(dataOf(quantityRow?.[2]))).toEqual({ id: "mug", quantity: 4 });
  });

  it("never offers fewer than 1 or more than the product's maxQuantity", () => {
    expect(mug.maxQuantity).toBe(5);
    for (let quantity = 1; quantity <= mug.maxQuantity; quantity++) {
      const [quantityRow] = rows(productKeyboard(mug, quantity, ["ton"], t));
      const less = quantityData.read(dataOf(quantityRow?.[0]))?.quantity;
      const more = quantityData.read(dataOf(quantityRow?.[2]))?.quantity;
      expect(less, `− at ${quantity}`).toBe(Math.max(1, quantity - 1));
      expect(more, `+ at ${quantity}`).toBe(Math.min(mug.maxQuantity, quantity + 1));
    }
    const atOne = rows(productKeyboard(mug, 1, ["ton"], t))[0];
    const atMax = rows(productKeyboard(mug, 5, ["ton"], t))[0];
    expect(quantityData.read(dataOf(atOne?.[0]))?.quantity).toBe(1);
    expect(quantityData.read(dataOf(atMax?.[2]))?.quantity).toBe(5);
  });

  it("has no quantity row for a product sold one at a time", () => {
    expect(guide.maxQuantity).toBe(1);
    const shown = rows(productKeyboard(guide, 1, ["ton", "stars"], t));
    expect(shown.map((row) => row.map((button) => button.text))).toEqual([
      ["Pay with Gram (TON)"],
      ["Pay with Telegram Stars"],
      ["« Back"],
    ]);
  });

  it("offers one pay button per method, in order, carrying product, quantity and method", () => {
    const shown = rows(productKeyboard(mug, 4, ["ton", "fiat"], t));
    const payRows = shown.slice(1, -1);
    expect(payRows.map((row) => row.length)).toEqual([1, 1]);
    expect(payRows.map((row) => row[0]?.text)).toEqual(["Pay with Gram (TON)", "Pay with Card"]);
    expect(payRows.map((row) => buyData.read(dataOf(row[0])))).toEqual([
      { id: "mug", quantity: 4, method: "ton" },
      { id: "mug", quantity: 4, method: "fiat" },
    ]);
  });

  it("labels the buttons in the buyer's language", () => {
    const shown = rows(productKeyboard(mug, 1, ["fiat"], translator("ru")));
    expect(shown.slice(1).map((row) => row[0]?.text)).toEqual(["Оплатить: Карта", "« Назад"]);
  });

  it("ends with a Back button to the catalog", () => {
    const shown = rows(productKeyboard(mug, 2, ["ton"], t));
    const back = shown.at(-1);
    expect(back?.map((button) => button.text)).toEqual(["« Back"]);
    expect(shopData.read(dataOf(back?.[0]))).toEqual({});
  });
});

describe("tonPaymentKeyboard", () => {
  const { redis, prefix } = testRedis();
  let order: Order;

  beforeAll(async () => {
    const price = priceOf(mug, "ton", 5);
    order = await shop(redis, prefix).store.create(
      tonOrder({ productId: "mug", quantity: 5, amount: price?.amount ?? 0n }),
    );
  });
  afterAll(async () => {
    await redis.quit();
  });

  it("opens Tonkeeper with the merchant address, the amount in nanotons and the comment", () => {
    // Five mugs at 3.25 TON.
    expect(order.amount).toBe((5n * 325n * TON) / 100n);
    expect(order.comment).toMatch(/^TP-[0-9A-Z]{8}$/);
    const [tonkeeper] = rows(tonPaymentKeyboard(order, merchant, false, t));
    expect(tonkeeper?.map((button) => button.text)).toEqual(["Open in Tonkeeper"]);
    const link = new URL(urlOf(tonkeeper?.[0]));
    expect(link.origin).toBe("https://app.tonkeeper.com");
    const shownAddress = link.pathname.replace("/transfer/", "");
    expect(shownAddress).toBe(displayAddress(merchant, false));
    expect(Address.parse(shownAddress).equals(merchant)).toBe(true);
    expect(link.searchParams.get("amount")).toBe("16250000000");
    expect(link.searchParams.get("text")).toBe(order.comment);
  });

  it("asks Tonkeeper for only the rest of an order paid in part", () => {
    const underpaid = { ...order, paid: 10_000_000_000n, exceptions: ["underpaid" as const] };
    const [tonkeeper] = rows(tonPaymentKeyboard(underpaid, merchant, false, t));
    const link = new URL(urlOf(tonkeeper?.[0]));
    expect(link.searchParams.get("amount")).toBe("6250000000");
    expect(link.searchParams.get("text")).toBe(order.comment);
  });

  it("offers Telegram Wallet on mainnet", () => {
    const shown = rows(tonPaymentKeyboard(order, merchant, false, t));
    expect(shown.map((row) => row.map((button) => button.text))).toEqual([
      ["Open in Tonkeeper"],
      ["Telegram Wallet"],
      ["I have paid"],
    ]);
    expect(urlOf(shown[1]?.[0])).toBe("https://t.me/wallet");
  });

  it("leaves Telegram Wallet out on testnet and gives Tonkeeper the testnet address", () => {
    const shown = rows(tonPaymentKeyboard(order, merchant, true, t));
    expect(shown.map((row) => row.map((button) => button.text))).toEqual([
      ["Open in Tonkeeper"],
      ["I have paid"],
    ]);
    expect(shown.flat().some((button) => "url" in button && button.url.includes("t.me"))).toBe(
      false,
    );
    const address = new URL(urlOf(shown[0]?.[0])).pathname.replace("/transfer/", "");
    expect(address).toMatch(/^0Q/);
    expect(Address.parseFriendly(address).isTestOnly).toBe(true);
    expect(Address.parse(address).equals(merchant)).toBe(true);
  });

  it("has an 'I have paid' button that names this order", () => {
    for (const testnet of [false, true]) {
      const check = rows(tonPaymentKeyboard(order, merchant, testnet, t)).at(-1)?.[0];
      expect(check?.text).toBe("I have paid");
      expect(checkOrderData.read(dataOf(check))).toEqual({ orderId: order.id });
    }
  });

  it("fits every button's callback data in Telegram's 64 bytes", async () => {
    // The longest ids and quantities the catalog accepts.
    const widest = parseCatalog(
      {
        products: [
          {
            id: "a".repeat(40),
            kind: "physical",
            title: "Widest",
            description: "The longest id and quantity the catalog allows",
            prices: { ton: "1", stars: "1", fiat: "1" },
            maxQuantity: 1000,
            delivery: { type: "text", text: "ok" },
          },
        ],
      },
      { fiatCurrency: "USD" },
    );
    const data: string[] = [];
    for (const c of [catalog, widest]) {
      data.push(...allCallbackData(catalogKeyboard(c.products, "en")));
      for (const product of c.products) {
        for (const quantity of [1, 2, product.maxQuantity - 1, product.maxQuantity]) {
          if (quantity < 1) continue;
          data.push(...allCallbackData(productKeyboard(product, quantity, PAYMENT_METHODS, t)));
        }
      }
    }
    data.push(...allCallbackData(tonPaymentKeyboard(order, merchant, false, t)));
    data.push(...allCallbackData(languageKeyboard(LOCALES, {})));

    expect(data).toContain(`buy:${"a".repeat(40)}:stars:1000`);
    const kinds = [buyData, checkOrderData, languageData, productData, quantityData, shopData];
    for (const packed of data) {
      expect(Buffer.byteLength(packed, "utf8"), packed).toBeGreaterThan(0);
      expect(Buffer.byteLength(packed, "utf8"), packed).toBeLessThanOrEqual(64);
      // Every button reads back: none is answered as stale the moment it is pressed.
      expect(
        kinds.some((kind) => kind.read(packed) !== undefined),
        packed,
      ).toBe(true);
    }
  });
});

describe("languageKeyboard", () => {
  it("offers each language under its own name, one button each", () => {
    const names = Object.fromEntries(LOCALES.map((code) => [code, i18n.t(code, "language-name")]));
    const buttons = rows(languageKeyboard(LOCALES, names)).flat();
    expect(buttons.map((button) => button.text)).toEqual(["English", "Русский", "简体中文"]);
    expect(buttons.map((button) => languageData.read(dataOf(button))?.code)).toEqual([
      "en",
      "ru",
      "zh",
    ]);
  });

  it("shows the code when a language has no name", () => {
    const buttons = rows(languageKeyboard(LOCALES, { en: "English" })).flat();
    expect(buttons.map((button) => button.text)).toEqual(["English", "ru", "zh"]);
  });
});
