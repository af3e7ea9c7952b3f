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

/**
 * Hands a paid order's goods to the buyer in their chat — a text, a file, or a key from a stock
 * pool (bound to the order, so a retry sends the same key) — followed by a receipt.
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
        const key = await this.stock.allocate(delivery.pool, order.id);
        if (key === undefined) throw new OutOfStock(delivery.pool);
        await this.api.sendMessage(
          order.chatId,
          t("delivery-stock-key", { key: escapeHtml(key) }),
          {
            parse_mode: "HTML",
          },
        );
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
