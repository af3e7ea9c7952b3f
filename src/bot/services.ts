import type { Address } from "@ton/core";
import type { AdminActions } from "../admin/actions.js";
import type { ShopHealth } from "../admin/health.js";
import type { ShopReports } from "../admin/reports.js";
import type { Catalog, PaymentMethod, Product } from "../catalog/catalog.js";
import type { Clock } from "../clock.js";
import type { StockPool } from "../fulfilment/stock.js";
import type { Logger } from "../log.js";
import type { Metrics } from "../metrics.js";
import type { PaymentMessages } from "../notices/payment-messages.js";
import type { WalletChats } from "../notices/wallet-chats.js";
import type { OrderStore } from "../orders/store.js";
import type { TelegramPayments } from "../payments/telegram/service.js";
import type { Subscriptions } from "../payments/telegram/subscriptions.js";
import type { ToncenterClient } from "../payments/ton/client.js";
import type { TonConnectCheckout } from "../payments/tonconnect/checkout.js";
import type { UnmatchedPayments } from "../payments/unmatched.js";
import type { RedisClient } from "../redis/client.js";
import type { SupportDesk } from "../support/desk.js";
import type { TermsAgreements } from "../support/terms.js";
import type { TicketStore } from "../support/tickets.js";
import type { Sessions } from "./sessions.js";

/** What the bot's features need from the rest of the shop. */
export interface ShopServices {
  catalog: Catalog;
  store: OrderStore;
  /** Keys left for products delivered from a stock pool. */
  stock: StockPool;
  redis: RedisClient;
  prefix: string;
  /** Sessions in Redis: UI state only, and the language each person picked. */
  sessions: Sessions;
  /** The messages that asked a buyer to pay, for the notices to reply to. */
  paymentMessages: PaymentMessages;
  /** Where each buyer used /wallet, so their wallet's doings are told there. */
  walletChats: WalletChats;
  merchantAddress: Address;
  /** The shop's USDT jetton master; absent while no product is priced in USDT. */
  usdtMaster?: Address;
  testnet: boolean;
  orderTtlMs: number;
  /**
   * Methods the bot can take payment in now; a product shows only these. USDT leaves them when
   * USDT_MASTER turns out not to be a jetton master.
   */
  payMethods(): readonly PaymentMethod[];
  /**
   * Whether the shop can give what a product promises now; one that is not is not offered. A
   * subscription's chat access only where start-up found the bot an administrator that may
   * invite and ban users.
   */
  deliverable(product: Product): boolean;
  /** Stars and card payments: invoices, pre-checkout, successful and refunded payments. */
  telegramPayments: TelegramPayments;
  /** Buyers' subscriptions, by product, and by when their access ends. */
  subscriptions: Subscriptions;
  /** Paying from a wallet connected with TON Connect; absent without TONCONNECT_MANIFEST_URL. */
  wallets?: TonConnectCheckout;
  /** Which terms of sale each buyer agreed to: nobody buys before agreeing to the current ones. */
  terms: TermsAgreements;
  /** Support tickets: buyers' messages to the admins and their answers back. */
  support: SupportDesk;
  /** PAYMENT_PROVIDER_TOKEN, for card invoices. */
  providerToken?: string;
  /** Update handling and pre-checkout answer times, and failed Bot API calls. */
  metrics?: Metrics;
  log: Logger;
}

/** What the merchant's side of the bot needs. */
export interface AdminServices {
  adminIds: readonly number[];
  /** The admins' group (ADMIN_CHAT_ID), where /admin works as in a private chat; else none. */
  adminChatId?: number;
  catalog: Catalog;
  unmatched: UnmatchedPayments;
  reports: ShopReports;
  /** Attach, release, resolve, refund, export: each written to the audit log. */
  actions: AdminActions;
  /** Support tickets, for the Tickets view. */
  tickets: TicketStore;
  /** Subscriptions, for their figures in the Sales view. */
  subscriptions: Subscriptions;
  /** Which of these Stars charge ids the shop holds: on an order, or kept as unmatched. */
  starsRecorded(chargeIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** What the watcher and the fulfilment worker say about themselves. */
  health(): Promise<ShopHealth>;
  toncenter: ToncenterClient;
  merchantAddress: Address;
  /** What our USDT jetton wallet holds, in millionths; absent while the shop sells no USDT. */
  usdtBalance?: () => Promise<bigint>;
  testnet: boolean;
  clock: Clock;
  log: Logger;
}
