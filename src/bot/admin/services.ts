import type { Address } from "@ton/core";
import type { AuditLog } from "../../admin/audit.js";
import type { ShopReports } from "../../admin/reports.js";
import type { Catalog } from "../../catalog/catalog.js";
import type { Logger } from "../../log.js";
import type { OrderStore } from "../../orders/store.js";
import type { PaymentsCore } from "../../payments/core.js";
import type { TelegramPayments } from "../../payments/telegram/service.js";
import type { ToncenterClient } from "../../payments/ton/client.js";
import type { UnmatchedPayments } from "../../payments/unmatched.js";
import type { RedisClient } from "../../redis/client.js";

/** What the merchant's side of the bot needs. */
export interface AdminServices {
  adminIds: readonly number[];
  /** The admins' group (ADMIN_CHAT_ID), where /admin works as in a private chat; else none. */
  adminChatId?: number;
  redis: RedisClient;
  prefix: string;
  catalog: Catalog;
  store: OrderStore;
  payments: PaymentsCore;
  unmatched: UnmatchedPayments;
  reports: ShopReports;
  audit: AuditLog;
  telegramPayments: TelegramPayments;
  toncenter: ToncenterClient;
  merchantAddress: Address;
  testnet: boolean;
  log: Logger;
}
