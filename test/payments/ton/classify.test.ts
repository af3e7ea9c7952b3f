import { readFileSync } from "node:fs";
import { Address, beginCell, Cell, loadTransaction, type Transaction, toNano } from "@ton/core";
import { internal } from "@ton/sandbox";
import { EmulatedChain, type EmulatedWallet } from "@ton-payment-bot/emulators/ton";
import { beforeAll, describe, expect, it } from "vitest";
import { normalizeComment } from "../../../src/orders/comment.js";
import {
  type Classified,
  classifyTransaction,
  type Ignored,
  OP_ENCRYPTED_COMMENT,
  unmatchedReason,
} from "../../../src/payments/ton/classify.js";

// Every transaction here is produced by real wallet contracts on @ton/sandbox.
let chain: EmulatedChain;
let merchant: EmulatedWallet;
let buyer: EmulatedWallet;

beforeAll(async () => {
  chain = await EmulatedChain.create();
  merchant = await chain.createWallet({ version: "v5r1" });
  buyer = await chain.createWallet({ version: "v4" });
});

/** The merchant's newest transaction after `act`, classified as the watcher would. */
async function classifyNewest(
  act: () => Promise<unknown>,
): Promise<Classified & { tx: Transaction }> {
  const before = chain.transactions(merchant.address).length;
  await act();
  const after = chain.transactions(merchant.address);
  expect(after.length).toBeGreaterThan(before);
  const tx = after[after.length - 1] as Transaction;
  return { ...classifyTransaction(tx, merchant.address), tx };
}

function expectIncoming<T extends Classified>(result: T): Extract<T, { kind: "incoming" }> {
  if (result.kind !== "incoming") {
    throw new Error(`expected a payment, got ${(result as Ignored).reason}`);
  }
  return result as Extract<T, { kind: "incoming" }>;
}

