import { type Address, comment } from "@ton/core";
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
