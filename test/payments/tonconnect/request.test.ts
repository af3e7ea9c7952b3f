import { Address, Cell } from "@ton/core";
import { describe, expect, it } from "vitest";
import { commentPayload, paymentTransaction } from "../../../src/payments/tonconnect/request.js";

const merchant = new Address(0, Buffer.alloc(32, 7));

describe("paymentTransaction", () => {
  it("asks for one transfer of the exact amount to the merchant with the order's comment", () => {
    const request = paymentTransaction({
      merchant,
      amount: 2_500_000_001n,
      comment: "TP-7K3M9Q2D",
      validUntil: 1_800_000_000,
      testnet: true,
    });
    expect(request.validUntil).toBe(1_800_000_000);
    expect(request.network).toBe("-3");
    expect(request.messages).toHaveLength(1);
    const [message] = request.messages;
    expect(message?.amount).toBe("2500000001");
    expect(Address.parse(message?.address ?? "").equals(merchant)).toBe(true);
    // Non-bounceable and test-only, like the address shown to buyers on testnet.
    expect(Address.parseFriendly(message?.address ?? "").isBounceable).toBe(false);
    expect(Address.parseFriendly(message?.address ?? "").isTestOnly).toBe(true);
    const body = Cell.fromBase64(message?.payload ?? "").beginParse();
    expect(body.loadUint(32)).toBe(0);
    expect(body.loadStringTail()).toBe("TP-7K3M9Q2D");
  });

  it("names mainnet as chain -239 and drops the test-only flag there", () => {
    const request = paymentTransaction({
      merchant,
      amount: 1n,
      comment: "x",
      validUntil: 1,
      testnet: false,
    });
    expect(request.network).toBe("-239");
    expect(Address.parseFriendly(request.messages[0]?.address ?? "").isTestOnly).toBe(false);
  });
});

describe("commentPayload", () => {
  it("keeps a comment longer than one cell, as wallets show it", () => {
    const long = "é".repeat(200);
    const body = Cell.fromBase64(commentPayload(long)).beginParse();
    expect(body.loadUint(32)).toBe(0);
    expect(body.loadStringTail()).toBe(long);
  });
});
