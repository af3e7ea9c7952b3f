import { Composer, InlineKeyboard, InputFile } from "grammy";
import QRCode from "qrcode";
import { paidOnChain } from "../../catalog/catalog.js";
import { currencyLabel, escapeHtml, formatAmount, formatTime } from "../../notices/format.js";
import { walletName } from "../../notices/wallet.js";
import { isOpen } from "../../orders/state.js";
import { shortAddress } from "../../payments/ton/links.js";
import type { ConnectedWallet, ConnectOffer } from "../../payments/tonconnect/checkout.js";
import {
  NotEnoughTonForFee,
  NotEnoughUsdt,
  NoWalletAvailable,
  OrderNotPayable,
  PaymentAlreadySent,
  PaymentRequestPending,
  TooManyOpenLinks,
  WalletAlreadyConnected,
  WalletNotChecked,
  WalletNotConnected,
  WalletOnWrongNetwork,
} from "../../payments/tonconnect/errors.js";
import { onPress, walletData } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { tonPaymentKeyboard } from "../keyboards.js";
import type { ShopServices } from "../services.js";

const NOT_PAYABLE_TEXT = {
  "not-found": "checkout-not-found",
  "not-yours": "error-not-your-order",
  "not-ton": "pay-method-unavailable",
  paid: "checkout-paid-already",
  expired: "checkout-expired",
  "too-late": "wallet-pay-too-late",
} as const;

type FromContext = BotContext & { from: { id: number } };

/**
 * TON Connect (DESIGN §8): /wallet and the "Pay with my wallet" button. Connecting shows each
 * wallet's link and a QR code; paying asks the connected wallet to confirm one transfer.
 */
