import { Address, beginCell, external, storeMessage, type Transaction, toNano } from "@ton/core";
import { internal } from "@ton/sandbox";
import {
  AccountNotActiveError,
  DEFAULT_PAYER,
  EmulatedChain,
  type EmulatedWallet,
  MessageRejectedError,
} from "@ton-payment-bot/emulators/ton";
import { beforeAll, describe, expect, it } from "vitest";

function commentOf(tx: Transaction | undefined): string | undefined {
  const body = tx?.inMessage?.body.beginParse();
  if (!body || body.remainingBits < 32 || body.loadUint(32) !== 0) return undefined;
  return body.loadStringTail();
}

function expectChained(ledger: readonly Transaction[]): void {
  for (let i = 1; i < ledger.length; i++) {
    const previous = ledger[i - 1] as Transaction;
    const current = ledger[i] as Transaction;
    expect(current.lt).toBeGreaterThan(previous.lt);
    expect(current.prevTransactionLt).toBe(previous.lt);
    expect(current.prevTransactionHash).toBe(BigInt(`0x${previous.hash().toString("hex")}`));
  }
}

describe("EmulatedChain", () => {
  let chain: EmulatedChain;
  let shop: EmulatedWallet;
  let buyer: EmulatedWallet;

  beforeAll(async () => {
    chain = await EmulatedChain.create();
    shop = await chain.createWallet();
    buyer = await chain.createWallet({ version: "v5r1", balance: toNano(50) });
  });

  it("creates deployed wallets with exactly the requested balance, on record", async () => {
    for (const wallet of [shop, buyer]) {
      const account = await chain.account(wallet.address);
      expect(account.state).toBe("active");
      expect(account.code).not.toBeNull();
      const ledger = chain.transactions(wallet.address);
      expect(ledger).toHaveLength(1);
      expect(account.lastTransaction?.lt).toBe(ledger[0]?.lt);
      expect(account.lastTransaction?.hash.equals(ledger[0]?.hash() ?? Buffer.alloc(0))).toBe(true);
      expect(await wallet.contract.getSeqno()).toBe(0);
    }
    expect((await chain.account(shop.address)).balance).toBe(toNano(100));
    expect((await chain.account(buyer.address)).balance).toBe(toNano(50));
  });

  it("leaves undeployed wallets uninitialized, or absent when unfunded", async () => {
    const funded = await chain.createWallet({ deploy: false, balance: toNano(3) });
    const ghost = await chain.createWallet({ deploy: false, balance: 0n });

    const fundedAccount = await chain.account(funded.address);
    expect(fundedAccount.state).toBe("uninitialized");
    expect(fundedAccount.balance).toBe(toNano(3));
    expect(fundedAccount.code).toBeNull();

    expect(await chain.account(ghost.address)).toMatchObject({
      state: "nonexist",
      balance: 0n,
      lastTransaction: null,
    });
    expect(chain.transactions(ghost.address)).toHaveLength(0);
    await expect(chain.runGetMethod(ghost.address, "seqno")).rejects.toBeInstanceOf(
      AccountNotActiveError,
    );
  });

  it("makes signed transfers through the wallet contract, with text comments", async () => {
    const produced = await chain.transfer(buyer, shop.address, toNano(2), { body: "order-1" });

    expect(produced.map((tx) => tx.inMessage?.info.type)).toEqual(["external-in", "internal"]);
    const received = chain.transactions(shop.address).at(-1);
    expect(received?.hash().equals(produced[1]?.hash() ?? Buffer.alloc(0))).toBe(true);
    expect(commentOf(received)).toBe("order-1");
    const inbound = received?.inMessage?.info;
    if (inbound?.type !== "internal") throw new Error("expected an internal message");
    expect(inbound.value.coins).toBe(toNano(2));
    expect(inbound.src.equals(buyer.address)).toBe(true);
    expect(await buyer.contract.getSeqno()).toBe(1);
    expect(chain.transactions(buyer.address).at(-1)?.inMessage?.info.type).toBe("external-in");
  });

  it("deploys an uninitialized wallet with its first transfer", async () => {
    const fresh = await chain.createWallet({ deploy: false, balance: toNano(5) });
    await chain.transfer(fresh, shop.address, toNano(1), { body: "first" });
    expect((await chain.account(fresh.address)).state).toBe("active");
    expect(await fresh.contract.getSeqno()).toBe(1);
    expect(commentOf(chain.transactions(shop.address).at(-1))).toBe("first");
  });

  it("accepts an external message BOC exactly as a wallet app sends it", async () => {
    if (shop.version !== "v4") throw new Error("shop is expected to be a v4 wallet");
    const body = shop.wallet.createTransfer({
      seqno: 0,
      secretKey: shop.keyPair.secretKey,
      messages: [],
      timeout: chain.now + 60,
    });
    const boc = beginCell()
      .store(storeMessage(external({ to: shop.address, body })))
      .endCell()
      .toBoc();

    const produced = await chain.sendBoc(boc);
    expect(produced[0]?.inMessage?.info.type).toBe("external-in");
    expect(await shop.contract.getSeqno()).toBe(1);
    // The same BOC again carries a stale seqno, so the wallet refuses it.
    await expect(chain.sendBoc(boc)).rejects.toBeInstanceOf(MessageRejectedError);
  });

  it("injects arbitrary messages, including bounced ones", async () => {
    const stranger = new Address(0, Buffer.alloc(32, 7));
    const produced = await chain.inject(
      internal({ from: stranger, to: shop.address, value: toNano("0.5"), bounced: true }),
    );
    expect(produced).toHaveLength(1);
    const info = chain.transactions(shop.address).at(-1)?.inMessage?.info;
    expect(info?.type === "internal" && info.bounced).toBe(true);
  });

  it("bulk-injects payments that the wallet really executes, in lt order", async () => {
    const before = chain.transactions(shop.address).length;
    const balanceBefore = (await chain.account(shop.address)).balance;
    const payments = Array.from({ length: 200 }, (_, i) => ({
      amount: toNano("1.5"),
      comment: `bulk-${i}`,
    }));

    await chain.injectPayments(shop.address, payments);

    const ledger = chain.transactions(shop.address);
    expect(ledger).toHaveLength(before + 200);
    expectChained(ledger);
    const injected = ledger.slice(before);
    expect(injected.map(commentOf)).toEqual(payments.map((p) => p.comment));
    const source = injected[0]?.inMessage?.info;
    expect(source?.type === "internal" && source.src.equals(DEFAULT_PAYER)).toBe(true);
    expect(
      injected.every((tx) => tx.description.type === "generic" && !tx.description.aborted),
    ).toBe(true);
    const account = await chain.account(shop.address);
    expect(account.balance).toBeGreaterThan(balanceBefore + toNano(299));
    expect(account.lastTransaction?.lt).toBe(ledger.at(-1)?.lt);
  });

  it("stamps transactions with a clock that only moves forward", async () => {
    const start = chain.now;
    expect(chain.advance(3600)).toBe(start + 3600);
    await chain.injectPayments(shop.address, [{ amount: toNano(1), comment: "later" }]);
    expect(chain.transactions(shop.address).at(-1)?.now).toBe(start + 3600);
    expect(() => {
      chain.now = start;
    }).toThrow(RangeError);
    // Wallets judge valid_until by chain time, so transfers keep working after a jump.
    await chain.transfer(buyer, shop.address, toNano(1), { body: "after the jump" });
    expect(commentOf(chain.transactions(shop.address).at(-1))).toBe("after the jump");
  });
});
