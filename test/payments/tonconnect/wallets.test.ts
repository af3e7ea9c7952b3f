import {
  decodeTelegramUrlParameters,
  type WalletInfo,
  type WalletInfoRemote,
} from "@tonconnect/sdk";
import { describe, expect, it } from "vitest";
import { offeredWallets, universalLinkFor } from "../../../src/payments/tonconnect/wallets.js";

const tonkeeper: WalletInfoRemote = {
  name: "Tonkeeper",
  appName: "tonkeeper",
  imageUrl: "https://tonkeeper.com/icon.png",
  aboutUrl: "https://tonkeeper.com",
  platforms: ["ios", "android"],
  universalLink: "https://app.tonkeeper.com/ton-connect",
  bridgeUrl: "https://bridge.tonapi.io/bridge",
};
const telegramWallet: WalletInfoRemote = {
  name: "Wallet",
  appName: "telegram-wallet",
  imageUrl: "https://wallet.tg/logo.png",
  aboutUrl: "https://wallet.tg/",
  platforms: ["ios", "android"],
  universalLink: "https://t.me/wallet?attach=wallet",
  bridgeUrl: "https://walletbot.me/tonconnect-bridge/bridge",
};
const injectedOnly: WalletInfo = {
  name: "OpenMask",
  appName: "openmask",
  imageUrl: "https://openmask.app/icon.png",
  aboutUrl: "https://openmask.app",
  platforms: ["chrome"],
  jsBridgeKey: "openmask",
  injected: false,
  embedded: false,
};
const request = JSON.stringify({ manifestUrl: "https://shop.example/m.json", items: [] });
const tcLink = `tc://?v=2&id=abcd&trace_id=t-1&r=${encodeURIComponent(request)}`;

describe("offeredWallets", () => {
  it("offers Telegram Wallet then Tonkeeper, and nothing that cannot be reached by a bridge", () => {
    const offered = offeredWallets([injectedOnly, tonkeeper, telegramWallet], false);
    expect(offered.map((wallet) => wallet.appName)).toEqual(["telegram-wallet", "tonkeeper"]);
  });

  it("leaves Telegram Wallet out of a testnet shop: it holds mainnet TON only", () => {
    const offered = offeredWallets([injectedOnly, tonkeeper, telegramWallet], true);
    expect(offered.map((wallet) => wallet.appName)).toEqual(["tonkeeper"]);
  });
});

describe("universalLinkFor", () => {
  it("puts the connection request on Tonkeeper's universal link", () => {
    const url = new URL(universalLinkFor(tcLink, tonkeeper));
    expect(url.origin + url.pathname).toBe("https://app.tonkeeper.com/ton-connect");
    expect(url.searchParams.get("id")).toBe("abcd");
    expect(url.searchParams.get("r")).toBe(request);
  });

  it("packs it into startapp for Telegram Wallet, which opens as a mini app", () => {
    const url = new URL(universalLinkFor(tcLink, telegramWallet));
    expect(url.origin + url.pathname).toBe("https://t.me/wallet/start");
    expect(url.searchParams.has("attach")).toBe(false);
    const startapp = url.searchParams.get("startapp") ?? "";
    expect(startapp.startsWith("tonconnect-")).toBe(true);
    const query = new URLSearchParams(
      decodeTelegramUrlParameters(startapp.slice("tonconnect-".length)),
    );
    expect(query.get("id")).toBe("abcd");
    expect(query.get("r")).toBe(request);
  });
});
