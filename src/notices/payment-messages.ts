import type { RedisClient } from "../redis/client.js";
import { type RedisKeys, redisKeys } from "../redis/keys.js";

/** The messages that asked a buyer to pay an order, by Telegram message id. */
export interface PaymentMessageIds {
  /** The payment message or the invoice: notices reply to it. */
  messageId?: number;
  /** A TON order's QR code: redrawn for what is still owed, removed once paid. */
  qrId?: number;
}

/**
 * Which messages told a buyer how to pay: the bot remembers them as it sends them, and the
 * notices reply to them, redraw them after a part payment, and close them once paid.
 */
export class PaymentMessages {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** Kept for `keepMs`: the order's lifetime and a week after, for late payments. */
  async remember(orderId: string, sent: PaymentMessageIds, keepMs: number): Promise<void> {
    const writes: Promise<unknown>[] = [];
    if (sent.messageId !== undefined) {
      writes.push(
        this.redis.set(this.keys.paymentMessage(orderId), String(sent.messageId), "PX", keepMs),
      );
    }
    if (sent.qrId !== undefined) {
      writes.push(this.redis.set(this.keys.paymentQr(orderId), String(sent.qrId), "PX", keepMs));
    }
    await Promise.all(writes);
  }

  async of(orderId: string): Promise<PaymentMessageIds> {
    const [messageId, qrId] = await Promise.all([
      this.redis.get(this.keys.paymentMessage(orderId)),
      this.redis.get(this.keys.paymentQr(orderId)),
    ]);
    return {
      ...(messageId ? { messageId: Number(messageId) } : {}),
      ...(qrId ? { qrId: Number(qrId) } : {}),
    };
  }
}
