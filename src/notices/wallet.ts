import type { I18n } from "@grammyjs/i18n";
import { type Api, InlineKeyboard } from "grammy";
import { recipientUnreachable } from "../bot/api/errors.js";
import { walletData } from "../bot/callback-data.js";
import type { BotContext } from "../bot/context.js";
import type { Logger } from "../log.js";
import { outstanding } from "../orders/order.js";
import { isOpen } from "../orders/state.js";
import type { OrderStore } from "../orders/store.js";
import { shortAddress } from "../payments/ton/links.js";
import type { CheckoutEvent, ConnectedWallet } from "../payments/tonconnect/checkout.js";
import { currencyLabel, escapeHtml, formatAmount } from "./format.js";
import type { WalletChats } from "./wallet-chats.js";

/** A wallet as a buyer knows it: "Telegram Wallet", "Tonkeeper"; not HTML-escaped. */
export function walletName(
  wallet: Pick<ConnectedWallet, "appName" | "name">,
  t: (key: string) => string,
): string {
  return wallet.appName === "telegram-wallet" ? t("button-telegram-wallet") : wallet.name;
}

export interface WalletNoticesOptions {
  api: Api;
  i18n: I18n<BotContext>;
  /** Where each buyer used /wallet, and in which language. */
  walletChats: WalletChats;
  store: OrderStore;
  testnet: boolean;
  log: Logger;
}

/** Tells a buyer what their connected wallet did: connected, refused, paid, declined, left. */
export class WalletNotices {
  constructor(private readonly options: WalletNoticesOptions) {}

  async handle(event: CheckoutEvent): Promise<void> {
    try {
      if (event.type === "payment") await this.payment(event.userId, event.orderId, event.outcome);
      else await this.session(event);
    } catch (error) {
      // A buyer who blocked the bot cannot be told; the order itself is unaffected either way.
      if (!recipientUnreachable(error)) throw error;
      this.options.log.warn(
        { userId: event.userId, description: error.description },
        "buyer not reachable",
      );
    }
  }

  private async session(event: Exclude<CheckoutEvent, { type: "payment" }>): Promise<void> {
    const { i18n, walletChats, store, testnet, api } = this.options;
    const { chatId, locale } = (await walletChats.of(event.userId)) ?? {
      chatId: event.userId,
      locale: "en",
    };
    const t = (key: string, vars?: Record<string, string | number>) => i18n.t(locale, key, vars);
    if (event.type === "connected") {
      const keyboard = new InlineKeyboard();
      let text = t("wallet-connected", {
        app: escapeHtml(walletName(event.wallet, t)),
        address: shortAddress(event.wallet.address, testnet),
      });
      const order = event.orderId ? await store.get(event.orderId) : undefined;
      if (order && isOpen(order, store.now())) {
        text += `\n\n${t("wallet-connected-pay", {
          orderId: order.id,
          amount: formatAmount(outstanding(order), order.currency),
          coin: currencyLabel(order.currency),
        })}`;
        keyboard.text(
          t("button-wallet-pay"),
          walletData.pack({ action: "pay", orderId: order.id }),
        );
        keyboard.row();
      }
      keyboard.text(
        t("button-wallet-disconnect"),
        walletData.pack({ action: "disconnect", orderId: "" }),
      );
      await api.sendMessage(chatId, text, { parse_mode: "HTML", reply_markup: keyboard });
      return;
    }
    const text =
      event.type === "disconnected"
        ? t("wallet-disconnected-by-wallet")
        : event.reason === "wrong-network"
          ? t("wallet-wrong-network", { network: testnet ? "testnet" : "mainnet" })
          : t(event.reason === "declined" ? "wallet-connect-declined" : "wallet-connect-failed");
    await api.sendMessage(chatId, text, { parse_mode: "HTML" });
  }

  private async payment(userId: number, orderId: string, outcome: string): Promise<void> {
    const { i18n, store, api, log } = this.options;
    const order = await store.get(orderId);
    // Already paid: the watcher was quicker than the wallet's answer and the buyer knows.
    if (!order || !isOpen(order, store.now())) return;
    const t = (key: string) => i18n.t(order.lang, key, { orderId });
    const keyboard = new InlineKeyboard();
    // After "sent" nothing more to do; after "expired" the wallet may yet have sent it in time,
    // so the buyer is not invited to pay again at once.
    if (outcome === "interrupted") {
      keyboard.text(t("button-wallet-connect"), walletData.pack({ action: "connect", orderId }));
    } else if (outcome === "declined" || outcome === "failed") {
      keyboard.text(t("button-wallet-pay-again"), walletData.pack({ action: "pay", orderId }));
    }
    await api.sendMessage(order.chatId, t(`wallet-pay-${outcome}`), {
      parse_mode: "HTML",
      reply_markup: keyboard.inline_keyboard.flat().length > 0 ? keyboard : undefined,
    });
    log.info({ userId, orderId, outcome }, "buyer told the wallet's answer");
  }
}
