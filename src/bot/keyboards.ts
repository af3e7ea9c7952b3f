import type { Address } from "@ton/core";
import { InlineKeyboard } from "grammy";
import type { PaymentMethod, Product } from "../catalog/catalog.js";
import { formatPrice, methodName } from "../notices/format.js";
import type { Order } from "../orders/order.js";
import { orderPaymentRequest, tonkeeperLink } from "../payments/ton/links.js";
import {
  buyData,
  checkOrderData,
  languageData,
  productData,
  quantityData,
  shopData,
  walletData,
} from "./callback-data.js";
import type { LOCALES } from "./i18n.js";
import { localized } from "./i18n.js";

type Translate = (key: string, variables?: Record<string, string | number>) => string;

/** The products on sale, one per row, in catalog order. */
export function catalogKeyboard(products: readonly Product[], locale: string): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  for (const product of products) {
    keyboard.text(localized(product.title, locale), productData.pack({ id: product.id })).row();
  }
  return keyboard;
}

export function productKeyboard(
  product: Product,
  quantity: number,
  methods: readonly PaymentMethod[],
  t: Translate,
): InlineKeyboard {
  const keyboard = new InlineKeyboard();
  if (product.maxQuantity > 1) {
    keyboard
      .text(
        t("button-less"),
        quantityData.pack({ id: product.id, quantity: Math.max(1, quantity - 1) }),
      )
      .text(String(quantity), productData.pack({ id: product.id }))
      .text(
        t("button-more"),
        quantityData.pack({
          id: product.id,
          quantity: Math.min(product.maxQuantity, quantity + 1),
        }),
      )
      .row();
  }
  for (const method of methods) {
    const amount = product.prices[method];
    keyboard
      .text(
        product.kind === "subscription" && amount
          ? t("button-subscribe", { amount: formatPrice(amount.amount, amount.currency) })
          : t("button-pay-with", { method: methodName(method, t) }),
        buyData.pack({ id: product.id, quantity, method }),
      )
      .row();
  }
  return keyboard.text(t("button-back"), shopData.pack({}));
}

/**
 * Under a TON or USDT payment message: a connected wallet (TON Connect, when the shop offers it),
 * Tonkeeper, Telegram Wallet, and "I have paid". The links ask for what the order still owes, in
 * the shop's USDT (`usdtMaster`) for a USDT order.
 */
export function tonPaymentKeyboard(
  order: Order,
  merchant: Address,
  testnet: boolean,
  t: Translate,
  walletPay = false,
  usdtMaster?: Address,
) {
  const request = orderPaymentRequest(order, merchant, testnet, usdtMaster);
  const keyboard = new InlineKeyboard();
  if (walletPay) {
    keyboard
      .text(t("button-wallet-pay"), walletData.pack({ action: "pay", orderId: order.id }))
      .row();
  }
  keyboard.url(t("button-tonkeeper"), tonkeeperLink(request)).row();
  // Telegram Wallet takes no prefilled transfer link: it opens, and the buyer copies the
  // amount, address and comment from the message above. It holds mainnet TON only.
  if (!testnet) keyboard.url(t("button-telegram-wallet"), "https://t.me/wallet").row();
  return keyboard.text(t("button-check"), checkOrderData.pack({ orderId: order.id }));
}

export function languageKeyboard(locales: typeof LOCALES, names: Record<string, string>) {
  const keyboard = new InlineKeyboard();
  for (const code of locales) keyboard.text(names[code] ?? code, languageData.pack({ code }));
  return keyboard;
}
