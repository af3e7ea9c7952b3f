import { type Address, toNano } from "@ton/core";
import { mnemonicNew, mnemonicToPrivateKey } from "@ton/crypto";
import { WalletContractV4 } from "@ton/ton";
import {
  EmulatedChain,
  type EmulatedWallet,
  startToncenterEmulator,
  type ToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChainNetwork, chainInfo } from "../../src/ops/network.js";
import {
  PayerNotFunded,
  PaymentRefused,
  parsePayArgs,
  refuseUnlessTestnet,
  sendPayment,
} from "../../src/ops/pay.js";
import { connectToncenter, type ToncenterConnection } from "../../src/ops/toncenter.js";
import { MnemonicError, testnetWallet } from "../../src/ops/wallet.js";
import { ToncenterClient } from "../../src/payments/ton/client.js";
import { startMainnetToncenter } from "./fakes.js";

let chain: EmulatedChain;
let merchant: EmulatedWallet;
let emulator: ToncenterEmulator;
let toncenter: ToncenterConnection;

beforeAll(async () => {
  chain = await EmulatedChain.create();
  merchant = await chain.createWallet({ version: "v5r1" });
  emulator = await startToncenterEmulator({ chain });
  toncenter = connectToncenter({ endpoint: emulator.endpoint, rps: 100 });
});

afterAll(() => emulator?.close());

/** Fresh words whose wallet `fund` (the address derived from the words) has TON waiting on it. */
async function fundedWords(fund: (publicKey: Buffer) => { address: Address }) {
  const words = await mnemonicNew(24);
  const { publicKey } = await mnemonicToPrivateKey(words);
  await chain.injectPayments(fund(publicKey).address, [{ amount: toNano(5) }]);
  return words.join(" ");
}

/** The newest transactions on the merchant wallet, as the payment watcher reads them. */
async function merchantSees(limit = 1) {
  const client = new ToncenterClient({ endpoint: emulator.endpoint, rps: 100 });
  const page = await client.getTransactions(merchant.address, { limit });
  return page.transactions;
}

describe("npm run pay", () => {
  it("delivers the exact amount with the comment to the merchant, where the watcher reads it", async () => {
    const mnemonic = await fundedWords(testnetWallet);
    const amount = 1_234_567_891n;

    const sent = await sendPayment({
      client: toncenter.client,
      mnemonic,
      to: merchant.address,
      amount,
      comment: "TP-7K3M9Q2D",
      pollIntervalMs: 10,
    });

    expect(sent).toMatchObject({
      seqno: 0,
      confirmed: true,
      walletLabel: "wallet v5r1 (testnet id)",
    });
    const [tx] = await merchantSees();
    expect(tx?.classified).toMatchObject({
      kind: "incoming",
      amount,
      from: sent.from.toRawString(),
      comment: { type: "text", text: "TP-7K3M9Q2D" },
    });
    expect((await chain.account(sent.from)).state).toBe("active");
  });

  it("signs a second payment from the same wallet with the next seqno", async () => {
    const mnemonic = await fundedWords(testnetWallet);
    const pay = (comment: string) =>
      sendPayment({
        client: toncenter.client,
        mnemonic,
        to: merchant.address,
        amount: toNano("0.5"),
        comment,
        pollIntervalMs: 10,
      });

    const first = await pay("TP-AAAAAAAA");
    const second = await pay("TP-BBBBBBBB");

    expect([first.seqno, second.seqno]).toEqual([0, 1]);
    const comments = (await merchantSees(2)).map((tx) =>
      tx.classified.kind === "incoming" ? tx.classified.comment : undefined,
    );
    expect(comments).toEqual([
      { type: "text", text: "TP-BBBBBBBB" },
      { type: "text", text: "TP-AAAAAAAA" },
    ]);
  });

  it("pays from the v4 wallet a wallet app made from the same words", async () => {
    const mnemonic = await fundedWords((publicKey) =>
      WalletContractV4.create({ workchain: 0, publicKey }),
    );

    const sent = await sendPayment({
      client: toncenter.client,
      mnemonic,
      to: merchant.address,
      amount: toNano("0.25"),
      comment: "TP-V4V4V4V4",
      pollIntervalMs: 10,
    });

    expect(sent.walletLabel).toBe("wallet v4r2");
    const [tx] = await merchantSees();
    expect(tx?.classified).toMatchObject({
      kind: "incoming",
      amount: toNano("0.25"),
      comment: { type: "text", text: "TP-V4V4V4V4" },
    });
  });

  it("refuses words whose wallet holds no TON, naming the testnet address to fund", async () => {
    const words = await mnemonicNew(24);
    const { publicKey } = await mnemonicToPrivateKey(words);
    const address = testnetWallet(publicKey).address.toString({
      bounceable: false,
      testOnly: true,
    });
    const before = chain.transactions(merchant.address).length;

    const attempt = sendPayment({
      client: toncenter.client,
      mnemonic: words.join(" "),
      to: merchant.address,
      amount: toNano(1),
      comment: "TP-NOFUNDS1",
    });

    await expect(attempt).rejects.toThrow(PayerNotFunded);
    await expect(attempt).rejects.toThrow(`send testnet TON to ${address}`);
    expect(chain.transactions(merchant.address)).toHaveLength(before);
  });

  it("refuses an amount the wallet cannot cover with fees on top, sending nothing", async () => {
    const mnemonic = await fundedWords(testnetWallet);
    const before = chain.transactions(merchant.address).length;

    const attempt = sendPayment({
      client: toncenter.client,
      mnemonic,
      to: merchant.address,
      amount: toNano(5),
      comment: "TP-TOOMUCH1",
    });

    await expect(attempt).rejects.toThrow("has 5 TON; paying 5 TON needs 0.02 more for fees");
    expect(chain.transactions(merchant.address)).toHaveLength(before);
  });

  it("rejects words that are not a TON mnemonic", async () => {
    const attempt = sendPayment({
      client: toncenter.client,
      mnemonic: "abandon ".repeat(24),
      to: merchant.address,
      amount: toNano(1),
      comment: "TP-BADWORDS",
    });

    await expect(attempt).rejects.toThrow(MnemonicError);
  });
});

