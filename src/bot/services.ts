import type { Address } from "@ton/core";
import type { Redis } from "ioredis";
import type { Catalog, PaymentMethod } from "../catalog/catalog.js";
import type { Logger } from "../log.js";
import type { OrderStore } from "../orders/store.js";

/** What the bot's features need from the rest of the shop. */
export interface ShopServices {
  catalog: Catalog;
  store: OrderStore;
  redis: Redis;
  prefix: string;
  merchantAddress: Address;
  testnet: boolean;
  orderTtlMs: number;
  /** Methods the bot can take payment in; a product shows only these. */
  payMethods: readonly PaymentMethod[];
  log: Logger;
}

/** Where the bot remembers which message told a buyer how to pay, to reply to it later. */
export function paymentMessageKey(prefix: string, orderId: string): string {
  return `${prefix}ui:payment-message:${orderId}`;
}
