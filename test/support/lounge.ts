import { type EmulatedUser, startTelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { Api } from "grammy";
import { parseCatalog } from "../../src/catalog/catalog.js";
import type { Order } from "../../src/orders/order.js";
import { testRedis } from "./redis.js";
import { shop } from "./shop.js";

const DAY = 86_400_000;

/** A subscription product of the lounge's catalog; each gives access to the lounge. */
export interface LoungeProduct {
  id: string;
  title: string;
  description: string;
  stars: string;
  delivery?: { type: "text"; text: string };
}

/**
 * The Bot API emulator with a private supergroup, "The Lounge", that the bot administers; a
 * buyer, Lou, in it or not; and a shop on a fresh Redis prefix whose catalog sells a
 * subscription to it, "lounge" for 100 ⭐, and `products` besides. Everything it starts goes
 * on `cleanups`.
 */
export async function loungeWorld(options: {
  loungeId: number;
  cleanups: (() => Promise<unknown>)[];
  products?: LoungeProduct[];
  /** Where Lou stands in the lounge from the start. */
  buyerIs?: "member" | "administrator";
}) {
  const { loungeId, cleanups } = options;
  const emulator = await startTelegramEmulator();
  cleanups.push(() => emulator.close());
  const { redis, prefix } = testRedis();
  cleanups.push(() => redis.quit());
  const { store, payments } = shop(redis, prefix);
  const buyer: EmulatedUser = emulator.user({ firstName: "Lou" });
  const lounge = emulator.group({
    id: loungeId,
    supergroup: true,
    title: "The Lounge",
    botIsAdmin: true,
    members: options.buyerIs === "member" ? [buyer] : [],
    admins: options.buyerIs === "administrator" ? [buyer] : [],
  });
  const products = [
    { id: "lounge", title: "The Lounge", description: "A private group.", stars: "100" },
    ...(options.products ?? []),
  ];
  const catalog = parseCatalog(
    {
      products: products.map(({ stars, ...product }) => ({
        ...product,
        kind: "subscription",
        prices: { stars },
        access: { chatId: loungeId },
      })),
    },
    { fiatCurrency: "USD" },
  );
  const api = new Api(emulator.token, { apiRoot: emulator.apiRoot });

  /**
   * Period `period` of Lou's subscription to `productId`, paid by its own charge as Telegram's
   * update brings it, until `until` (by default `period` months from now): on `orderId`, or
   * on a new order.
   */
  async function paidPeriod(
    orderId: string | undefined,
    period: number,
    options: { productId?: string; until?: number } = {},
  ): Promise<Order> {
    const id =
      orderId ??
      (
        await store.create({
          userId: buyer.id,
          chatId: buyer.id,
          productId: options.productId ?? "lounge",
          quantity: 1,
          method: "stars",
          currency: "XTR",
          amount: 100n,
          lang: "en",
          ttlMs: 30 * 60_000,
        })
      ).id;
    const { order } = await payments.recordPayment(id, {
      key: `stars:${id}:${period}`,
      method: "stars",
      currency: "XTR",
      amount: 100n,
      receivedAt: Date.now(),
      reference: { telegramChargeId: `${id}:${period}` },
      period: { until: options.until ?? Date.now() + period * 30 * DAY },
    });
    return order;
  }

  return { emulator, redis, prefix, store, payments, buyer, lounge, catalog, api, paidPeriod };
}
