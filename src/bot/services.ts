import type { Address } from "@ton/core";
import type { Catalog, PaymentMethod, Product } from "../catalog/catalog.js";
import type { StockPool } from "../fulfilment/stock.js";
import type { Logger } from "../log.js";
import type { OrderStore } from "../orders/store.js";
import type { TelegramPayments } from "../payments/telegram/service.js";
import type { TonConnectCheckout } from "../payments/tonconnect/checkout.js";
import type { RedisClient } from "../redis/client.js";
import { redisKeys } from "../redis/keys.js";

/** What the bot's features need from the rest of the shop. */
export interface ShopServices {
  catalog: Catalog;
  store: OrderStore;
  /** Keys left for products delivered from a stock pool. */
  stock: StockPool;
  redis: RedisClient;
  prefix: string;
  merchantAddress: Address;
  testnet: boolean;
  orderTtlMs: number;
  /** Methods the bot can take payment in; a product shows only these. */
  payMethods: readonly PaymentMethod[];
  /** Stars and card payments; absent when the bot takes TON only. */
  telegramPayments?: TelegramPayments;
  /** Paying from a wallet connected with TON Connect; absent without TONCONNECT_MANIFEST_URL. */
  wallets?: TonConnectCheckout;
  /** PAYMENT_PROVIDER_TOKEN, for card invoices. */
  providerToken?: string;
  log: Logger;
}

/** How many a buyer can still get: the pool's size for stock products, otherwise unlimited. */
export async function availableOf(services: ShopServices, product: Product): Promise<number> {
  const { delivery } = product;
  return delivery.type === "stock" ? services.stock.available(delivery.pool) : Infinity;
}

/** Where the bot remembers which message told a buyer how to pay, to reply to it later. */
export function paymentMessageKey(prefix: string, orderId: string): string {
  return redisKeys(prefix).paymentMessage(orderId);
}

/** Where the bot remembers the QR code message of a TON order, to redraw it for what is owed. */
export function paymentQrKey(prefix: string, orderId: string): string {
  return redisKeys(prefix).paymentQr(orderId);
}
