import type { ChatMessage, EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import { expect } from "vitest";
import { Sandbox, type SandboxOptions } from "../../src/sandbox/world.js";
import { testRedis } from "./redis.js";

/** The whole shop on the test run's Redis (or Redis Cluster), under a prefix of its own. */
export async function startShop(
  options: Omit<SandboxOptions, "redisUrl" | "redisCluster"> = {},
): Promise<Sandbox> {
  const { target, prefix, redis } = testRedis();
  redis.disconnect();
  return Sandbox.start({
    redisUrl: target.redisUrl,
    redisCluster: target.redisCluster,
    redisPrefix: prefix,
    ...options,
  });
}

export interface TonCheckout {
  message: ChatMessage;
  comment: string;
  orderId: string;
}

/** Opens a product from /shop, presses "Pay with Gram (TON)", and reads the payment message. */
export async function checkoutTon(buyer: EmulatedUser, productLabel: string): Promise<TonCheckout> {
  const start = buyer.lastMessageId();
  buyer.send("/shop");
  const list = await buyer.waitForButton(productLabel, { after: start });
  await buyer.press(productLabel, list);
  const card = await buyer.waitForButton("Pay with Gram (TON)", { after: start });
  const before = buyer.lastMessageId();
  await buyer.press("Pay with Gram (TON)", card);
  const message = await buyer.waitForText("Send exactly", { after: before });
  const comment = /with the comment (\S+)/.exec(message.text ?? "")?.[1];
  const orderId = /^Order (\S+)/.exec(message.text ?? "")?.[1];
  expect(comment).toBeDefined();
  expect(orderId).toBeDefined();
  return { message, comment: comment ?? "", orderId: orderId ?? "" };
}

/** Opens a product by deep link and presses "Pay with <method>"; returns the invoice message. */
export async function invoiceFor(buyer: EmulatedUser, productId: string, method: string) {
  buyer.send(`/start buy_${productId}`);
  // The method's name alone: the button reads "Pay with …" or "Оплатить: …" by language.
  const card = await buyer.waitForButton(method, { after: buyer.lastMessageId() });
  const before = buyer.lastMessageId();
  await buyer.press(method, card);
  const invoice = await buyer.waitFor((m) => m.invoice !== undefined, { after: before });
  return { invoice, orderId: invoice.invoice?.payload ?? "" };
}

/** Polls the store until the order reaches `status`; fails with where it stood after `ms`. */
export async function orderReaches(sandbox: Sandbox, orderId: string, status: string, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const order = await sandbox.app.store.require(orderId);
    if (order.status === status) return order;
    if (Date.now() > deadline)
      throw new Error(`order ${orderId} is ${order.status}, not ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
