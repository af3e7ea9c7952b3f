import type { Address } from "@ton/core";
import type { InlineKeyboard } from "grammy";
import { localized } from "../bot/i18n.js";
import { tonPaymentKeyboard } from "../bot/keyboards.js";
import type { Product } from "../catalog/catalog.js";
import { type Order, outstanding } from "../orders/order.js";
import { displayAddress, orderPaymentRequest, paymentQrPng } from "../payments/ton/links.js";
import { JETTON_TRANSFER_TON } from "../payments/tonconnect/request.js";
import {
  coinLabel,
  coinLabelIntroduced,
  currencyLabel,
  escapeHtml,
  formatAmount,
  formatTime,
} from "./format.js";

type Translate = (key: string, variables?: Record<string, string | number>) => string;

export interface TonPaymentSettings {
  merchant: Address;
  testnet: boolean;
  /** Offer "Pay with my wallet" (TON Connect). */
  walletPay: boolean;
  /** The shop's USDT jetton master, which USDT orders are paid in; absent while it sells none. */
  usdtMaster?: Address;
}

/** The message that asks for a TON or USDT payment: its text, its buttons, and its QR code. */
export interface TonPaymentMessage {
  text: string;
  keyboard: InlineKeyboard;
  qr: Buffer;
  qrCaption: string;
}

/**
 * How to pay a TON or USDT order, for what it still owes: the full price at first, only the rest
 * once part has arrived. The message sent at checkout and the one edited after an underpayment
 * are both this, so every link, the QR code and the amount to copy always agree. A USDT order's
 * links carry the jetton, and its text says which network and that the fee is paid in TON.
 */
export async function tonPaymentMessage(
  order: Order,
  product: Product,
  settings: TonPaymentSettings,
  t: Translate,
): Promise<TonPaymentMessage> {
  const { merchant, testnet, usdtMaster } = settings;
  const request = orderPaymentRequest(order, merchant, testnet, usdtMaster);
  const amount = formatAmount(request.amount, order.currency);
  const unit = currencyLabel(order.currency);
  const common = {
    orderId: order.id,
    title: escapeHtml(localized(product.title, order.lang)),
    quantity: order.quantity,
    amount,
    address: displayAddress(settings.merchant, settings.testnet),
    comment: request.comment,
    expires: formatTime(order.expiresAt),
    coin: unit,
  };
  const asked =
    order.paid > 0n && outstanding(order) > 0n
      ? t("pay-ton-rest", {
          ...common,
          paid: formatAmount(order.paid, order.currency),
          total: formatAmount(order.amount, order.currency),
        })
      : // The first payment message is where a buyer meets the coin's name.
        t("pay-ton", { ...common, coin: request.jetton ? unit : coinLabelIntroduced(t) });
  // USDT exists on other chains too; sent there, or without TON for the fee, it never arrives.
  const text = request.jetton
    ? `${asked}\n\n${t("pay-usdt-on-ton", { fee: formatAmount(JETTON_TRANSFER_TON, "TON"), coin: coinLabel() })}`
    : asked;
  return {
    text,
    keyboard: tonPaymentKeyboard(order, merchant, testnet, t, settings.walletPay, usdtMaster),
    qr: await paymentQrPng(request),
    qrCaption: t("pay-ton-qr", { amount, comment: request.comment, coin: unit }),
  };
}
