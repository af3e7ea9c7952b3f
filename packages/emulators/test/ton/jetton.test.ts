import { type Address, beginCell, type Transaction, toNano } from "@ton/core";
import {
  deployJetton,
  EmulatedChain,
  type EmulatedJetton,
  type EmulatedWallet,
  jettonBalance,
  mintJetton,
  OP_EXCESSES,
  OP_INTERNAL_TRANSFER,
  OP_TRANSFER_NOTIFICATION,
  sendJetton,
  sendJettons,
} from "@ton-payment-bot/emulators/ton";
import { beforeAll, describe, expect, it } from "vitest";

const USDT = 1_000_000n;

/** The op of a transaction's inbound message, or undefined without one. */
function opOf(tx: Transaction | undefined): number | undefined {
  const body = tx?.inMessage?.body.beginParse();
  return body && body.remainingBits >= 32 ? body.loadUint(32) : undefined;
}

function computeOk(tx: Transaction): boolean {
  const d = tx.description;
  return d.type === "generic" && d.computePhase.type === "vm" && d.computePhase.success;
}

/** The comment of a transfer_notification body (op, query, amount, sender, Either payload). */
function notifiedComment(tx: Transaction | undefined): string | undefined {
  const body = tx?.inMessage?.body.beginParse();
  if (!body || body.loadUint(32) !== OP_TRANSFER_NOTIFICATION) return undefined;
  body.loadUint(64);
  body.loadCoins();
  body.loadAddress();
  const payload = body.loadBit() ? body.loadRef().beginParse() : body;
  if (payload.loadUint(32) !== 0) return undefined;
  return payload.loadStringTail();
}

