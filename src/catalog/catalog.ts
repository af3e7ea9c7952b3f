import { constants } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { localizedSchema as localized, type ShopTexts, shopSchema } from "./shop.js";
import { AmountFormatError, currencyDecimals, parseUnits } from "./units.js";

export type PaymentMethod = "ton" | "stars" | "fiat" | "usdt";
export const PAYMENT_METHODS: readonly PaymentMethod[] = ["ton", "stars", "fiat", "usdt"];

/**
 * Methods paid by a transfer on the TON chain to the merchant: found by the watcher through the
 * order's comment, and refunded by the merchant sending the money back from their wallet.
 */
export function paidOnChain(method: PaymentMethod): boolean {
  return method === "ton" || method === "usdt";
}

/** Text in the buyer's language, with English as the fallback. */
export type LocalizedText = { en: string } & Partial<Record<string, string>>;

export type Delivery =
  | { type: "text"; text: LocalizedText }
  | { type: "file"; path: string; caption?: LocalizedText }
  | { type: "stock"; pool: string };

export interface Price {
  method: PaymentMethod;
  currency: string;
  /** Base units per item: nanotons, millionths of a USDT, Stars, or fiat minor units. */
  amount: bigint;
}

export interface Product {
  id: string;
  /**
   * "subscription": paid in Stars every 30 days (Telegram's one period); what it gives is
   * `access`, `delivery` at the start of every paid period, or both.
   */
  kind: "digital" | "physical" | "subscription";
  title: LocalizedText;
  description: LocalizedText;
  prices: Partial<Record<PaymentMethod, Price>>;
  maxQuantity: number;
  /** What a buyer gets; every product but a subscription that gives access alone has one. */
  delivery?: Delivery;
  /**
   * A subscription's access: a private channel or supergroup the bot administers, joined with a
   * one-person invite link per period; the member is removed when the subscription ends.
   */
  access?: { chatId: number };
  /** Tips a card payer may add, in fiat minor units. */
  tips?: { max: bigint; suggested: bigint[] };
}

/** A way to ship physical goods bought by card; Telegram asks the buyer to pick one. */
export interface ShippingOption {
  id: string;
  title: LocalizedText;
  /** Fiat minor units, added to the invoice. */
  amount: bigint;
  /** ISO 3166-1 alpha-2 codes it reaches; absent = everywhere. */
  countries?: string[];
}

export interface Catalog {
  products: Product[];
  /** The merchant's own texts: name, welcome, terms, support hours, delivery notes. */
  shop: ShopTexts;
  /** Shipping options for physical goods paid by card; empty = no shipping step. */
  shipping: ShippingOption[];
  find(productId: string): Product | undefined;
}

export class CatalogError extends Error {
  override name = "CatalogError";
}

/** What a product id may be; buttons carry it, so it never holds the ":" they split on. */
export const PRODUCT_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;
/** The most of one product a buyer can order at once. */
export const MAX_QUANTITY = 1000;
/**
 * The most Stars a subscription may cost per period: Telegram's `stars_subscription_amount_max`,
 * 10,000 since February 2025 (the Bot API page still says 2,500 for channel links).
 */
export const MAX_SUBSCRIPTION_STARS = 10_000n;

const productSchema = z.object({
  id: z.string().regex(PRODUCT_ID, {
    error: "must be 1-40 lower-case letters, digits, _ or -",
  }),
  kind: z.enum(["digital", "physical", "subscription"]),
  title: localized,
  description: localized,
  // The coin's price is written under `gram`, its name since June 2026; `ton`, the name older
  // catalogs use, still reads. Either way the product is paid by the method `ton`.
  prices: z
    .object({
      gram: z.string().optional(),
      ton: z.string().optional(),
      stars: z.string().optional(),
      fiat: z.string().optional(),
      usdt: z.string().optional(),
    })
    .strict()
    .transform(({ gram, ton, ...rest }, ctx) => {
      if (gram !== undefined && ton !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["gram"],
          message: "and ton are the same price under its new and old name: keep only gram",
        });
        return z.NEVER;
      }
      // Errors about the price name the field as the merchant wrote it.
      return { ...rest, ton: gram ?? ton, coinField: gram !== undefined ? "gram" : "ton" };
    }),
  maxQuantity: z.number().int().min(1).max(MAX_QUANTITY).default(1),
  delivery: z
    .discriminatedUnion("type", [
      z.object({ type: z.literal("text"), text: localized }),
      z.object({
        type: z.literal("file"),
        path: z.string().min(1),
        caption: localized.optional(),
      }),
      z.object({ type: z.literal("stock"), pool: z.string().regex(/^[a-z0-9_-]{1,40}$/) }),
    ])
    .optional(),
  access: z
    .object({
      chatId: z
        .number()
        .int()
        .refine((id) => id < 0 && Number.isSafeInteger(id), {
          error: "must be the numeric id of a channel or group, as -100…",
        }),
    })
    .strict()
    .optional(),
  tips: z.object({ max: z.string(), suggested: z.array(z.string()).max(4).default([]) }).optional(),
});

