import type { I18n } from "@grammyjs/i18n";
import { type Api, GrammyError, InputFile } from "grammy";
import { recipientUnreachable } from "../../bot/api/errors.js";
import type { BotContext } from "../../bot/context.js";
import { localized } from "../../bot/i18n.js";
import type { Catalog } from "../../catalog/catalog.js";
import { currencyLabel, escapeHtml, formatAmount, formatTime } from "../../notices/format.js";
import type { Order } from "../../orders/order.js";
import {
  type Deliverer,
  DeliveryFailed,
  DeliveryRejected,
  OutOfStock,
  periodStep,
} from "../deliverer.js";
import type { StockPool } from "../stock.js";

type Translate = (key: string, variables?: Record<string, string | number>) => string;

/** The one step of releases before goods and receipt were steps of their own: both were sent. */
const GOODS_AND_RECEIPT = "telegram";

/**
 * A paid order's steps in the buyer's chat: the goods — a text, a file, or the keys taken for it
 * from a stock pool (bound to the order, so a retry sends the same keys) — then a receipt. Each
 * message is a step of its own, so a retry never sends again one that went out.
 */
export class TelegramDelivery {
  constructor(
    private readonly api: Api,
    private readonly catalog: Catalog,
    private readonly stock: StockPool,
    private readonly i18n: I18n<BotContext>,
  ) {}

  /** The order's steps given those done: "stock" (keys taken), "goods", "goods:2"…, "receipt". */
  async steps(order: Order, done: ReadonlySet<string>): Promise<Deliverer[]> {
    const period = order.subscription?.periods ?? 1;
    if (period === 1 && done.has(GOODS_AND_RECEIPT)) return [];
    // A subscription's renewal is delivered anew: steps, and stock keys, of its own period.
    const step = (name: string) => periodStep(order, name);
    const holder = step(order.id);
    const product = this.catalog.find(order.productId);
    if (!product) {
      return [refused("goods", `product ${order.productId} is no longer in the catalog`)];
    }
    const t: Translate = (key, variables) => this.i18n.t(order.lang, key, variables);
    const { delivery } = product;
    const goods: Deliverer[] = [];
    // A subscription that gives access alone has no goods of its own.
    if (delivery?.type === "text") {
      const text = localized(delivery.text, order.lang);
      goods.push(this.message(step("goods"), () => this.api.sendMessage(order.chatId, text)));
    } else if (delivery?.type === "file") {
      const caption = delivery.caption ? localized(delivery.caption, order.lang) : undefined;
      goods.push(
        this.message(step("goods"), () =>
          this.api.sendDocument(order.chatId, new InputFile(delivery.path), { caption }),
        ),
      );
    } else if (delivery?.type === "stock") {
      const keys = await this.stock.issuedTo(delivery.pool, holder);
      if (keys.length < order.quantity) {
        // The keys come first: the messages that carry them are known once they are taken.
        if (done.has(step("stock"))) {
          return [refused(step("goods"), "the keys taken for this order are gone")];
        }
        return [this.take(order, delivery.pool, holder, step("stock"))];
      }
      stockMessages(keys, t).forEach((text, index) => {
        const name = step(index === 0 ? "goods" : `goods:${index + 1}`);
        goods.push(
          this.message(name, () =>
            this.api.sendMessage(order.chatId, text, { parse_mode: "HTML" }),
          ),
        );
      });
    }
    const subscription = order.subscription;
    const receipt = subscription
      ? t("receipt-period", {
          orderId: order.id,
          title: escapeHtml(localized(product.title, order.lang)),
          period,
          until: formatTime(subscription.paidUntil),
          // This period's charge: the last payment of the subscription's order.
          paid: formatAmount(order.payments.at(-1)?.amount ?? 0n, order.currency),
          currency: currencyLabel(order.currency),
          date: formatTime(order.paidAt ?? Date.now()),
        })
      : t("receipt", {
          orderId: order.id,
          title: escapeHtml(localized(product.title, order.lang)),
          quantity: order.quantity,
          paid: formatAmount(charged(order), order.currency),
          currency: currencyLabel(order.currency),
          date: formatTime(order.paidAt ?? Date.now()),
        });
    return [
      ...goods,
      this.message(step("receipt"), () =>
        this.api.sendMessage(order.chatId, receipt, { parse_mode: "HTML" }),
      ),
    ];
  }

  /**
   * One item per unit bought, bound to `holder` (the order, or its period): asked again, the
   * pool hands out no more.
   */
  private take(order: Order, pool: string, holder: string, name: string): Deliverer {
    return {
      name,
      deliver: async () => {
        const keys = await this.stock.allocate(pool, holder, order.quantity);
        if (keys === undefined) throw new OutOfStock(pool, order.quantity);
      },
    };
  }

  private message(name: string, send: () => Promise<unknown>): Deliverer {
    return {
      name,
      deliver: async () => {
        try {
          await send();
        } catch (error) {
          throw telegramFailure(error);
        }
      },
    };
  }
}

/** What the worker should make of Telegram's refusal: give up, wait as asked, or retry. */
export function telegramFailure(error: unknown): unknown {
  if (recipientUnreachable(error)) {
    return new DeliveryRejected(`Telegram refused delivery: ${error.description}`);
  }
  const retryAfter = error instanceof GrammyError ? error.parameters.retry_after : undefined;
  if (retryAfter !== undefined) {
    return new DeliveryFailed(`Telegram: ${(error as GrammyError).description}`, {
      retryAfterMs: retryAfter * 1000,
      cause: error,
    });
  }
  return error;
}

/** A step that can never succeed as things stand: the job goes to the dead stream with `reason`. */
export function refused(name: string, reason: string): Deliverer {
  return {
    name,
    deliver: async () => {
      throw new DeliveryRejected(reason);
    },
  };
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