describe("classifyTransaction", () => {
  it("counts a plain comment payment from a V4 wallet", async () => {
    const result = expectIncoming(
      await classifyNewest(() =>
        chain.transfer(buyer, merchant.address, toNano("1.5"), { body: "TP-7K3M9Q2D" }),
      ),
    );
    expect(result.amount).toBe(toNano("1.5"));
    expect(result.comment).toEqual({ type: "text", text: "TP-7K3M9Q2D" });
    expect(Address.parse(result.from).equals(buyer.address)).toBe(true);
    expect(result.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("counts a payment from a V5R1 wallet", async () => {
    const v5 = await chain.createWallet({ version: "v5r1" });
    const result = expectIncoming(
      await classifyNewest(() =>
        chain.transfer(v5, merchant.address, toNano("2"), { body: "TP-AAAABBBB" }),
      ),
    );
    expect(result.comment).toEqual({ type: "text", text: "TP-AAAABBBB" });
  });

  it("reads a long comment that spans several cells", async () => {
    const long = `TP-7K3M9Q2D ${"thanks for the mug! ".repeat(30)}`;
    const result = expectIncoming(
      await classifyNewest(() =>
        chain.transfer(buyer, merchant.address, toNano("1"), { body: long }),
      ),
    );
    expect(result.comment).toEqual({ type: "text", text: long });
    expect(long.length).toBeGreaterThan(127);
  });

  it("keeps a lower-case spaced comment as typed, which still matches the order", async () => {
    const result = expectIncoming(
      await classifyNewest(() =>
        chain.transfer(buyer, merchant.address, toNano("1"), { body: " tp-7k3m 9q2d " }),
      ),
    );
    expect(result.comment).toEqual({ type: "text", text: " tp-7k3m 9q2d " });
    expect(result.comment.type === "text" && normalizeComment(result.comment.text)).toBe(
      "TP-7K3M9Q2D",
    );
  });

  it("counts a payment with no comment, flagged as such", async () => {
    const result = expectIncoming(
      await classifyNewest(() => chain.transfer(buyer, merchant.address, toNano("1"))),
    );
    expect(result.comment).toEqual({ type: "none" });
  });

  it("recognises an encrypted comment without reading it", async () => {
    const body = beginCell()
      .storeUint(OP_ENCRYPTED_COMMENT, 32)
      .storeBuffer(Buffer.alloc(64, 7))
      .endCell();
    const result = expectIncoming(
      await classifyNewest(() => chain.transfer(buyer, merchant.address, toNano("1"), { body })),
    );
    expect(result.comment).toEqual({ type: "encrypted" });
  });

  it("treats a binary comment or a jetton-looking body as binary, never as a text comment", async () => {
    const binary = beginCell()
      .storeUint(0xffffffff, 32)
      .storeBuffer(Buffer.from("TP-7K3M9Q2D"))
      .endCell();
    const first = expectIncoming(
      await classifyNewest(() =>
        chain.transfer(buyer, merchant.address, toNano("1"), { body: binary }),
      ),
    );
    expect(first.comment).toEqual({ type: "binary", op: 0xffffffff });
    // A transfer_notification claims jettons arrived; with no jetton wallet check it proves nothing.
    const notification = beginCell()
      .storeUint(0x7362d09c, 32)
      .storeUint(0, 64)
      .storeCoins(1000n)
      .endCell();
    const second = expectIncoming(
      await classifyNewest(() =>
        chain.transfer(buyer, merchant.address, toNano("0.05"), {
          body: notification,
          bounce: false,
        }),
      ),
    );
    expect(second.comment).toEqual({ type: "binary", op: 0x7362d09c });
    expect(second.amount).toBe(toNano("0.05"));
  });

  it("reads a real jetton transfer notification by its TON value alone: 1 nanoton, dust, never a jetton amount", () => {
    // A jetton wallet telling its owner that jettons arrived, cut from a real mainnet block
    // (test/fixtures/ton/real-transactions.json, from ton-backend-example).
    const fixtures = JSON.parse(
      readFileSync(new URL("../../fixtures/ton/real-transactions.json", import.meta.url), "utf8"),
    ) as { hash: string; account: string; boc: string }[];
    const fixture = fixtures.find(
      (tx) => tx.hash === "6947500c621c599ab4f204b3603d019278b7bff287bbd3e88ea8017f9fce967e",
    );
    if (!fixture) throw new Error("jetton notification fixture missing");
    const tx = loadTransaction(Cell.fromBase64(fixture.boc).beginParse());
    const result = expectIncoming(classifyTransaction(tx, Address.parseRaw(fixture.account)));
    expect(result.comment).toEqual({ type: "binary", op: 0x7362d09c });
    expect(result.amount).toBe(1n);
    expect(unmatchedReason(result)).toBe("dust");
  });

  it("ignores a message that arrives flagged as bounced", async () => {
    const result = await classifyNewest(() =>
      chain.inject(
        internal({
          from: buyer.address,
          to: merchant.address,
          value: toNano("1"),
          bounced: true,
          body: beginCell().endCell(),
        }),
      ),
    );
    expect(result).toMatchObject({ kind: "ignored", reason: "bounced-message" });
  });

  it("counts a non-bounceable payment to a merchant wallet that was never deployed", async () => {
    const fresh = await chain.createWallet({ deploy: false, balance: 0n });
    await chain.transfer(buyer, fresh.address, toNano("3.25"), {
      body: "TP-7K3M9Q2D",
      bounce: false,
    });
    const [tx] = chain.transactions(fresh.address);
    if (tx?.description.type !== "generic") throw new Error("expected an ordinary transaction");
    // The chain's own verdict: aborted, no code ran, nothing sent back — and the money stayed.
    expect(tx.description.aborted).toBe(true);
    expect(tx.description.computePhase).toMatchObject({ type: "skipped", reason: "no-state" });
    expect(tx.description.bouncePhase).toBeUndefined();
    expect((await chain.account(fresh.address)).balance).toBe(toNano("3.25"));
    expect(classifyTransaction(tx, fresh.address)).toMatchObject({
      kind: "incoming",
      amount: toNano("3.25"),
      comment: { type: "text", text: "TP-7K3M9Q2D" },
    });
  });

  it("counts a payment whose compute phase failed when no bounce phase sent it back", async () => {
    const result = expectIncoming(
      await classifyNewest(() =>
        chain.transfer(buyer, merchant.address, 45_000n, { body: "TP-7K3M9Q2D", bounce: false }),
      ),
    );
    const { description } = result.tx;
    expect(description.type === "generic" && description.computePhase).toMatchObject({
      type: "vm",
      success: false,
    });
    expect(result.amount).toBe(45_000n);
  });

  it("counts dust too small to pay for gas, even when it asked to bounce", async () => {
    const result = expectIncoming(
      await classifyNewest(() =>
        chain.transfer(buyer, merchant.address, 20_000n, { body: "TP-7K3M9Q2D", bounce: true }),
      ),
    );
    // Too little to pay for the bounce either: the bounce phase failed and the money stayed.
    expect(result.tx.description.type === "generic" && result.tx.description.bouncePhase).toEqual({
      type: "no-funds",
      messageSize: expect.anything(),
      requiredForwardFees: expect.any(BigInt),
    });
    expect(result.amount).toBe(20_000n);
  });

  it("ignores a bounceable payment to an undeployed wallet: the bounce phase sent it back", async () => {
    const fresh = await chain.createWallet({ deploy: false, balance: 0n });
    await chain.transfer(buyer, fresh.address, toNano("1"), { body: "TP-7K3M9Q2D", bounce: true });
    const [tx] = chain.transactions(fresh.address);
    expect(tx?.description.type === "generic" && tx.description.bouncePhase?.type).toBe("ok");
    expect(classifyTransaction(tx as Transaction, fresh.address)).toMatchObject({
      kind: "ignored",
      reason: "bounced-back",
    });
  });

  it("ignores a message that carries no value", async () => {
    const result = await classifyNewest(() =>
      chain.transfer(buyer, merchant.address, 0n, { body: "TP-7K3M9Q2D" }),
    );
    expect(result).toMatchObject({ kind: "ignored", reason: "no-value" });
  });

  it("ignores the merchant's own outgoing transfer (an external message) and its bounce back", async () => {
    const nowhere = await chain.createWallet({ deploy: false, balance: 0n });
    const before = chain.transactions(merchant.address).length;
    await chain.transfer(merchant, nowhere.address, toNano("1"), { body: "refund", bounce: true });
    const produced = chain.transactions(merchant.address).slice(before);
    const results = produced.map((tx) => classifyTransaction(tx, merchant.address));
    expect(results.map((r) => r.kind === "ignored" && r.reason)).toEqual([
      "external-message",
      "bounced-message",
    ]);
    // On the undeployed side the bounce phase sent the money straight back.
    const theirs = chain.transactions(nowhere.address);
    expect(theirs).toHaveLength(1);
    expect(classifyTransaction(theirs[0] as Transaction, nowhere.address)).toMatchObject({
      kind: "ignored",
      reason: "bounced-back",
    });
  });

  it("ignores a payment the merchant sends to itself", async () => {
    const result = await classifyNewest(() =>
      chain.transfer(merchant, merchant.address, toNano("1"), { body: "TP-7K3M9Q2D" }),
    );
    expect(result).toMatchObject({ kind: "ignored", reason: "from-merchant" });
  });

  it("ignores a transaction of some other account", async () => {
    const txs = chain.transactions(buyer.address);
    const result = classifyTransaction(txs[txs.length - 1] as Transaction, merchant.address);
    expect(result).toMatchObject({ kind: "ignored" });
    expect(["external-message", "not-for-merchant"]).toContain(
      result.kind === "ignored" && result.reason,
    );
  });

  it("compares addresses as addresses, not as strings", async () => {
    // The same wallet written another way (non-bounceable, testnet flag) is still the merchant.
    const text = merchant.address.toString({ bounceable: false, testOnly: true });
    expect(text).not.toBe(merchant.address.toString());
    const { tx } = await classifyNewest(() =>
      chain.transfer(buyer, merchant.address, toNano("1"), { body: "TP-7K3M9Q2D" }),
    );
    expect(classifyTransaction(tx, Address.parse(text)).kind).toBe("incoming");
  });
});
