import type { Address } from "@ton/core";
import type { InlineKeyboard } from "grammy";
import { localized } from "../bot/i18n.js";
import { tonPaymentKeyboard } from "../bot/keyboards.js";
import type { Product } from "../catalog/catalog.js";
import { type Order, outstanding } from "../orders/order.js";
import { displayAddress, orderPaymentRequest, paymentQrPng } from "../payments/ton/links.js";
import { coinLabel, coinLabelIntroduced, escapeHtml, formatAmount, formatTime } from "./format.js";

type Translate = (key: string, variables?: Record<string, string | number>) => string;

export interface TonPaymentSettings {
  merchant: Address;
  testnet: boolean;
  /** Offer "Pay with my wallet" (TON Connect). */
  walletPay: boolean;
}

/** The message that asks for a TON payment: its text, its buttons, and its QR code. */
export interface TonPaymentMessage {
  text: string;
  keyboard: InlineKeyboard;
  qr: Buffer;
  qrCaption: string;
}

/**
 * How to pay a TON order, for what it still owes: the full price at first, only the rest once
 * part has arrived. The message sent at checkout and the one edited after an underpayment are
 * both this, so every link, the QR code and the amount to copy always agree.
 */
export async function tonPaymentMessage(
  order: Order,
  product: Product,
  settings: TonPaymentSettings,
  t: Translate,
): Promise<TonPaymentMessage> {
  const request = orderPaymentRequest(order, settings.merchant, settings.testnet);
  const amount = formatAmount(request.amount, "TON");
  const common = {
    orderId: order.id,
    title: escapeHtml(localized(product.title, order.lang)),
    quantity: order.quantity,
    amount,
    address: displayAddress(settings.merchant, settings.testnet),
    comment: request.comment,
    expires: formatTime(order.expiresAt),
    coin: coinLabel(),
  };
  const text =
    order.paid > 0n && outstanding(order) > 0n
      ? t("pay-ton-rest", {
          ...common,
          paid: formatAmount(order.paid, "TON"),
          total: formatAmount(order.amount, "TON"),
        })
      : // The first payment message is where a buyer meets the coin's name.
        t("pay-ton", { ...common, coin: coinLabelIntroduced(t) });
  return {
    text,
    keyboard: tonPaymentKeyboard(order, settings.merchant, settings.testnet, t, settings.walletPay),
    qr: await paymentQrPng(request),
    qrCaption: t("pay-ton-qr", { amount, comment: request.comment, coin: coinLabel() }),
  };
}
