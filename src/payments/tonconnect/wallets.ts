import {
  encodeTelegramUrlParameters,
  isTelegramUrl,
  isWalletInfoRemote,
  type WalletInfo,
  type WalletInfoRemote,
} from "@tonconnect/sdk";

/** The wallets a buyer is offered, in this order: Telegram's own wallet, then Tonkeeper. */
const OFFERED_WALLETS = ["telegram-wallet", "tonkeeper"] as const;
/** Telegram Wallet holds mainnet TON only, so a testnet shop does not offer it. */
const MAINNET_ONLY = new Set<string>(["telegram-wallet"]);

export interface WalletChoice {
  appName: string;
  name: string;
  /** Opens the wallet with the connection request. */
  link: string;
}

/** The offered wallets that can be reached over an HTTP bridge and hold the shop's network. */
export function offeredWallets(list: readonly WalletInfo[], testnet: boolean): WalletInfoRemote[] {
  const remote = list.filter(isWalletInfoRemote);
  return OFFERED_WALLETS.filter((appName) => !(testnet && MAINNET_ONLY.has(appName))).flatMap(
    (appName) => remote.filter((w) => w.appName === appName),
  );
}

/**
 * Turns the SDK's generic `tc://` connection link into one wallet's universal link: its query
 * goes to the wallet's link as is, or, for a wallet inside Telegram, packed into `startapp`.
 */
export function universalLinkFor(tcLink: string, wallet: WalletInfoRemote): string {
  const query = new URL(tcLink).search.slice(1);
  const url = new URL(wallet.universalLink);
  if (isTelegramUrl(wallet.universalLink)) {
    // Telegram opens a mini app only by /start with startapp; `attach` is the old form.
    if (url.searchParams.has("attach")) {
      url.searchParams.delete("attach");
      url.pathname += "/start";
    }
    url.searchParams.set("startapp", `tonconnect-${encodeTelegramUrlParameters(query)}`);
    return url.toString();
  }
  url.search = query;
  return url.toString();
}
