import { randomBytes } from "node:crypto";
import {
  type Address,
  beginCell,
  type Cell,
  storeMessage,
  type Transaction,
  toNano,
} from "@ton/core";
import {
  EmulatedChain,
  type EmulatedWallet,
  startToncenterEmulator,
  type ToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stackJson } from "../../src/ton/format.js";

interface RenderedMessage {
  "@type": string;
  hash: string;
  source: string;
  destination: string;
  value: string;
  fwd_fee: string;
  ihr_fee: string;
  created_lt: string;
  body_hash: string;
  msg_data: Record<string, string>;
  message: string;
}

interface RenderedTransaction {
  "@type": string;
  address: { account_address: string };
  account: string;
  transaction_id: { lt: string; hash: string };
  fee: string;
  storage_fee: string;
  other_fee: string;
  in_msg?: RenderedMessage;
  out_msgs: RenderedMessage[];
}

const LONG_COMMENT = `Заказ ${"🧾".repeat(40)} ${"x".repeat(120)}`;
const ENCRYPTED = beginCell().storeUint(0x2167da4b, 32).storeBuffer(randomBytes(80)).endCell();
const BINARY = beginCell().storeUint(0x0f8a7ea5, 32).storeUint(7, 64).endCell();
// op 0 and four stray bits: not whole bytes, so tonlib cannot read it as text.
const RAGGED = beginCell().storeUint(0, 32).storeUint(0b1010, 4).endCell();

const base64 = (text: string) => Buffer.from(text).toString("base64");

describe("toncenter emulator renders transactions as tonlib and toncenter do", () => {
  let chain: EmulatedChain;
  let merchant: EmulatedWallet;
  let payer: EmulatedWallet;
  let emulator: ToncenterEmulator;

  const rpc = async (method: string, params: Record<string, unknown>) => {
    const response = await fetch(emulator.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "1", jsonrpc: "2.0", method, params }),
    });
    return (await response.json()) as { ok: boolean; result: unknown };
  };

  const transactionsOf = async (address: Address) =>
    (await rpc("getTransactions", { address: address.toString(), limit: 20 }))
      .result as RenderedTransaction[];

  /** The merchant's inbound message for each payment, newest first. */
  const inbound = async () =>
    (await transactionsOf(merchant.address)).flatMap((tx) => (tx.in_msg ? [tx.in_msg] : []));

  beforeAll(async () => {
    chain = await EmulatedChain.create();
    merchant = await chain.createWallet();
    payer = await chain.createWallet({ version: "v5r1" });
    emulator = await startToncenterEmulator({ chain });
    const pay = (body?: string | Cell) =>
      chain.transfer(payer, merchant.address, toNano("0.5"), body === undefined ? {} : { body });
    await pay("order-42");
    await pay(LONG_COMMENT);
    await pay(ENCRYPTED);
    await pay(BINARY);
    await pay();
    await pay(RAGGED);
  });

  afterAll(async () => {
    await emulator.close();
  });

  it("serves a text comment as msg.dataText, its bytes in base64, the text in message", async () => {
    const [ragged, empty, binary, encrypted, long, text] = await inbound();
    expect(text).toMatchObject({
      "@type": "ext.message",
      msg_data: { "@type": "msg.dataText", text: base64("order-42") },
      message: "order-42",
    });
    expect(Object.keys(text?.msg_data ?? {})).toEqual(["@type", "text"]);
    // A comment longer than one cell continues in refs; tonlib reads the whole chain.
    expect(long).toMatchObject({
      msg_data: { "@type": "msg.dataText", text: base64(LONG_COMMENT) },
      message: LONG_COMMENT,
    });
    expect(encrypted?.msg_data).toEqual({
      "@type": "msg.dataEncryptedText",
      text: ENCRYPTED.beginParse().skip(32).loadBuffer(80).toString("base64"),
    });
    expect([binary, empty, ragged].map((message) => message?.msg_data["@type"])).toEqual([
      "msg.dataRaw",
      "msg.dataRaw",
      "msg.dataRaw",
    ]);
  });

  it("serves any other body raw, with message as the root cell's bytes in base64", async () => {
    const [ragged, empty, binary] = await inbound();
    expect(binary).toMatchObject({
      msg_data: { "@type": "msg.dataRaw", body: BINARY.toBoc().toString("base64"), init_state: "" },
      message: `${Buffer.from("0f8a7ea50000000000000007", "hex").toString("base64")}\n`,
    });
    expect(empty).toMatchObject({ msg_data: { "@type": "msg.dataRaw" }, message: "" });
    // 36 bits: five bytes, the last one's unused bits zero.
    expect(ragged?.message).toBe(`${Buffer.from("00000000a0", "hex").toString("base64")}\n`);
  });

  it("names the account in raw form and hashes messages as stored on chain", async () => {
    const [newest] = await transactionsOf(merchant.address);
    expect(newest).toMatchObject({
      "@type": "ext.transaction",
      address: { account_address: merchant.address.toString() },
      account: `0:${merchant.address.hash.toString("hex").toUpperCase()}`,
    });
    const tx = chain.transactions(merchant.address).at(-1) as Transaction;
    const message = tx.inMessage;
    if (message?.info.type !== "internal") throw new Error("expected an internal message");
    expect(newest?.in_msg).toMatchObject({
      hash: beginCell().store(storeMessage(message)).endCell().hash().toString("base64"),
      source: payer.address.toString(),
      destination: merchant.address.toString(),
      value: toNano("0.5").toString(),
      fwd_fee: message.info.forwardFee.toString(),
      ihr_fee: "0",
      created_lt: message.info.createdLt.toString(),
      body_hash: RAGGED.hash().toString("base64"),
    });
  });

  it("counts the out messages' forwarding fees in the sender's fee, as tonlib does", async () => {
    const [sent] = await transactionsOf(payer.address);
    const tx = chain.transactions(payer.address).at(-1) as Transaction;
    const out = sent?.out_msgs[0];
    expect(sent?.out_msgs).toHaveLength(1);
    const forwarded = BigInt(out?.fwd_fee ?? "0");
    expect(forwarded).toBeGreaterThan(0n);
    expect(BigInt(sent?.fee ?? "0")).toBe(tx.totalFees.coins + forwarded);
    expect(BigInt(sent?.other_fee ?? "0")).toBe(
      BigInt(sent?.fee ?? "0") - BigInt(sent?.storage_fee ?? "0"),
    );
    expect(sent?.in_msg).toMatchObject({ source: "", value: "0", fwd_fee: "0", created_lt: "0" });
    // The merchant's inbound message is the very cell the payer's wallet sent.
    const [received] = await inbound();
    expect(out?.hash).toBe(received?.hash);
  });

  it("reads wallet information from the data of the wallet codes toncenter knows", async () => {
    const info = (await rpc("getWalletInformation", { address: payer.address.toString() }))
      .result as Record<string, unknown>;
    const seqno = chain
      .transactions(payer.address)
      .filter((tx) => tx.inMessage?.info.type === "external-in").length;
    expect(info).toEqual({
      "@type": "ext.accounts.walletInformation",
      wallet: true,
      balance: (await chain.account(payer.address)).balance.toString(),
      account_state: "active",
      last_transaction_id: expect.objectContaining({ "@type": "internal.transactionId" }),
      wallet_type: "wallet v5 r1",
      is_signature_allowed: true,
      seqno,
      wallet_id: expect.any(Number),
    });
    const stranger = await chain.createWallet({ deploy: false, balance: toNano("1") });
    const plain = (await rpc("getWalletInformation", { address: stranger.address.toString() }))
      .result as Record<string, unknown>;
    expect(plain).toMatchObject({ wallet: false, account_state: "uninitialized" });
    expect(plain).not.toHaveProperty("wallet_type");
    expect(plain).not.toHaveProperty("seqno");
  });

  it("answers sendBocReturnHash with the message hash and its normalized hash", async () => {
    const signed = await chain.signTransfer(
      payer,
      [{ to: merchant.address, amount: toNano("0.1") }],
      chain.now + 60,
    );
    const answer = await rpc("sendBocReturnHash", { boc: signed.toBoc().toString("base64") });
    const body = signed.beginParse();
    body.skip(2 + 2 + 267 + 4); // ext_in_msg_info$10, addr_none, dest, import_fee 0
    const init = body.loadBit();
    expect(init).toBe(false);
    const payload = body.loadBit() ? body.loadRef() : body.asCell();
    const normalized = beginCell()
      .storeUint(0b10, 2)
      .storeUint(0, 2)
      .storeAddress(payer.address)
      .storeCoins(0)
      .storeBit(false)
      .storeBit(true)
      .storeRef(payload)
      .endCell();
    expect(answer).toMatchObject({
      ok: true,
      result: {
        "@type": "raw.extMessageInfo",
        hash: signed.hash().toString("base64"),
        hash_norm: normalized.hash().toString("base64"),
      },
    });
  });
});

