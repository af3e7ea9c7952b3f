import { createCallbackData } from "callback-data";
import { Composer, type Filter, type Middleware } from "grammy";
import { z } from "zod";
import { MAX_QUANTITY, PAYMENT_METHODS, PRODUCT_ID } from "../catalog/catalog.js";
import { TERMS_VERSION } from "../catalog/shop.js";
import type { BotContext } from "./context.js";
import { LOCALES } from "./i18n.js";

/** Telegram's limit on a button's callback_data; no button of ours carries more. */
const MAX_DATA_BYTES = 64;

type Fields = Record<string, z.ZodType<unknown, string>>;

/** The values a kind of button carries, e.g. `ButtonValues<typeof buyData>`. */
export type ButtonValues<B> = B extends ButtonData<infer V> ? V : never;

/** One kind of button: the data it carries, written and read back. */
export interface ButtonData<V> {
  /** The callback_data of a button carrying `values`. */
  pack(values: V): string;
  /** The values `data` carries, or undefined when no button of ours could carry it. */
  read(data: string): V | undefined;
}

/**
 * Callback data with `prefix` and `fields`: the callback-data package packs and splits it, every
 * field travels as text, and zod reads it back. Telegram passes on whatever data a client sends
 * ("the message … can contain no callback buttons with this data"), so reading never throws:
 * an old keyboard's data, a number that is not a whole one in range, a missing or extra field
 * all read as undefined.
 */
function buttonData<F extends Fields>(
  prefix: string,
  fields: F,
): ButtonData<z.output<z.ZodObject<F>>> {
  const text = createCallbackData(
    prefix,
    Object.fromEntries(Object.keys(fields).map((name) => [name, String])),
  );
  const shape = z.object(fields);
  return {
    // Numbers are written with toString, as the package writes them.
    pack: (values) => text.pack(values as Record<string, string>),
    read(data) {
      // Every press passes every kind of button on its way: another kind is told by its prefix
      // alone, without the exception the package's unpack would throw for it.
      if (data !== prefix && !data.startsWith(`${prefix}:`)) return undefined;
      if (Buffer.byteLength(data, "utf8") > MAX_DATA_BYTES) return undefined;
      let raw: Record<string, string>;
      try {
        raw = text.unpack(data);
      } catch {
        return undefined; // another prefix, or a field too many or too few
      }
      const parsed = shape.safeParse(raw);
      return parsed.success ? parsed.data : undefined;
    },
  };
}

const productId = z.string().regex(PRODUCT_ID);
/** Digits only, no sign, point, exponent or leading zero; then within the catalog's bound. */
const quantity = z
  .string()
  .regex(/^[1-9][0-9]{0,6}$/)
  .transform(Number)
  .pipe(z.number().int().max(MAX_QUANTITY));
/** An order id as a button names it; whether that order exists is the store's to say. */
const orderId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/);

/** Everything a button can say. Users can send any callback data, so handlers re-check it all. */
export const productData = buttonData("product", { id: productId });
export const quantityData = buttonData("qty", { id: productId, quantity });
export const buyData = buttonData("buy", {
  id: productId,
  quantity,
  method: z.enum(PAYMENT_METHODS),
});
export const checkOrderData = buttonData("check", { orderId });
export const languageData = buttonData("lang", { code: z.enum(LOCALES) });
export const shopData = buttonData("shop", {});
/**
 * "I agree" under the terms of sale: the version shown, and the purchase waiting for it ("" from
 * /terms, where none waits). The purchase itself stays in the session: with a 40-character
 * product id it would not fit in 64 bytes.
 */
export const agreeData = buttonData("agree", {
  version: z.string().regex(TERMS_VERSION),
  ref: z.union([z.literal(""), z.string().regex(/^[0-9a-z]{8}$/)]),
});
/** The buttons under /start's welcome, each doing what its command does. */
export const menuData = buttonData("menu", {
  open: z.enum(["shop", "orders", "wallet", "help", "support"]),
});
export const adminData = buttonData("adm", {
  view: z.enum([
    "menu",
    "balances",
    "sales",
    "orders",
    "exceptions",
    "export",
    "health",
    "tickets",
  ]),
});
/** Closes a support ticket: the buyer's own, or any, pressed by an admin. */
export const ticketData = buttonData("ticket", {
  close: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/)
    .transform(Number),
});
/** TON Connect: connect, pay (an order) or disconnect; orderId is "" when there is none. */
export const walletData = buttonData("wallet", {
  action: z.enum(["connect", "pay", "disconnect"]),
  orderId: z.union([z.literal(""), orderId]),
});

/** /subscriptions: stop a subscription's renewal, or let the buyer turn it back on. */
export const subscriptionData = buttonData("sub", {
  action: z.enum(["cancel", "renew"]),
  orderId,
});

export type Press = Filter<BotContext, "callback_query:data">;

/**
 * Handles presses of buttons carrying `data` (and, given `where`, only those whose values match
 * it) with the values read. Data that does not read goes on, to the bot's one answer for stale
 * and forged buttons.
 */
export function onPress<V extends Record<string, unknown>>(
  data: ButtonData<V>,
  where: Partial<V>,
  handler: (ctx: Press, values: V) => unknown,
): Middleware<BotContext> {
  const composer = new Composer<BotContext>();
  composer.on("callback_query:data", async (ctx, next) => {
    const values = data.read(ctx.callbackQuery.data);
    const matches =
      values !== undefined && Object.entries(where).every(([name, want]) => values[name] === want);
    if (matches) await handler(ctx, values);
    else await next();
  });
  return composer;
}
