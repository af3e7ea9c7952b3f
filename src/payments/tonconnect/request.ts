import { type Address, beginCell, comment, toNano } from "@ton/core";
import { CHAIN, type SendTransactionRequest } from "@tonconnect/sdk";
import { displayAddress } from "../ton/links.js";

export interface WalletPayment {
  merchant: Address;
  /** Nanotons. */
  amount: bigint;
  /** The order's comment; the watcher matches the payment to the order by it. */
  comment: string;
  /** Unix seconds after which the wallet must not send it. */
  validUntil: number;
  testnet: boolean;
}

/** The TON Connect chain id of a network: "-3" for testnet, "-239" for mainnet. */
export function chainOf(testnet: boolean): CHAIN {
  return testnet ? CHAIN.TESTNET : CHAIN.MAINNET;
}

/** A text comment as wallets write it: op 0, then the text, as a base64 BOC. */
export function commentPayload(text: string): string {
  return comment(text).toBoc().toString("base64");
}

/**
 * The one-message transfer a wallet is asked to confirm. The address is non-bounceable like the
 * one shown to buyers, so money cannot come back to the buyer because of a bounce.
 */
export function paymentTransaction(payment: WalletPayment): SendTransactionRequest {
  return {
    validUntil: payment.validUntil,
    network: chainOf(payment.testnet),
    messages: [
      {
        address: displayAddress(payment.merchant, payment.testnet),
        amount: payment.amount.toString(),
        payload: commentPayload(payment.comment),
      },
    ],
  };
}

/** TEP-74's `transfer`, the message a jetton's owner sends to their own jetton wallet. */
const OP_JETTON_TRANSFER = 0x0f8a7ea5;

/**
 * TON attached to a jetton transfer: gas for the buyer's jetton wallet, ours, and the notice,
 * with room to spare. What is not spent comes back to the buyer as excesses. USDT's wallet needs
 * a little over 0.015 TON when it forwards one nanoton; 0.05 is what wallets attach.
 */
export const JETTON_TRANSFER_TON = toNano("0.05");

/**
 * The TON a wallet must hold to send a jetton transfer: what the transfer carries, and the
 * wallet's own fee for sending it (under 0.01 TON).
 */
export const JETTON_TON_NEEDED = JETTON_TRANSFER_TON + toNano("0.01");

/**
 * TON forwarded with the notice to the merchant wallet. A jetton wallet sends no notice for 0, so
 * one nanoton is enough for it to be sent. Nothing depends on the notice: the watcher reads the
 * credit on our jetton wallet, which also finds transfers sent with none.
 */
export const JETTON_FORWARD_TON = 1n;

export interface JettonWalletPayment {
  /** Where a jetton transfer starts: the buyer's own jetton wallet, as the master names it. */
  buyerJettonWallet: Address;
  /** The buyer's wallet, which gets the excesses back. */
  buyer: Address;
  merchant: Address;
  /** Base units of the jetton (USDT: millionths). */
  amount: bigint;
  /** The order's comment, carried as the transfer's forward payload. */
  comment: string;
  validUntil: number;
  testnet: boolean;
}

/** The `transfer` body: the amount to the merchant, the excesses to the buyer, the comment in a ref. */
export function jettonTransferBody(payment: JettonWalletPayment, queryId = 0n): string {
  return beginCell()
    .storeUint(OP_JETTON_TRANSFER, 32)
    .storeUint(queryId, 64)
    .storeCoins(payment.amount)
    .storeAddress(payment.merchant)
    .storeAddress(payment.buyer)
    .storeBit(0)
    .storeCoins(JETTON_FORWARD_TON)
    .storeBit(1)
    .storeRef(comment(payment.comment))
    .endCell()
    .toBoc()
    .toString("base64");
}

/**
 * The one-message jetton transfer a wallet is asked to confirm: to the buyer's own jetton wallet,
 * bounceable as contracts are (a transfer it refuses brings the TON back), with
 * JETTON_TRANSFER_TON attached. What the wallet answers proves nothing; the watcher does.
 */
export function jettonPaymentTransaction(payment: JettonWalletPayment): SendTransactionRequest {
  return {
    validUntil: payment.validUntil,
    network: chainOf(payment.testnet),
    messages: [
      {
        address: payment.buyerJettonWallet.toString({ urlSafe: true, testOnly: payment.testnet }),
        amount: JETTON_TRANSFER_TON.toString(),
        payload: jettonTransferBody(payment),
      },
    ],
  };
}