const shippingSchema = z.object({
  id: z
    .string()
    .regex(/^[a-z0-9_-]{1,32}$/, { error: "must be 1-32 lower-case letters, digits, _ or -" }),
  title: localized,
  price: z.string(),
  countries: z
    .array(z.string().regex(/^[A-Z]{2}$/, { error: "must be ISO 3166-1 alpha-2 codes" }))
    .optional(),
});

const catalogSchema = z.object({
  shop: shopSchema,
  products: z.array(productSchema).min(1),
  shipping: z.array(shippingSchema).default([]),
});

export interface CatalogOptions {
  /** ISO 4217 code fiat prices are in (FIAT_CURRENCY). */
  fiatCurrency: string;
}

/** Validates a parsed catalog file; every error names the product and the field. */
export function parseCatalog(input: unknown, options: CatalogOptions): Catalog {
  const result = catalogSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.join(".") || "catalog";
    throw new CatalogError(`catalog: ${where} ${issue?.message ?? "is invalid"}`);
  }
  const seen = new Set<string>();
  const products = result.data.products.map((raw) => {
    if (seen.has(raw.id)) throw new CatalogError(`catalog: product "${raw.id}" appears twice`);
    seen.add(raw.id);
    const prices: Partial<Record<PaymentMethod, Price>> = {};
    for (const method of PAYMENT_METHODS) {
      const text = raw.prices[method];
      if (text === undefined) continue;
      const field = method === "ton" ? raw.prices.coinField : method;
      const currency = currencyOf(method, options.fiatCurrency);
      let amount: bigint;
      try {
        amount = parseUnits(exactText(method, text), currencyDecimals(currency));
      } catch (error) {
        const reason = error instanceof AmountFormatError ? error.message : String(error);
        throw new CatalogError(`catalog: product "${raw.id}" price ${field}: ${reason}`);
      }
      if (amount <= 0n) {
        throw new CatalogError(`catalog: product "${raw.id}" price ${field} must be above zero`);
      }
      prices[method] = { method, currency, amount };
    }
    if (Object.keys(prices).length === 0) {
      throw new CatalogError(`catalog: product "${raw.id}" has no price`);
    }
    // Telegram's rule: digital goods are sold in Stars; other methods only where listed too.
    if (raw.kind === "digital" && !prices.stars) {
      throw new CatalogError(`catalog: digital product "${raw.id}" needs a Stars price`);
    }
    if (raw.kind === "subscription") checkSubscription(raw, prices);
    else if (!raw.delivery) {
      throw new CatalogError(`catalog: product "${raw.id}" delivery is required`);
    } else if (raw.access) {
      throw new CatalogError(
        `catalog: product "${raw.id}" access is for subscriptions only (kind "subscription")`,
      );
    }
    const { tips: rawTips, ...rest } = raw;
    const product: Product = { ...rest, prices };
    if (rawTips) product.tips = parseTips(raw.id, rawTips, options.fiatCurrency);
    return product;
  });
  const fiatDecimals = () => currencyDecimals(options.fiatCurrency);
  const shipping = result.data.shipping.map((option) => {
    const amount = fiatAmount(`shipping "${option.id}" price`, option.price, fiatDecimals(), true);
    const { price: _, ...rest } = option;
    return { ...rest, amount } satisfies ShippingOption;
  });
  const byId = new Map(products.map((product) => [product.id, product]));
  return { products, shop: result.data.shop, shipping, find: (productId) => byId.get(productId) };
}

