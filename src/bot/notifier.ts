import { hostname } from "node:os";
import type { I18n } from "@grammyjs/i18n";
import { type Api, GrammyError, InlineKeyboard } from "grammy";
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";
import { redisKeys } from "../orders/keys.js";
import { outstanding } from "../orders/order.js";
import type { OrderEvent, OrderStore } from "../orders/store.js";
import { checkOrderData } from "./callback-data.js";
import type { BotContext } from "./context.js";
import { currencyLabel, formatAmount } from "./format.js";
import { paymentMessageKey } from "./services.js";
import { eventMessageKey } from "./status.js";

const GROUP = "notifier";
const CLOSING_EVENTS = new Set<OrderEvent["type"]>(["order.paid", "order.held", "order.expired"]);

export interface NotifierOptions {
  api: Api;
  redis: Redis;
  prefix: string;
  store: OrderStore;
  i18n: I18n<BotContext>;
  log: Logger;
  blockMs?: number;
}

/**
 * Tells buyers what the watcher and the other payment paths decided — underpaid, paid, expired —
 * by replying to the message that asked them to pay. Reads the order events stream in a consumer
 * group, so with several processes each event is told once.
 */
export class BuyerNotifier {
  private readonly keys;
  private readonly consumer = `${hostname()}-${process.pid}`;
  private reader: Redis | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: NotifierOptions) {
    this.keys = redisKeys(options.prefix);
  }

  async start(): Promise<void> {
    await this.options.redis
      .xgroup("CREATE", this.keys.events, GROUP, "$", "MKSTREAM")
      .catch((error: Error) => {
        if (!error.message.includes("BUSYGROUP")) throw error;
      });
    this.reader = this.options.redis.duplicate();
    this.stopping = false;
    this.running = this.loop(this.reader);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.reader?.disconnect();
    await this.running?.catch(() => undefined);
  }

  private async loop(reader: Redis): Promise<void> {
    while (!this.stopping) {
      try {
        // Events another process read but never acknowledged (it died) come back after 30 s.
        const [, stale] = (await reader.xautoclaim(
          this.keys.events,
          GROUP,
          this.consumer,
          30_000,
          "0-0",
          "COUNT",
          50,
        )) as [string, [string, string[]][]];
        const fresh = (await reader.xreadgroup(
          "GROUP",
          GROUP,
          this.consumer,
          "COUNT",
          50,
          "BLOCK",
          this.options.blockMs ?? 2000,
          "STREAMS",
          this.keys.events,
          ">",
        )) as [string, [string, string[]][]][] | null;
        for (const [id, fields] of [...stale, ...(fresh?.[0]?.[1] ?? [])]) {
          await this.handle(id, fields);
        }
      } catch (error) {
        if (this.stopping) return;
        this.options.log.error({ err: error }, "notifier read failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async handle(id: string, fields: string[]): Promise<void> {
    const value = (name: string) => fields[fields.indexOf(name) + 1];
    const orderId = fields.includes("orderId") ? value("orderId") : undefined;
    const event = JSON.parse(value("event") ?? "{}") as OrderEvent;
    const key = eventMessageKey(event.type);
    if (orderId && key) {
      try {
        await this.tell(orderId, key, event);
      } catch (error) {
        // A buyer who blocked the bot cannot be told; anything else is retried.
        if (!(error instanceof GrammyError && [400, 403].includes(error.error_code))) throw error;
        this.options.log.warn({ orderId, description: error.description }, "buyer not reachable");
      }
    }
    await this.options.redis.xack(this.keys.events, GROUP, id);
  }

  private async tell(orderId: string, key: string, event: OrderEvent): Promise<void> {
    const order = await this.options.store.get(orderId);
    if (!order) return;
    const text = this.options.i18n.t(order.lang, key, {
      orderId: order.id,
      amount: formatAmount(order.amount, order.currency),
      paid: formatAmount(order.paid, order.currency),
      // What was owed when this payment landed, not after any later one.
      owed: String(event.detail?.owed ?? formatAmount(outstanding(order), order.currency)),
      currency: currencyLabel(order.currency),
      comment: order.comment ?? "",
    });
    const replyTo = await this.options.redis.get(paymentMessageKey(this.options.prefix, orderId));
    await this.options.api.sendMessage(order.chatId, text, {
      parse_mode: "HTML",
      reply_parameters: replyTo
        ? { message_id: Number(replyTo), allow_sending_without_reply: true }
        : undefined,
    });
    this.options.log.info({ orderId, event: key }, "buyer notified");
    if (replyTo && order.method === "ton" && CLOSING_EVENTS.has(event.type)) {
      // A TON order paid or expired: the wallet buttons go, so nobody pays it twice by mistake.
      // (An invoice's Pay button stays; Telegram and the pre-checkout refuse a second payment.)
      const check = new InlineKeyboard().text(
        this.options.i18n.t(order.lang, "button-check"),
        checkOrderData.pack({ orderId }),
      );
      await this.options.api
        .editMessageReplyMarkup(order.chatId, Number(replyTo), { reply_markup: check })
        .catch((error: unknown) =>
          this.options.log.warn({ orderId, err: error }, "payment message not updated"),
        );
    }
  }
}
