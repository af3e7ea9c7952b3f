import { type Address, beginCell } from "@ton/core";
import {
  deployJetton,
  EmulatedChain,
  type EmulatedJetton,
  type EmulatedWallet,
  mintJetton,
  OP_TRANSFER_NOTIFICATION,
  sendJetton,
  startToncenterEmulator,
  type ToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { NewOrder } from "../../../src/orders/store.js";
import { ToncenterClient } from "../../../src/payments/ton/client.js";
import { PaymentWatcher, type WatcherOptions } from "../../../src/payments/ton/watcher.js";
import { redisKeys } from "../../../src/redis/keys.js";
import { testRedis } from "../../support/redis.js";
import { shop, tonOrder } from "../../support/shop.js";

/** One USDT, in base units (6 decimals). */
const USDT = 1_000_000n;

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

interface World {
  chain: EmulatedChain;
  emulator: ToncenterEmulator;
  merchant: EmulatedWallet;
  buyer: EmulatedWallet;
  usdt: EmulatedJetton;
  /** Our jetton wallet: not deployed until its first credit. */
  ourJettonWallet: Address;
  parts: ReturnType<typeof shop>;
  prefix: string;
}

let world: World;
let run = 0;

beforeEach(async () => {
  run++;
  const chain = await EmulatedChain.create();
  const issuer = await chain.createWallet({ version: "v4" });
  const merchant = await chain.createWallet({ version: "v5r1" });
  const buyer = await chain.createWallet({ version: "v4" });
  const usdt = await deployJetton(chain, issuer, "https://example.invalid/usdt.json");
  await mintJetton(chain, usdt, buyer.address, 1_000n * USDT);
  const emulator = await startToncenterEmulator({ chain });
  const worldPrefix = `${prefix}${run}:`;
  world = {
    chain,
    emulator,
    merchant,
    buyer,
    usdt,
    ourJettonWallet: await usdt.walletOf(merchant.address),
    parts: shop(redis, worldPrefix),
    prefix: worldPrefix,
  };
  return () => emulator.close();
});

function client() {
  return new ToncenterClient({
    endpoint: world.emulator.endpoint,
    rps: 1000,
    minBackoffMs: 1,
    maxBackoffMs: 5,
    retries: 8,
  });
}

/** A watcher as the shop runs it: on our jetton wallet, or on the merchant wallet knowing it. */
function watcher(role: "jetton-wallet" | "merchant", overrides: Partial<WatcherOptions> = {}) {
  return new PaymentWatcher({
    redis,
    prefix: world.prefix,
    source: client(),
    merchant: world.merchant.address,
    jettonWallet: world.ourJettonWallet,
    role,
    ...world.parts,
    ...overrides,
  });
}

/** A watcher that has polled once, so holds its cursor. */
async function initialised(
  role: "jetton-wallet" | "merchant",
  overrides?: Partial<WatcherOptions>,
) {
  const created = watcher(role, overrides);
  expect((await created.pollOnce()).kind).toBe("initialised");
  return created;
}

function usdtOrder(amount: bigint, overrides: Partial<NewOrder> = {}) {
  return world.parts.store.create(
    tonOrder({ method: "usdt", currency: "USDT", amount, ...overrides }),
  );
}

/** The buyer pays `amount` USDT to the merchant with `comment`, as a wallet app sends it. */
function payUsdt(
  amount: bigint,
  comment: string,
  options: { payloadPlace?: "inline" | "ref"; forwardTonAmount?: bigint } = {},
) {
  return sendJetton(world.chain, world.usdt, world.buyer, {
    to: world.merchant.address,
    amount,
    payload: comment,
    ...options,
  });
}

/** A transfer_notification body as a jetton wallet writes it, comment inline. */
function notificationBody(amount: bigint, sender: Address, comment: string) {
  return beginCell()
    .storeUint(OP_TRANSFER_NOTIFICATION, 32)
    .storeUint(0, 64)
    .storeCoins(amount)
    .storeAddress(sender)
    .storeBit(0)
    .storeUint(0, 32)
    .storeStringTail(comment)
    .endCell();
}

describe("PaymentWatcher on our jetton wallet", () => {
  it("finds the first credit, the one that creates our jetton wallet, after a cold start", async () => {
    const jettons = watcher("jetton-wallet");
    // Nothing on our jetton wallet yet: the cursor starts before its first transaction.
    expect(await jettons.pollOnce()).toEqual({ kind: "initialised", cursor: undefined });
    expect(await jettons.cursor()).toEqual({ lt: "0", hash: "" });
    const order = await usdtOrder(5n * USDT);
    await payUsdt(5n * USDT, order.comment ?? "", { payloadPlace: "ref" });

    expect(await jettons.pollOnce()).toMatchObject({ kind: "processed", payments: 1 });
    const paid = await world.parts.store.require(order.id);
    expect(paid).toMatchObject({ status: "paid", paid: 5n * USDT });
    const [payment] = paid.payments;
    expect(payment).toMatchObject({
      method: "usdt",
      currency: "USDT",
      amount: 5n * USDT,
      from: world.buyer.address.toRawString(),
    });
    const [credit] = world.chain.transactions(world.ourJettonWallet);
    expect(credit).toBeDefined();
    expect(payment?.key).toBe(`usdt:${credit?.hash().toString("hex")}`);
    expect(payment?.reference).toEqual({
      lt: credit?.lt.toString(),
      hash: credit?.hash().toString("hex"),
    });
  });

  it("pays orders whose comment is inline, and one sent with no notification at all", async () => {
    const jettons = await initialised("jetton-wallet");
    const merchantWatcher = await initialised("merchant");
    const inline = await usdtOrder(3n * USDT);
    const silent = await usdtOrder(7n * USDT);
    await payUsdt(3n * USDT, inline.comment ?? "", { payloadPlace: "inline" });
    await payUsdt(7n * USDT, silent.comment ?? "", { forwardTonAmount: 0n });

    expect(await jettons.pollOnce()).toMatchObject({ kind: "processed", payments: 2 });
    expect(await world.parts.store.require(inline.id)).toMatchObject({ status: "paid" });
    expect(await world.parts.store.require(silent.id)).toMatchObject({ status: "paid" });
    // The one notice that came is ours: ignored on the merchant wallet, never a TON payment.
    expect(await merchantWatcher.pollOnce()).toMatchObject({
      kind: "processed",
      transactions: 1,
      ignored: 1,
      payments: 0,
      unmatched: 0,
    });
    expect(await world.parts.unmatched.count()).toBe(0);
  });

  it("keeps an underpaid USDT order open until topped up, and takes more than the price", async () => {
    const jettons = await initialised("jetton-wallet");
    const short = await usdtOrder(10n * USDT);
    const generous = await usdtOrder(2n * USDT);
    await payUsdt(4n * USDT, short.comment ?? "");
    await payUsdt(3n * USDT, generous.comment ?? "");
    await jettons.pollOnce();
    expect(await world.parts.store.require(short.id)).toMatchObject({
      status: "pending",
      paid: 4n * USDT,
    });
    expect(await world.parts.store.require(generous.id)).toMatchObject({
      status: "paid",
      paid: 3n * USDT,
    });

    await payUsdt(6n * USDT, short.comment ?? "");
    await jettons.pollOnce();
    const topped = await world.parts.store.require(short.id);
    expect(topped).toMatchObject({ status: "paid", paid: 10n * USDT });
    expect(topped.payments).toHaveLength(2);
  });

  it("keeps USDT with an unknown comment for the admin, as USDT, and only tiny amounts as dust", async () => {
    const jettons = await initialised("jetton-wallet");
    // Half a USDT is under TON's dust threshold in base units, but is no dust in USDT.
    await payUsdt(USDT / 2n, "TP-NOTANORDER");
    await payUsdt(9_999n, "TP-NOTANORDER");
    await jettons.pollOnce();

    const kept = (await world.parts.unmatched.list(10)).sort((a, b) =>
      a.amount < b.amount ? -1 : 1,
    );
    expect(kept.map((p) => [p.method, p.currency, p.amount, p.reason, p.comment])).toEqual([
      ["usdt", "USDT", 9_999n, "dust", "TP-NOTANORDER"],
      ["usdt", "USDT", USDT / 2n, "unknown-comment", "TP-NOTANORDER"],
    ]);
    expect(kept.every((p) => p.key.startsWith("usdt:"))).toBe(true);
    expect(kept.every((p) => p.from === world.buyer.address.toRawString())).toBe(true);
  });

  it("applies a credit once when a restart reads the same page again", async () => {
    const before = await initialised("jetton-wallet");
    const cursor = await before.cursor();
    const order = await usdtOrder(5n * USDT);
    await payUsdt(5n * USDT, order.comment ?? "");
    await before.pollOnce();
    await before.stop();
    // A crash before the cursor moved: the next process reads the same page again.
    await redis.set(
      redisKeys(world.prefix).watcherCursor(world.ourJettonWallet.toRawString()),
      JSON.stringify(cursor),
    );
    const after = watcher("jetton-wallet");
    expect(await after.pollOnce()).toMatchObject({ kind: "processed", transactions: 1 });
    expect(await after.pollOnce()).toEqual({ kind: "idle" });

    const paid = await world.parts.store.require(order.id);
    expect(paid).toMatchObject({ status: "paid", paid: 5n * USDT });
    expect(paid.payments).toHaveLength(1);
  });

  it("counts a USDT credit naming a TON order as a mismatch, never as payment", async () => {
    const jettons = await initialised("jetton-wallet");
    const order = await world.parts.store.create(tonOrder({ amount: 5n * USDT }));
    await payUsdt(5n * USDT, order.comment ?? "");
    await jettons.pollOnce();
    const after = await world.parts.store.require(order.id);
    expect(after).toMatchObject({ status: "pending", paid: 0n });
    expect(after.exceptions).toContain("mismatch");
  });
});

describe("jetton notifications on the merchant wallet", () => {
  it("keeps a fake master's “USDT” as a fake-jetton attempt, and credits nothing", async () => {
    const jettons = await initialised("jetton-wallet");
    const merchantWatcher = await initialised("merchant");
    const order = await usdtOrder(5n * USDT);
    const forger = await world.chain.createWallet({ version: "v4" });
    // Same code, same metadata: only the master differs.
    const fake = await deployJetton(world.chain, forger, "https://example.invalid/usdt.json");
    await mintJetton(world.chain, fake, forger.address, 100n * USDT);
    await sendJetton(world.chain, fake, forger, {
      to: world.merchant.address,
      amount: 5n * USDT,
      payload: order.comment ?? "",
    });

    expect((await jettons.pollOnce()).kind).toBe("idle");
    expect(await merchantWatcher.pollOnce()).toMatchObject({ kind: "processed", unmatched: 1 });
    expect(await world.parts.store.require(order.id)).toMatchObject({
      status: "pending",
      paid: 0n,
    });
    const [kept] = await world.parts.unmatched.list(10);
    expect(kept).toMatchObject({
      method: "ton",
      currency: "TON",
      amount: 1n,
      reason: "fake-jetton",
      comment: order.comment,
      from: (await fake.walletOf(world.merchant.address)).toRawString(),
      reference: {
        claimedAmount: (5n * USDT).toString(),
        claimedSender: forger.address.toRawString(),
      },
    });
  });

  it("keeps a notification forged by a plain wallet as a fake-jetton attempt", async () => {
    const merchantWatcher = await initialised("merchant");
    const order = await usdtOrder(5n * USDT);
    const forger = await world.chain.createWallet({ version: "v4" });
    await world.chain.transfer(forger, world.merchant.address, 10_000_000n, {
      body: notificationBody(5n * USDT, world.buyer.address, order.comment ?? ""),
    });

    await merchantWatcher.pollOnce();
    const [kept] = await world.parts.unmatched.list(10);
    expect(kept).toMatchObject({
      reason: "fake-jetton",
      amount: 10_000_000n,
      from: forger.address.toRawString(),
      comment: order.comment,
      reference: { claimedAmount: (5n * USDT).toString() },
    });
    expect(await world.parts.store.require(order.id)).toMatchObject({ status: "pending" });
  });

  it("pays the order once, from the jetton side, when our genuine notice arrives too", async () => {
    const jettons = await initialised("jetton-wallet");
    const merchantWatcher = await initialised("merchant");
    const order = await usdtOrder(5n * USDT);
    await payUsdt(5n * USDT, order.comment ?? "", { forwardTonAmount: 10_000_000n });

    expect(await merchantWatcher.pollOnce()).toMatchObject({ ignored: 1, payments: 0 });
    expect(await jettons.pollOnce()).toMatchObject({ payments: 1 });
    const paid = await world.parts.store.require(order.id);
    expect(paid).toMatchObject({ status: "paid", paid: 5n * USDT });
    expect(paid.payments.map((p) => p.method)).toEqual(["usdt"]);
    expect(await world.parts.unmatched.count()).toBe(0);
  });

  it("reads notifications as today while the shop does not sell in USDT", async () => {
    const merchantWatcher = await initialised("merchant", { jettonWallet: undefined });
    await world.chain.transfer(world.buyer, world.merchant.address, 1n, {
      body: notificationBody(5n * USDT, world.buyer.address, "TP-ANYTHING"),
    });
    await merchantWatcher.pollOnce();
    const [kept] = await world.parts.unmatched.list(10);
    expect(kept).toMatchObject({ reason: "dust", amount: 1n, method: "ton" });
  });

  /** What the merchant's watcher holds back until our jetton wallet is known: hash → lt. */
  const heldNotices = () =>
    redis.hgetall(redisKeys(world.prefix).watcherHeldNotices(world.merchant.address.toRawString()));

  it("holds a notice that came before our jetton wallet was known, applies what came with it, and then reads it as ours", async () => {
    const merchantWatcher = await initialised("merchant", {
      jettonWallet: undefined,
      awaitsJettonWallet: true,
    });
    const order = await usdtOrder(5n * USDT);
    await payUsdt(5n * USDT, order.comment ?? "", { forwardTonAmount: 10_000_000n });
    // TON paid after the notice, read in the same poll, is not held up by it.
    const ton = await world.parts.store.create(tonOrder({ amount: 1_000_000_000n }));
    await world.chain.transfer(world.buyer, world.merchant.address, 1_000_000_000n, {
      body: ton.comment ?? "",
    });

    expect(await merchantWatcher.pollOnce()).toMatchObject({
      kind: "processed",
      payments: 1,
      ignored: 1,
    });
    expect(await world.parts.store.require(ton.id)).toMatchObject({ status: "paid" });
    expect(Object.keys(await heldNotices())).toHaveLength(1);
    expect(await world.parts.unmatched.count()).toBe(0);

    merchantWatcher.useJettonWallet(world.ourJettonWallet);
    expect(await merchantWatcher.pollOnce()).toMatchObject({ kind: "idle" });
    expect(await heldNotices()).toEqual({});
    expect(await world.parts.unmatched.count()).toBe(0);
    // The credit itself is the jetton wallet's watcher's to find.
    expect(await world.parts.store.require(order.id)).toMatchObject({ status: "pending" });
  });

  it("holds a forged notice until our jetton wallet is known, then keeps it as a fake", async () => {
    const merchantWatcher = await initialised("merchant", {
      jettonWallet: undefined,
      awaitsJettonWallet: true,
    });
    const forger = await world.chain.createWallet({ version: "v4" });
    await world.chain.transfer(forger, world.merchant.address, 10_000_000n, {
      body: notificationBody(5n * USDT, world.buyer.address, "TP-FORGED"),
    });
    await merchantWatcher.pollOnce();
    expect(Object.keys(await heldNotices())).toHaveLength(1);
    expect(await world.parts.unmatched.count()).toBe(0);

    // A restarted process that knows our jetton wallet from the start judges what was held.
    await merchantWatcher.stop();
    const next = watcher("merchant", { awaitsJettonWallet: true });
    expect(await next.pollOnce()).toMatchObject({ kind: "idle" });
    const [kept] = await world.parts.unmatched.list(10);
    expect(kept).toMatchObject({ reason: "fake-jetton", amount: 10_000_000n });
    expect(await heldNotices()).toEqual({});
  });

  it("reads held notices as TON once there will be no jetton wallet", async () => {
    const merchantWatcher = await initialised("merchant", {
      jettonWallet: undefined,
      awaitsJettonWallet: true,
    });
    await world.chain.transfer(world.buyer, world.merchant.address, 1n, {
      body: notificationBody(5n * USDT, world.buyer.address, "TP-ANYTHING"),
    });
    await merchantWatcher.pollOnce();
    expect(await world.parts.unmatched.count()).toBe(0);

    // USDT_MASTER is not a jetton master: the shop reads notices as a TON-only shop does.
    merchantWatcher.noJettonWallet();
    await merchantWatcher.pollOnce();
    const [kept] = await world.parts.unmatched.list(10);
    expect(kept).toMatchObject({ reason: "dust", amount: 1n, method: "ton" });
    expect(await heldNotices()).toEqual({});
  });
});
