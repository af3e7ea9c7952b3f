import type { I18n } from "@grammyjs/i18n";
import { type Api, InputFile } from "grammy";
import type { Catalog } from "../catalog/catalog.js";
import { type Deliverer, DeliveryRejected, OutOfStock } from "../fulfilment/deliverer.js";
import type { StockPool } from "../fulfilment/stock.js";
import type { Order } from "../orders/order.js";
import type { BotContext } from "./context.js";
import { currencyLabel, escapeHtml, formatAmount, formatTime } from "./format.js";
import { localized } from "./i18n.js";
import { recipientUnreachable } from "./unreachable.js";

type Translate = (key: string, variables?: Record<string, string | number>) => string;

/**
 * Hands a paid order's goods to the buyer in their chat — a text, a file, or one key per unit
 * from a stock pool (bound to the order, so a retry sends the same keys) — followed by a receipt.
 */
export class TelegramDeliverer implements Deliverer {
  readonly name = "telegram";

  constructor(
    private readonly api: Api,
    private readonly catalog: Catalog,
    private readonly stock: StockPool,
    private readonly i18n: I18n<BotContext>,
  ) {}

  async deliver(order: Order): Promise<void> {
    const product = this.catalog.find(order.productId);
    if (!product)
      throw new DeliveryRejected(`product ${order.productId} is no longer in the catalog`);
    const t = (key: string, variables?: Record<string, string | number>) =>
      this.i18n.t(order.lang, key, variables);
    try {
      const { delivery } = product;
      if (delivery.type === "text") {
        await this.api.sendMessage(order.chatId, localized(delivery.text, order.lang));
      } else if (delivery.type === "file") {
        const caption = delivery.caption ? localized(delivery.caption, order.lang) : undefined;
        await this.api.sendDocument(order.chatId, new InputFile(delivery.path), { caption });
      } else {
        // One item per unit bought, bound to the order: a retry sends the same ones again.
        const keys = await this.stock.allocate(delivery.pool, order.id, order.quantity);
        if (keys === undefined) throw new OutOfStock(delivery.pool, order.quantity);
        for (const text of stockMessages(keys, t)) {
          await this.api.sendMessage(order.chatId, text, { parse_mode: "HTML" });
        }
      }
      await this.api.sendMessage(
        order.chatId,
        t("receipt", {
          orderId: order.id,
          title: escapeHtml(localized(product.title, order.lang)),
          quantity: order.quantity,
          paid: formatAmount(charged(order), order.currency),
          currency: currencyLabel(order.currency),
          date: formatTime(order.paidAt ?? Date.now()),
        }),
        { parse_mode: "HTML" },
      );
    } catch (error) {
      if (recipientUnreachable(error)) {
        throw new DeliveryRejected(`Telegram refused delivery: ${error.description}`);
      }
      throw error;
    }
  }
}

/** Room left in a message for the keys, under Telegram's 4096 characters. */
const KEYS_PER_MESSAGE_CHARS = 3800;

/** A buyer's stock items: one line each, in as few messages as Telegram's length limit allows. */
export function stockMessages(keys: string[], t: Translate): string[] {
  if (keys.length === 1) return [t("delivery-stock-key", { key: escapeHtml(keys[0] ?? "") })];
  const chunks: string[][] = [[]];
  let size = 0;
  for (const key of keys) {
    const line = `<code>${escapeHtml(key)}</code>`;
    const current = chunks[chunks.length - 1] as string[];
    if (current.length > 0 && size + line.length + 1 > KEYS_PER_MESSAGE_CHARS) {
      chunks.push([line]);
      size = line.length;
    } else {
      current.push(line);
      size += line.length + 1;
    }
  }
  if (chunks.length === 1) {
    return [t("delivery-stock-keys", { count: keys.length, keys: chunks[0]?.join("\n") ?? "" })];
  }
  let from = 1;
  return chunks.map((lines) => {
    const text = t("delivery-stock-keys-part", {
      from,
      to: from + lines.length - 1,
      count: keys.length,
      keys: lines.join("\n"),
    });
    from += lines.length;
    return text;
  });
}

/** What the buyer was charged: the goods, plus any shipping and tip a card payment carried. */
function charged(order: Order): bigint {
  return order.payments.reduce((sum, payment) => {
    const total = payment.reference?.total;
    return (
      sum +
      (total !== undefined && payment.currency === order.currency ? BigInt(total) : payment.amount)
    );
  }, 0n);
}
