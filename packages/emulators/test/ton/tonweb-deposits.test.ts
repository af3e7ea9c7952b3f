import { randomBytes } from "node:crypto";
import { beginCell, toNano } from "@ton/core";
import {
  EmulatedChain,
  type EmulatedWallet,
  startToncenterEmulator,
  type ToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import tonweb from "tonweb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// tonweb is CommonJS: module.exports is the class, which its typings call the default export.
const TonWeb = tonweb as unknown as typeof tonweb.default;

/** The fields of a getTransactions item that toncenter's deposit example reads. */
interface ExampleTransaction {
  utime: number;
  transaction_id: { lt: string; hash: string };
  in_msg: { source: string; value: string; message?: string; msg_data?: { "@type": string } };
  out_msgs: unknown[];
}

interface Deposit {
  value: string;
  source: string;
  comment: string | undefined;
}

/**
 * One polling pass of toncenter's deposit example (toncenter/examples: deposits.js on top of
 * account/AccountSubscription.js), through tonweb's HttpProvider: pages of 10, newest first,
 * each next page anchored at the previous page's last item, until a page of one. A transaction
 * is a deposit when its inbound message has a source, nothing went out, and its msg_data is
 * msg.dataText; the comment is the message field. The anchor comes back at the top of the next
 * page, which the example leaves to "the payment has not been processed yet": kept by hash here.
 */
async function depositsFoundByExample(
  client: InstanceType<typeof TonWeb>,
  address: string,
): Promise<Deposit[]> {
  const deposits = new Map<string, Deposit>();
  const onTransaction = (tx: ExampleTransaction) => {
    if (tx.in_msg.source && tx.out_msgs.length === 0) {
      if (tx.in_msg.msg_data && tx.in_msg.msg_data["@type"] !== "msg.dataText") return;
      deposits.set(tx.transaction_id.hash, {
        value: tx.in_msg.value,
        source: tx.in_msg.source,
        comment: tx.in_msg.message,
      });
    }
  };
  let anchor: { lt: string; hash: string } | undefined;
  for (;;) {
    const transactions = (await client.provider.getTransactions(
      address,
      10,
      anchor?.lt,
      anchor?.hash,
    )) as ExampleTransaction[];
    if (transactions.length === 0) break;
    for (const tx of transactions) onTransaction(tx);
    if (transactions.length === 1) break;
    anchor = (transactions[transactions.length - 1] as ExampleTransaction).transaction_id;
  }
  return [...deposits.values()];
}

describe("toncenter's deposit example, run through tonweb against the toncenter emulator", () => {
  let chain: EmulatedChain;
  let emulator: ToncenterEmulator;
  let merchant: EmulatedWallet;
  let alice: EmulatedWallet;
  let bob: EmulatedWallet;
  const paid: Deposit[] = [];

  beforeAll(async () => {
    chain = await EmulatedChain.create();
    merchant = await chain.createWallet();
    alice = await chain.createWallet();
    bob = await chain.createWallet({ version: "v5r1" });
    emulator = await startToncenterEmulator({ chain });

    const comments = [
      "order-1",
      "order-2",
      "Спасибо за кружку 🙏",
      ...Array.from({ length: 10 }, (_, i) => `uuid-${i}`),
    ];
    for (const [i, comment] of comments.entries()) {
      const from = i % 2 === 0 ? alice : bob;
      const amount = toNano("0.1") * BigInt(i + 1);
      await chain.transfer(from, merchant.address, amount, { body: comment });
      paid.push({ value: amount.toString(), source: from.address.toString(), comment });
      if (i === 4) {
        // Money that carries no text comment: an encrypted comment and a binary body.
        const encrypted = beginCell().storeUint(0x2167da4b, 32).storeBuffer(randomBytes(64));
        await chain.transfer(alice, merchant.address, toNano("0.3"), { body: encrypted.endCell() });
        const binary = beginCell().storeUint(0x7362d09c, 32).storeUint(42, 64).endCell();
        await chain.transfer(bob, merchant.address, toNano("0.4"), { body: binary });
      }
    }
  });

  afterAll(async () => {
    await emulator.close();
  });

  it("finds exactly the text-comment payments, with their amounts, senders and comments", async () => {
    const client = new TonWeb(new TonWeb.HttpProvider(emulator.endpoint));
    const found = await depositsFoundByExample(client, merchant.address.toString());

    const byComment = (a: Deposit, b: Deposit) => (a.comment ?? "").localeCompare(b.comment ?? "");
    expect(found.sort(byComment)).toEqual([...paid].sort(byComment));
    // The walk really crossed pages: 13 comments, 2 other payments and the wallet's funding.
    expect(chain.transactions(merchant.address).length).toBeGreaterThan(10);
  });
});