describe("jettons on the emulated chain (TEP-74 reference contracts)", () => {
  let chain: EmulatedChain;
  let issuer: EmulatedWallet;
  let buyer: EmulatedWallet;
  let merchant: EmulatedWallet;
  let usdt: EmulatedJetton;

  beforeAll(async () => {
    chain = await EmulatedChain.create();
    issuer = await chain.createWallet({ version: "v4" });
    buyer = await chain.createWallet({ version: "v5r1" });
    merchant = await chain.createWallet({ version: "v5r1" });
    usdt = await deployJetton(chain, issuer, "https://example.invalid/usdt.json");
    await mintJetton(chain, usdt, buyer.address, 1000n * USDT);
  });

  const walletTxs = async (owner: Address) => chain.transactions(await usdt.walletOf(owner));

  it("mints to the buyer's jetton wallet, which get_wallet_address names", async () => {
    expect(await jettonBalance(chain, usdt, buyer.address)).toBe(1000n * USDT);
    const wallet = await usdt.walletOf(buyer.address);
    expect(wallet.equals(await usdt.walletOf(merchant.address))).toBe(false);
    expect(opOf(chain.transactions(wallet)[0])).toBe(OP_INTERNAL_TRANSFER);
  });

  it("credits the merchant's jetton wallet, creating it, and notifies the merchant with the comment in a ref", async () => {
    await sendJetton(chain, usdt, buyer, {
      to: merchant.address,
      amount: 25n * USDT,
      payload: "TP-REF1",
    });

    expect(await jettonBalance(chain, usdt, merchant.address)).toBe(25n * USDT);
    expect(await jettonBalance(chain, usdt, buyer.address)).toBe(975n * USDT);
    const [credit] = await walletTxs(merchant.address);
    expect(opOf(credit)).toBe(OP_INTERNAL_TRANSFER);
    expect(credit && computeOk(credit)).toBe(true);
    const notice = chain.transactions(merchant.address).at(-1);
    expect(opOf(notice)).toBe(OP_TRANSFER_NOTIFICATION);
    expect(notifiedComment(notice)).toBe("TP-REF1");
    expect(notice?.inMessage?.info.src?.toString()).toBe(
      (await usdt.walletOf(merchant.address)).toString(),
    );
    // The rest of the attached TON goes back to the buyer.
    expect(opOf(chain.transactions(buyer.address).at(-1))).toBe(OP_EXCESSES);
  });

  it("carries an inline comment too", async () => {
    await sendJetton(chain, usdt, buyer, {
      to: merchant.address,
      amount: USDT,
      payload: "TP-INLINE",
      payloadPlace: "inline",
    });
    expect(notifiedComment(chain.transactions(merchant.address).at(-1))).toBe("TP-INLINE");
  });

  it("sends no notification with forward_ton_amount 0, yet the jetton wallet is credited", async () => {
    const notices = chain.transactions(merchant.address).length;
    const credits = (await walletTxs(merchant.address)).length;

    await sendJetton(chain, usdt, buyer, {
      to: merchant.address,
      amount: 2n * USDT,
      payload: "TP-SILENT",
      forwardTonAmount: 0n,
    });

    expect(chain.transactions(merchant.address)).toHaveLength(notices);
    expect(await walletTxs(merchant.address)).toHaveLength(credits + 1);
    expect(await jettonBalance(chain, usdt, merchant.address)).toBe(28n * USDT);
  });

  it("a fake master's 'USDT' lands in another jetton wallet, and its notice comes from it", async () => {
    const forger = await chain.createWallet({ version: "v4" });
    const fake = await deployJetton(chain, forger, "https://example.invalid/usdt.json");
    await mintJetton(chain, fake, forger.address, 1000n * USDT);

    await sendJetton(chain, fake, forger, {
      to: merchant.address,
      amount: 500n * USDT,
      payload: "TP-FAKE",
    });

    expect(fake.master.equals(usdt.master)).toBe(false);
    const notice = chain.transactions(merchant.address).at(-1);
    expect(notifiedComment(notice)).toBe("TP-FAKE");
    const from = notice?.inMessage?.info.src?.toString();
    expect(from).toBe((await fake.walletOf(merchant.address)).toString());
    expect(from).not.toBe((await usdt.walletOf(merchant.address)).toString());
    expect(await jettonBalance(chain, usdt, merchant.address)).toBe(28n * USDT);
  });

  it("refuses a transfer larger than the balance: the buyer's jetton wallet fails, nothing is credited", async () => {
    const poor = await chain.createWallet({ version: "v5r1" });
    await mintJetton(chain, usdt, poor.address, USDT);
    const credits = (await walletTxs(merchant.address)).length;

    await sendJetton(chain, usdt, poor, {
      to: merchant.address,
      amount: 5n * USDT,
      payload: "TP-POOR",
    });

    const failed = chain.transactions(await usdt.walletOf(poor.address)).at(-1);
    expect(failed && computeOk(failed)).toBe(false);
    expect(await walletTxs(merchant.address)).toHaveLength(credits);
    expect(await jettonBalance(chain, usdt, poor.address)).toBe(USDT);
  });

  it("a plain wallet can forge a notification body, and it arrives from that wallet", async () => {
    const forger = await chain.createWallet({ version: "v4" });
    const body = beginCell()
      .storeUint(OP_TRANSFER_NOTIFICATION, 32)
      .storeUint(0, 64)
      .storeCoins(100n * USDT)
      .storeAddress(forger.address)
      .storeBit(1)
      .storeRef(beginCell().storeUint(0, 32).storeStringTail("TP-FORGED").endCell())
      .endCell();

    await chain.transfer(forger, merchant.address, 10_000_000n, { body });

    const notice = chain.transactions(merchant.address).at(-1);
    expect(notifiedComment(notice)).toBe("TP-FORGED");
    expect(notice?.inMessage?.info.src?.toString()).toBe(forger.address.toString());
  });

  it("sends hundreds of transfers in a few signed messages, each credited and notified with its own comment", async () => {
    const payer = await chain.createWallet({ version: "v5r1", balance: toNano(1000) });
    await mintJetton(chain, usdt, payer.address, 260n * USDT);
    const before = await jettonBalance(chain, usdt, merchant.address);
    const credits = (await walletTxs(merchant.address)).length;
    const notices = chain.transactions(merchant.address).length;
    const comments = Array.from({ length: 260 }, (_, i) => `TP-BATCH${i}`);

    await sendJettons(
      chain,
      usdt,
      payer,
      comments.map((comment) => ({ to: merchant.address, amount: USDT, payload: comment })),
    );

    // 260 transfers in two signed messages: 255 in the first, 5 in the second.
    const signed = chain
      .transactions(payer.address)
      .filter((tx) => tx.inMessage?.info.type === "external-in");
    expect(signed).toHaveLength(2);
    expect(await jettonBalance(chain, usdt, payer.address)).toBe(0n);
    expect(await jettonBalance(chain, usdt, merchant.address)).toBe(before + 260n * USDT);
    const newCredits = (await walletTxs(merchant.address)).slice(credits);
    expect(newCredits).toHaveLength(260);
    expect(newCredits.every((tx) => opOf(tx) === OP_INTERNAL_TRANSFER && computeOk(tx))).toBe(true);
    const newNotices = chain.transactions(merchant.address).slice(notices);
    expect(newNotices.map(notifiedComment)).toEqual(comments);
  });

  it("sends four transfers to a signed message from a v4 wallet", async () => {
    const payer = await chain.createWallet({ version: "v4" });
    await mintJetton(chain, usdt, payer.address, 6n * USDT);
    const before = await jettonBalance(chain, usdt, merchant.address);

    await sendJettons(
      chain,
      usdt,
      payer,
      Array.from({ length: 6 }, (_, i) => ({
        to: merchant.address,
        amount: USDT,
        payload: `TP-V4${i}`,
      })),
    );

    const signed = chain
      .transactions(payer.address)
      .filter((tx) => tx.inMessage?.info.type === "external-in");
    expect(signed).toHaveLength(2);
    expect(await jettonBalance(chain, usdt, merchant.address)).toBe(before + 6n * USDT);
  });
});
