import { Address, Cell, type Transaction } from "@ton/core";
import {
  deployJetton,
  EmulatedChain,
  type EmulatedJetton,
  type EmulatedWallet,
  jettonBalance,
  mintJetton,
  OP_EXCESSES,
} from "@ton-payment-bot/emulators/ton";
import { beforeAll, describe, expect, it } from "vitest";
import { classifyJettonTransaction } from "../../../src/payments/jetton/classify.js";
import {
  JETTON_TRANSFER_TON,
  jettonPaymentTransaction,
} from "../../../src/payments/tonconnect/request.js";

/*
 * What the shop asks a buyer's wallet to sign for a USDT order, run for real: the wallet sends
 * the message as asked, and the reference jetton contracts on the emulated chain carry it out.
 */

const USDT = 1_000_000n;

let chain: EmulatedChain;
let usdt: EmulatedJetton;
let buyer: EmulatedWallet;
let merchant: EmulatedWallet;

beforeAll(async () => {
  chain = await EmulatedChain.create();
  usdt = await deployJetton(chain, await chain.createWallet());
  buyer = await chain.createWallet({ version: "v5r1" });
  merchant = await chain.createWallet({ version: "v5r1" });
  await mintJetton(chain, usdt, buyer.address, 100n * USDT);
});

function opOf(tx: Transaction | undefined): number | undefined {
  const body = tx?.inMessage?.body.beginParse();
  return body && body.remainingBits >= 32 ? body.loadUint(32) : undefined;
}

describe("jettonPaymentTransaction", () => {
  it("asks for one bounceable message to the buyer's own jetton wallet, 0.05 TON attached", async () => {
    const buyerJettonWallet = await usdt.walletOf(buyer.address);
    const request = jettonPaymentTransaction({
      buyerJettonWallet,
      buyer: buyer.address,
      merchant: merchant.address,
      amount: 12_500_000n,
      comment: "TP-USDT1234",
      validUntil: 1_800_000_000,
      testnet: true,
    });

    expect(request.network).toBe("-3");
    expect(request.validUntil).toBe(1_800_000_000);
    expect(request.messages).toHaveLength(1);
    const [message] = request.messages;
    const to = Address.parseFriendly(message?.address ?? "");
    expect(to.address.equals(buyerJettonWallet)).toBe(true);
    expect(to.isBounceable).toBe(true);
    expect(to.isTestOnly).toBe(true);
    expect(message?.amount).toBe(JETTON_TRANSFER_TON.toString());
  });

  it("credits the merchant's jetton wallet with the amount and the order's comment when sent", async () => {
    const request = jettonPaymentTransaction({
      buyerJettonWallet: await usdt.walletOf(buyer.address),
      buyer: buyer.address,
      merchant: merchant.address,
      amount: 12_500_000n,
      comment: "TP-USDT1234",
      validUntil: chain.now + 300,
      testnet: true,
    });
    const [message] = request.messages;

    // The wallet app sends exactly what it was asked to.
    await chain.sendFrom(buyer, [
      {
        to: Address.parse(message?.address ?? ""),
        amount: BigInt(message?.amount ?? 0),
        body: Cell.fromBase64(message?.payload ?? ""),
      },
    ]);

    const ours = await usdt.walletOf(merchant.address);
    expect(
      classifyJettonTransaction(chain.transactions(ours).at(-1) as Transaction, ours),
    ).toMatchObject({
      kind: "jetton-credit",
      amount: 12_500_000n,
      from: buyer.address.toRawString(),
      comment: { type: "text", text: "TP-USDT1234" },
    });
    expect(await jettonBalance(chain, usdt, merchant.address)).toBe(12_500_000n);
    expect(await jettonBalance(chain, usdt, buyer.address)).toBe(87_500_000n);
    // The attached TON not spent comes back to the buyer.
    expect(opOf(chain.transactions(buyer.address).at(-1))).toBe(OP_EXCESSES);
  });
});