/**
 * Telegram's rules for a subscription: Stars only, at most MAX_SUBSCRIPTION_STARS a period, one
 * at a time, no tips; and it must give something, access or a delivery.
 */
function checkSubscription(
  raw: { id: string; maxQuantity: number; access?: unknown; delivery?: unknown; tips?: unknown },
  prices: Partial<Record<PaymentMethod, Price>>,
): void {
  const fail = (what: string) => {
    throw new CatalogError(`catalog: subscription "${raw.id}" ${what}`);
  };
  const others = PAYMENT_METHODS.filter((method) => method !== "stars" && prices[method]);
  if (others.length > 0 || !prices.stars) {
    fail(
      `is paid in Stars only: give prices.stars${others.length ? `, not ${others.join(", ")}` : ""}`,
    );
  }
  if ((prices.stars?.amount ?? 0n) > MAX_SUBSCRIPTION_STARS) {
    fail(`prices.stars must be at most ${MAX_SUBSCRIPTION_STARS} a period (Telegram's limit)`);
  }
  if (raw.maxQuantity !== 1) fail("maxQuantity must be 1: a buyer holds one subscription");
  if (raw.tips) fail("cannot take tips");
  if (!raw.access && !raw.delivery) {
    fail("needs access (a chat to join), a delivery for every period, or both");
  }
}

/** The currency a method's prices are in: its code in orders, events and exports. */
function currencyOf(method: PaymentMethod, fiatCurrency: string): string {
  switch (method) {
    case "ton":
      return "TON";
    case "usdt":
      return "USDT";
    case "stars":
      return "XTR";
    case "fiat":
      return fiatCurrency;
  }
}

/**
 * A USDT price as written, refused when anything surrounds the number. Older price fields
 * forgive spaces, and catalogs in use rely on that; USDT prices are read strictly from the start.
 */
function exactText(method: PaymentMethod, text: string): string {
  if (method === "usdt" && text.trim() !== text) {
    throw new AmountFormatError(`"${text}" has spaces around the number`);
  }
  return text;
}

function fiatAmount(where: string, text: string, decimals: number, zeroAllowed = false): bigint {
  let amount: bigint;
  try {
    amount = parseUnits(text, decimals);
  } catch (error) {
    const reason = error instanceof AmountFormatError ? error.message : String(error);
    throw new CatalogError(`catalog: ${where}: ${reason}`);
  }
  if (amount < 0n || (amount === 0n && !zeroAllowed)) {
    throw new CatalogError(`catalog: ${where} must be above zero`);
  }
  return amount;
}

/** Telegram's rules for tips: up to four suggestions, increasing, none above the maximum. */
function parseTips(productId: string, raw: { max: string; suggested: string[] }, currency: string) {
  const decimals = currencyDecimals(currency);
  const max = fiatAmount(`product "${productId}" tips.max`, raw.max, decimals);
  const suggested = raw.suggested.map((text, i) =>
    fiatAmount(`product "${productId}" tips.suggested.${i}`, text, decimals),
  );
  if (suggested.some((tip, i) => tip > max || (i > 0 && tip <= (suggested[i - 1] ?? 0n)))) {
    throw new CatalogError(
      `catalog: product "${productId}" tips.suggested must increase and stay within tips.max`,
    );
  }
  return { max, suggested };
}

export async function loadCatalog(path: string, options: CatalogOptions): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new CatalogError(
      `catalog: cannot read ${path} (${(error as NodeJS.ErrnoException).code})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CatalogError(`catalog: ${path} is not valid JSON (${(error as Error).message})`);
  }
  const catalog = parseCatalog(json, options);
  // Files are found next to the catalog, and checked now rather than at the first sale.
  for (const product of catalog.products) {
    const { delivery } = product;
    if (delivery?.type !== "file") continue;
    delivery.path = resolve(dirname(path), delivery.path);
    await access(delivery.path, constants.R_OK).catch(() => {
      throw new CatalogError(
        `catalog: product "${product.id}" delivery.path: cannot read ${delivery.path}`,
      );
    });
  }
  return catalog;
}

/** The price of `quantity` items, or undefined when the product is not sold that way. */
export function priceOf(
  product: Product,
  method: PaymentMethod,
  quantity: number,
): Price | undefined {
  const unit = product.prices[method];
  if (!unit) return undefined;
  return { ...unit, amount: unit.amount * BigInt(quantity) };
}
