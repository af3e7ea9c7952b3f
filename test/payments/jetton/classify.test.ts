import { readFileSync } from "node:fs";
import { Address, beginCell, Cell, loadTransaction, type Transaction } from "@ton/core";
import {
  deployJetton,
  EmulatedChain,
  type EmulatedJetton,
  type EmulatedWallet,
  mintJetton,
  sendJetton,
} from "@ton-payment-bot/emulators/ton";
import { beforeAll, describe, expect, it } from "vitest";
import {
  classifyJettonTransaction,
  OP_INTERNAL_TRANSFER,
  readTransferNotification,
} from "../../../src/payments/jetton/classify.js";

interface Labelled {
  name: string;
  account: string | null;
  boc: string;
}

const fixtures = JSON.parse(
  readFileSync(new URL("../../fixtures/ton/real-transactions.json", import.meta.url), "utf8"),
) as Labelled[];

/** A real transaction by the start of its hash, with the account it happened on. */
function real(hashStart: string): { tx: Transaction; account: Address } {
  const found = fixtures.find(
    (f) => f.name.endsWith(`tx ${hashStart}`) || f.name.includes(hashStart),
  );
  if (!found?.account) throw new Error(`no fixture ${hashStart}`);
  const root = Cell.fromBoc(Buffer.from(found.boc, "base64"))[0] as Cell;
  return { tx: loadTransaction(root.beginParse()), account: Address.parseRaw(found.account) };
}

const USDT = 1_000_000n;
/** The owner who sent tongo-block-2's jettons: the account its excesses went back to (945846599750). */
const SENDER = "0:bd2faad2d394198e63ea88e36cf88c5260bc44fa02d91254ef09e617eaab3c85";

describe("a jetton wallet's transactions, read as credits — real ones", () => {
  it("an internal_transfer that created the receiver's jetton wallet is a credit, its comment from the ref", () => {
    // tongo-block-2: a transfer of 432151000000 base units, forward payload "ton_drift - telegram".
    const { tx, account } = real("04aa948f586d");
    const classified = classifyJettonTransaction(tx, account);
    expect(classified).toMatchObject({
      kind: "jetton-credit",
      amount: 432_151_000_000n,
      from: SENDER,
      sender: "0:f38e6b9498ef1162f01c8f799b489415a059555f9f35eb8490a11463f73f506b",
      comment: { type: "text", text: "ton_drift - telegram" },
    });
  });

  it("the sender's own transfer and a notice of excesses credit nothing", () => {
    for (const hash of ["b0d7edac18b1", "945846599750", "b4e8debb3cc3", "fd570f197d86"]) {
      const { tx, account } = real(hash);
      expect(classifyJettonTransaction(tx, account)).toMatchObject({
        kind: "ignored",
        reason: "not-a-credit",
      });
    }
  });

  it("the same credit seen from another account is not ours", () => {
    const { tx } = real("04aa948f586d");
    const elsewhere = real("b0d7edac18b1").account;
    expect(classifyJettonTransaction(tx, elsewhere)).toMatchObject({ reason: "not-for-wallet" });
  });

  it("reads what a real transfer_notification claims, whichever way its payload travels", () => {
    const tongo = real("4cfcc9279cb2").tx;
    expect(readTransferNotification(tongo.inMessage?.body as Cell)).toEqual({
      amount: 432_151_000_000n,
      sender: SENDER,
      comment: { type: "text", text: "ton_drift - telegram" },
    });
    const padton = fixtures.find((f) =>
      f.name.startsWith("PadTON/ton-backend-example: incoming jetton"),
    );
    const root = Cell.fromBoc(Buffer.from(padton?.boc ?? "", "base64"))[0] as Cell;
    const claim = readTransferNotification(
      loadTransaction(root.beginParse()).inMessage?.body as Cell,
    );
    expect(claim?.amount).toBe(10_000_000_000n);
    expect(claim?.comment.type).toBe("text");
    // Any other body is not a notification.
    expect(
      readTransferNotification(real("04aa948f586d").tx.inMessage?.body as Cell),
    ).toBeUndefined();
    expect(readTransferNotification(beginCell().endCell())).toBeUndefined();
  });
});

describe("a jetton wallet's transactions, read as credits — on the emulated chain", () => {
  let chain: EmulatedChain;
  let buyer: EmulatedWallet;
  let merchant: EmulatedWallet;
  let usdt: EmulatedJetton;
  let ours: Address;

  beforeAll(async () => {
    chain = await EmulatedChain.create();
    const issuer = await chain.createWallet();
    buyer = await chain.createWallet({ version: "v5r1" });
    merchant = await chain.createWallet({ version: "v5r1" });
    usdt = await deployJetton(chain, issuer);
    await mintJetton(chain, usdt, buyer.address, 1000n * USDT);
    ours = await usdt.walletOf(merchant.address);
  });

  const lastOnOurs = () => chain.transactions(ours).at(-1) as Transaction;

  it.each([
    ["in a ref", { payloadPlace: "ref" as const }],
    ["inline", { payloadPlace: "inline" as const }],
    ["with no notification (forward_ton_amount 0)", { forwardTonAmount: 0n }],
  ])("counts a credit whose comment travels %s", async (_, how) => {
    await sendJetton(chain, usdt, buyer, {
      to: merchant.address,
      amount: 12_500_000n,
      payload: "TP-ABCD1234",
      ...how,
    });
    expect(classifyJettonTransaction(lastOnOurs(), ours)).toMatchObject({
      kind: "jetton-credit",
      amount: 12_500_000n,
      from: buyer.address.toRawString(),
      sender: (await usdt.walletOf(buyer.address)).toRawString(),
      comment: { type: "text", text: "TP-ABCD1234" },
    });
  });

  it("a credit with no payload has no comment", async () => {
    await sendJetton(chain, usdt, buyer, { to: merchant.address, amount: USDT });
    expect(classifyJettonTransaction(lastOnOurs(), ours)).toMatchObject({
      kind: "jetton-credit",
      comment: { type: "none" },
    });
  });

  it("refuses an internal_transfer forged by a plain wallet: the jetton wallet throws, nothing is credited", async () => {
    const forger = await chain.createWallet();
    const forged = beginCell()
      .storeUint(OP_INTERNAL_TRANSFER, 32)
      .storeUint(0, 64)
      .storeCoins(1_000_000n * USDT)
      .storeAddress(forger.address)
      .storeAddress(forger.address)
      .storeCoins(0)
      .storeBit(1)
      .storeRef(beginCell().storeUint(0, 32).storeStringTail("TP-FORGED").endCell())
      .endCell();

    await chain.transfer(forger, ours, 100_000_000n, { body: forged });

    const tx = lastOnOurs();
    expect(tx.inMessage?.info.src?.toString()).toBe(forger.address.toString());
    expect(classifyJettonTransaction(tx, ours)).toMatchObject({
      kind: "ignored",
      reason: "refused",
    });
  });

  it("TON sent to the jetton wallet is not a credit", async () => {
    await chain.transfer(buyer, ours, 50_000_000n, { body: "TP-ABCD1234" });
    expect(classifyJettonTransaction(lastOnOurs(), ours)).toMatchObject({
      kind: "ignored",
      reason: "not-a-credit",
    });
  });
});
