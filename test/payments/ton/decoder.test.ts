import { toNano } from "@ton/core";
import { EmulatedChain, type EmulatedWallet } from "@ton-payment-bot/emulators/ton";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inlineDecoder, threadDecoder } from "../../../src/payments/ton/decoder.js";

let chain: EmulatedChain;
let merchant: EmulatedWallet;
let bocs: string[];
const threads = threadDecoder(2);

beforeAll(async () => {
  chain = await EmulatedChain.create();
  merchant = await chain.createWallet({ version: "v5r1" });
  const buyer = await chain.createWallet();
  await chain.transfer(buyer, merchant.address, toNano("1.25"), { body: "TP-7K3M9Q2D" });
  await chain.transfer(buyer, merchant.address, 0n, { body: "TP-7K3M9Q2D" });
  await chain.injectPayments(merchant.address, [{ amount: toNano("2"), comment: "TP-AAAABBBB" }]);
  bocs = chain.transactions(merchant.address).map((tx) => tx.raw.toBoc().toString("base64"));
});
afterAll(() => threads.close());

describe("TransactionDecoder", () => {
  it("decodes toncenter BOCs into classified transactions that chain together", async () => {
    const decoded = await inlineDecoder.decode(bocs, merchant.address);
    const txs = chain.transactions(merchant.address);
    expect(decoded.map((tx) => tx.hash)).toEqual(txs.map((tx) => tx.hash().toString("hex")));
    for (let i = 1; i < decoded.length; i++) {
      expect(decoded[i]?.prevLt).toBe(decoded[i - 1]?.lt);
      expect(decoded[i]?.prevHash).toBe(decoded[i - 1]?.hash);
    }
    const kinds = decoded.slice(-3).map((tx) => tx.classified.kind);
    expect(kinds).toEqual(["incoming", "ignored", "incoming"]);
    const last = decoded[decoded.length - 1]?.classified;
    expect(last?.kind === "incoming" && last.amount).toBe(toNano("2"));
  });

  it("gives the same result on worker threads as on the calling thread", async () => {
    const inline = await inlineDecoder.decode(bocs, merchant.address);
    const threaded = await threads.decode(bocs, merchant.address);
    expect(threaded).toEqual(inline);
  });

  it("rejects a BOC that is not a transaction", async () => {
    await expect(threads.decode(["AAAA"], merchant.address)).rejects.toThrow();
  });
});
