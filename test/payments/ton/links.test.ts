import { Address } from "@ton/core";
import { describe, expect, it } from "vitest";
import { DEFAULT_COIN_LABEL, showCoinAs } from "../../../src/notices/format.js";
import type { Order } from "../../../src/orders/order.js";
import {
  displayAddress,
  explorerTxLink,
  orderPaymentRequest,
  paymentQrPng,
  shortAddress,
  tonkeeperLink,
  tonTransferLink,
} from "../../../src/payments/ton/links.js";
import { pendingTonOrder } from "../../support/shop.js";

const address = Address.parseRaw(`0:${"ab".repeat(32)}`);
const request = { address, amount: 1_500_000_000n, comment: "TP-7K3M9Q2D", testnet: false };

describe("payment links", () => {
  it("show the wallet non-bounceable, with the testnet flag on testnet", () => {
    expect(displayAddress(address, false)).toMatch(/^UQ/);
    expect(displayAddress(address, true)).toMatch(/^0Q/);
    expect(Address.parse(displayAddress(address, true)).equals(address)).toBe(true);
  });

  it("open Tonkeeper with amount in nanotons and the comment", () => {
    const link = new URL(tonkeeperLink(request));
    expect(link.origin).toBe("https://app.tonkeeper.com");
    expect(link.pathname).toBe(`/transfer/${displayAddress(address, false)}`);
    expect(link.searchParams.get("amount")).toBe("1500000000");
    expect(link.searchParams.get("text")).toBe("TP-7K3M9Q2D");
  });

  it("carry nanotons and no coin name, whatever name the coin is shown under", () => {
    const links = () => [tonkeeperLink(request), tonTransferLink(request)];
    const asGram = links();
    showCoinAs("TON");
    try {
      expect(links()).toEqual(asGram);
    } finally {
      showCoinAs(DEFAULT_COIN_LABEL);
    }
    for (const link of asGram) {
      expect(new URL(link.replace("ton://", "https://x/")).searchParams.get("amount")).toBe(
        "1500000000",
      );
      expect(link).not.toMatch(/gram/i);
    }
  });

  it("build the ton://transfer deep link any wallet opens", () => {
    expect(tonTransferLink(request)).toBe(
      `ton://transfer/${displayAddress(address, false)}?amount=1500000000&text=TP-7K3M9Q2D`,
    );
  });

  it("name the jetton's master for a USDT transfer, the amount in its base units", () => {
    const master = Address.parse("EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs");
    const usdt = { ...request, amount: 12_500_000n, jetton: master };
    expect(tonTransferLink(usdt)).toBe(
      `ton://transfer/${displayAddress(address, false)}?jetton=EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs&amount=12500000&text=TP-7K3M9Q2D`,
    );
    const tonkeeper = new URL(tonkeeperLink({ ...usdt, testnet: true }));
    expect(tonkeeper.searchParams.get("jetton")).toBe(master.toString({ testOnly: true }));
    expect(tonkeeper.searchParams.get("amount")).toBe("12500000");
  });

  it("escape a comment that is not URL-safe", () => {
    const link = tonTransferLink({ ...request, comment: "a b&c" });
    expect(new URL(link.replace("ton://", "https://x/")).searchParams.get("text")).toBe("a b&c");
  });

  it("render a QR code PNG of the ton:// link", async () => {
    const png = await paymentQrPng(request);
    expect(png.subarray(1, 4).toString("ascii")).toBe("PNG");
    // IHDR: width and height at bytes 16-23.
    expect(png.readUInt32BE(16)).toBe(512);
    expect(png.readUInt32BE(20)).toBe(512);
  });
});

describe("what an order asks the buyer to send", () => {
  const order: Order = pendingTonOrder();

  it("is the full price before any payment", () => {
    expect(orderPaymentRequest(order, address, true)).toEqual({
      address,
      amount: 6_500_000_000n,
      comment: "TP-7K3M9Q2D",
      testnet: true,
    });
  });

  it("is only the rest after a partial payment, in the link the QR code encodes", () => {
    const underpaid = { ...order, paid: 3_250_000_000n, exceptions: ["underpaid" as const] };
    const request = orderPaymentRequest(underpaid, address, false);
    expect(request.amount).toBe(3_250_000_000n);
    expect(tonTransferLink(request)).toBe(
      `ton://transfer/${displayAddress(address, false)}?amount=3250000000&text=TP-7K3M9Q2D`,
    );
  });

  it("is nothing once the order is paid, even overpaid", () => {
    expect(orderPaymentRequest({ ...order, paid: 7_000_000_000n }, address, false).amount).toBe(0n);
  });
});

describe("explorer links", () => {
  it("point at tonviewer, or its testnet, for a transaction hash", () => {
    expect(explorerTxLink("ab12", false)).toBe("https://tonviewer.com/transaction/ab12");
    expect(explorerTxLink("ab12", true)).toBe("https://testnet.tonviewer.com/transaction/ab12");
  });
});

describe("shortAddress", () => {
  it("shows the user-friendly form, test-only on testnet, cut to its ends", () => {
    const address = new Address(0, Buffer.alloc(32, 1));
    const full = address.toString({ urlSafe: true, bounceable: false, testOnly: true });
    expect(shortAddress(address.toRawString(), true)).toBe(`${full.slice(0, 4)}…${full.slice(-4)}`);
    expect(shortAddress(address.toRawString(), true).startsWith("0Q")).toBe(true);
    expect(shortAddress(address.toRawString(), false).startsWith("UQ")).toBe(true);
  });
});