export function walletFeature(services: ShopServices) {
  const feature = new Composer<BotContext>();
  const { wallets, walletChats, testnet, store, merchantAddress, usdtMaster, log } = services;
  if (wallets === undefined) return { feature, openWallet: undefined };

  const remember = async (ctx: FromContext) =>
    walletChats.remember(ctx.from.id, {
      chatId: ctx.chat?.id ?? ctx.from.id,
      locale: await ctx.i18n.getLocale(),
    });

  const status = (ctx: BotContext, wallet: ConnectedWallet) =>
    ctx.reply(
      ctx.t("wallet-status", {
        app: escapeHtml(walletName(wallet, ctx.t)),
        address: shortAddress(wallet.address, testnet),
      }),
      {
        parse_mode: "HTML",
        reply_markup: new InlineKeyboard().text(
          ctx.t("button-wallet-disconnect"),
          walletData.pack({ action: "disconnect", orderId: "" }),
        ),
      },
    );

  /**
   * Too many buyers are connecting a wallet through this process: the order's own payment links
   * go under the apology, so paying does not have to wait.
   */
  const busy = async (ctx: FromContext, orderId?: string) => {
    const order = orderId ? await store.get(orderId) : undefined;
    const payable =
      order !== undefined &&
      order.userId === ctx.from.id &&
      paidOnChain(order.method) &&
      isOpen(order, store.now());
    if (!payable) {
      await ctx.reply(ctx.t("wallet-busy"));
      return;
    }
    await ctx.reply(ctx.t("wallet-busy-order", { orderId: order.id }), {
      reply_markup: tonPaymentKeyboard(order, merchantAddress, testnet, ctx.t, false, usdtMaster),
    });
  };

  /** The wallets' links and a QR code for a phone, or what is connected already. */
  const offer = async (ctx: FromContext, orderId?: string) => {
    let connection: ConnectOffer;
    try {
      connection = await wallets.connect(ctx.from.id, { orderId });
    } catch (error) {
      if (error instanceof NoWalletAvailable) {
        log.warn({ userId: ctx.from.id }, "no wallet to offer for TON Connect");
        await ctx.reply(ctx.t("wallet-none-available"));
        return;
      }
      if (error instanceof TooManyOpenLinks) {
        log.warn(
          { userId: ctx.from.id, orderId, limit: error.limit },
          "wallet connection refused: TONCONNECT_MAX_OPEN_LINKS links are open",
        );
        await busy(ctx, orderId);
        return;
      }
      if (!(error instanceof WalletAlreadyConnected)) throw error;
      const wallet = await wallets.wallet(ctx.from.id);
      if (wallet) await status(ctx, wallet);
      return;
    }
    // One wallet a row, and no empty row after the last.
    const keyboard = InlineKeyboard.from(
      connection.wallets.map((choice) => [
        InlineKeyboard.url(
          choice.appName === "telegram-wallet" ? ctx.t("button-telegram-wallet") : choice.name,
          choice.link,
        ),
      ]),
    );
    const forPhone =
      connection.wallets.find((w) => w.appName === "tonkeeper") ?? connection.wallets[0];
    const lines = [ctx.t("wallet-connect-offer", { expires: formatTime(connection.expiresAt) })];
    if (orderId) lines.push(ctx.t("wallet-connect-offer-order", { orderId }));
    const qr = await QRCode.toBuffer(forPhone?.link ?? "", {
      type: "png",
      errorCorrectionLevel: "L",
      margin: 2,
      width: 512,
    });
    await ctx.replyWithPhoto(new InputFile(qr, "connect-wallet.png"), {
      caption: lines.join("\n\n"),
      parse_mode: "HTML",
      reply_markup: keyboard,
    });
  };

  /** /wallet: what is connected, or the wallets to connect. */
  const openWallet = async (ctx: BotContext) => {
    if (!ctx.from) return;
    const from = ctx as FromContext;
    await remember(from);
    const wallet = await wallets.wallet(from.from.id);
    if (wallet) await status(ctx, wallet);
    else await offer(from);
  };
  feature.command("wallet", openWallet);

  const connect = onPress(walletData, { action: "connect" }, async (ctx, { orderId }) => {
    await ctx.answerCallbackQuery();
    await remember(ctx);
    await offer(ctx, orderId || undefined);
  });

  const disconnect = onPress(walletData, { action: "disconnect" }, async (ctx) => {
    await ctx.answerCallbackQuery();
    const had = await wallets.disconnect(ctx.from.id);
    await ctx.reply(ctx.t(had ? "wallet-disconnected" : "wallet-none"));
  });

  const pay = onPress(walletData, { action: "pay" }, async (ctx, { orderId }) => {
    await remember(ctx);
    try {
      // Told before the request leaves, so no answer from the wallet can arrive ahead of it.
      await wallets.pay(ctx.from.id, orderId, async (request) => {
        const app = walletName(request.wallet, ctx.t);
        await ctx.answerCallbackQuery({ text: ctx.t("wallet-pay-confirm", { app }) });
        const { link } = request.wallet;
        await ctx.reply(
          ctx.t("wallet-pay-requested", {
            app: escapeHtml(app),
            amount: formatAmount(request.amount, request.currency),
            coin: currencyLabel(request.currency),
            orderId,
            until: formatTime(request.validUntil),
          }),
          {
            parse_mode: "HTML",
            reply_markup: link
              ? new InlineKeyboard().url(ctx.t("button-wallet-open", { app }), link)
              : undefined,
          },
        );
      });
    } catch (error) {
      if (error instanceof WalletNotConnected) {
        await ctx.answerCallbackQuery();
        await offer(ctx, orderId);
      } else if (error instanceof PaymentRequestPending) {
        await ctx.answerCallbackQuery({
          text: ctx.t("wallet-pay-pending", { until: formatTime(error.validUntil) }),
          show_alert: true,
        });
      } else if (error instanceof PaymentAlreadySent) {
        await ctx.answerCallbackQuery({ text: ctx.t("wallet-pay-already-sent"), show_alert: true });
      } else if (error instanceof OrderNotPayable) {
        log.warn({ userId: ctx.from.id, orderId, reason: error.reason }, "wallet payment refused");
        await ctx.answerCallbackQuery({
          text: ctx.t(NOT_PAYABLE_TEXT[error.reason]),
          show_alert: true,
        });
      } else if (error instanceof NotEnoughUsdt) {
        log.info(
          { userId: ctx.from.id, orderId, balance: error.balance.toString() },
          "wallet holds too little USDT to pay",
        );
        await ctx.answerCallbackQuery();
        await ctx.reply(
          ctx.t("wallet-pay-no-usdt", {
            balance: formatAmount(error.balance, "USDT"),
            amount: formatAmount(error.needed, "USDT"),
            orderId,
          }),
        );
      } else if (error instanceof NotEnoughTonForFee) {
        log.info(
          { userId: ctx.from.id, orderId, balance: error.balance.toString() },
          "wallet holds too little TON for a USDT transfer's fee",
        );
        await ctx.answerCallbackQuery();
        await ctx.reply(
          ctx.t("wallet-pay-no-fee", {
            balance: formatAmount(error.balance, "TON"),
            fee: formatAmount(error.needed, "TON"),
            coin: currencyLabel("TON"),
          }),
        );
      } else if (error instanceof WalletNotChecked) {
        // toncenter's trouble, not the buyer's: its detail goes to the log, not the chat.
        log.warn({ userId: ctx.from.id, orderId, err: error.cause.message }, "wallet not checked");
        await ctx.answerCallbackQuery();
        await ctx.reply(ctx.t("wallet-pay-not-checked", { orderId }));
      } else if (error instanceof WalletOnWrongNetwork) {
        log.warn({ userId: ctx.from.id, chain: error.chain }, "wallet on the wrong network");
        await ctx.answerCallbackQuery();
        await ctx.reply(
          ctx.t("wallet-wrong-network", { network: testnet ? "testnet" : "mainnet" }),
        );
      } else {
        throw error;
      }
    }
  });

  feature.use(connect, disconnect, pay);
  return { feature, openWallet };
}