describe("get-method stacks as toncenter prints them", () => {
  it("prints pair chains ending in null as lists, as tonlib does", () => {
    const one = { type: "int", value: 1n } as const;
    const two = { type: "int", value: 2n } as const;
    const list = { type: "tuple", items: [one, { type: "tuple", items: [two, { type: "null" }] }] };
    const number = (value: string) => ({
      "@type": "tvm.stackEntryNumber",
      number: { "@type": "tvm.numberDecimal", number: value },
    });
    expect(
      stackJson([list as never, { type: "null" }, { type: "tuple", items: [one, two] }]),
    ).toEqual([
      ["list", { "@type": "tvm.list", elements: [number("1"), number("2")] }],
      ["list", { "@type": "tvm.list", elements: [] }],
      ["tuple", { "@type": "tvm.tuple", elements: [number("1"), number("2")] }],
    ]);
  });

  it("gives a cell's bytes and its legacy object, data with the completion bit", () => {
    const child = beginCell().storeUint(0xab, 8).endCell();
    const cell = beginCell().storeUint(0b1010, 4).storeRef(child).endCell();
    expect(stackJson([{ type: "cell", cell }])).toEqual([
      [
        "cell",
        {
          bytes: cell.toBoc().toString("base64"),
          object: {
            data: { b64: Buffer.from([0xa8]).toString("base64"), len: 4 },
            refs: [
              {
                data: { b64: Buffer.from([0xab]).toString("base64"), len: 8 },
                refs: [],
                special: false,
              },
            ],
            special: false,
          },
        },
      ],
    ]);
  });
});
