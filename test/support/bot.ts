import type { EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import type { Bot } from "grammy";
import { expect } from "vitest";
import type { BotContext } from "../../src/bot/context.js";

/** `stop`, run at most once however many callers ask (the test and its cleanup). */
export function once(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= stop();
    return stopping;
  };
}

/** The bot sends `buyer` a Stars invoice and the buyer pays it; resolves once the payment is queued. */
export async function payStarsInvoice(bot: Bot<BotContext>, buyer: EmulatedUser): Promise<void> {
  await bot.api.sendInvoice(buyer.id, "Mug", "A mug", "order-1", "XTR", [
    { label: "Mug", amount: 150 },
  ]);
  const invoice = await buyer.waitFor((m) => m.invoice !== undefined);
  expect((await buyer.payInvoice(invoice)).ok).toBe(true);
}
