import { Address } from "@ton/core";
import QRCode from "qrcode";
import { type Order, outstanding } from "../../orders/order.js";

export interface PaymentRequest {
  address: Address;
  /** Nanotons; base units of the jetton when `jetton` is set (USDT: millionths). */
  amount: bigint;
  comment: string;
  testnet: boolean;
  /** The jetton's master, for a jetton transfer (USDT); a plain TON transfer without it. */
  jetton?: Address;
}

/**
 * What an order paid on chain asks the buyer to send now: what it still owes, so a buyer who paid
 * part and taps a link again sends only the rest. A USDT order asks for the jetton of
 * `usdtMaster`, the shop's USDT.
 */
export function orderPaymentRequest(
  order: Order,
  address: Address,
  testnet: boolean,
  usdtMaster?: Address,
): PaymentRequest {
  const request = { address, amount: outstanding(order), comment: order.comment ?? "", testnet };
  return order.method === "usdt" && usdtMaster ? { ...request, jetton: usdtMaster } : request;
}

/** How a wallet address is shown to a buyer: URL-safe, non-bounceable (UQ…/0Q…) as wallets use. */
export function displayAddress(address: Address, testnet: boolean): string {
  return address.toString({ urlSafe: true, bounceable: false, testOnly: testnet });
}

/** A wallet address (raw or friendly) as people know it, shortened: "0QAb…cdEf". */
export function shortAddress(address: string, testnet: boolean): string {
  const friendly = displayAddress(Address.parse(address), testnet);
  return `${friendly.slice(0, 4)}…${friendly.slice(-4)}`;
}

/**
 * The transfer's parameters, as wallets read them: `amount` and `text`, and for a jetton its
 * master first (`jetton=<master>&amount=<base units>&text=<comment>`, as Tonkeeper documents).
 * The wallet then sends the jetton to the address, the comment as its forward payload.
 */
function query(request: PaymentRequest): string {
  const params = new URLSearchParams();
  // A master is a contract, written as contracts are: bounceable (EQ…/kQ…).
  if (request.jetton) {
    params.set("jetton", request.jetton.toString({ urlSafe: true, testOnly: request.testnet }));
  }
  params.set("amount", request.amount.toString());
  params.set("text", request.comment);
  return params.toString();
}

/** Opens Tonkeeper (app or web) with the transfer filled in. */
export function tonkeeperLink(request: PaymentRequest): string {
  return `https://app.tonkeeper.com/transfer/${displayAddress(request.address, request.testnet)}?${query(request)}`;
}

/** The TON transfer deep link (TON's `ton://` URI scheme), which any wallet can open. */
export function tonTransferLink(request: PaymentRequest): string {
  return `ton://transfer/${displayAddress(request.address, request.testnet)}?${query(request)}`;
}

/** A QR code PNG of the `ton://transfer` link, for buyers paying from a phone at a desktop. */
export async function paymentQrPng(request: PaymentRequest): Promise<Buffer> {
  return QRCode.toBuffer(tonTransferLink(request), {
    type: "png",
    errorCorrectionLevel: "M",
    margin: 2,
    width: 512,
  });
}

/** A transaction on tonviewer, the explorer Tonkeeper uses; testnet has its own. */
export function explorerTxLink(hash: string, testnet: boolean): string {
  return `https://${testnet ? "testnet." : ""}tonviewer.com/transaction/${hash}`;
}