describe("pay refuses real money", () => {
  const never = async (): Promise<ChainNetwork> => {
    throw new Error("the endpoint must not be asked");
  };

  it("refuses TON_NETWORK=mainnet before asking the endpoint anything", async () => {
    await expect(refuseUnlessTestnet("mainnet", never)).rejects.toThrow(PaymentRefused);
    await expect(refuseUnlessTestnet("mainnet", never)).rejects.toThrow(
      "refusing to pay: TON_NETWORK=mainnet",
    );
  });

  it("refuses a testnet setup whose endpoint serves mainnet", async () => {
    const mainnet = await startMainnetToncenter();
    try {
      const api = connectToncenter({ endpoint: `${mainnet.url}/api/v2/jsonRPC`, rps: 100 }).api;

      await expect(
        refuseUnlessTestnet("testnet", async () => (await chainInfo(api)).network),
      ).rejects.toThrow("TON_NETWORK=testnet but TONCENTER_ENDPOINT serves mainnet");
    } finally {
      await mainnet.close();
    }
  });

  it("accepts testnet served by a private chain such as the emulator", async () => {
    const served = async () => (await chainInfo(toncenter.api)).network;

    expect(await served()).toBe("private");
    await expect(refuseUnlessTestnet("testnet", served)).resolves.toBeUndefined();
  });
});

describe("pay arguments", () => {
  it("reads a comment and an exact decimal amount of TON", () => {
    expect(parsePayArgs(["TP-7K3M9Q2D", "1.5"])).toEqual({
      ok: true,
      comment: "TP-7K3M9Q2D",
      amount: 1_500_000_000n,
    });
    expect(parsePayArgs(["hi", "0.000000001"])).toMatchObject({ amount: 1n });
  });

  it.each([
    [[], "expected a comment and an amount, got 0 arguments"],
    [["TP-1"], "expected a comment and an amount, got 1 arguments"],
    [["TP-1", "1", "extra"], "expected a comment and an amount, got 3 arguments"],
    [["  ", "1"], "the comment is empty"],
    [["TP-1", "1,5"], '"1,5" is not a plain decimal number such as 1.5'],
    [["TP-1", "-1"], '"-1" is not a plain decimal number such as 1.5'],
    [["TP-1", "0.0000000001"], '"0.0000000001" has more than 9 digits after the point'],
    [["TP-1", "0"], "the amount must be above zero"],
  ])("rejects %j: %s", (args, error) => {
    expect(parsePayArgs(args)).toEqual({ ok: false, error });
  });
});
