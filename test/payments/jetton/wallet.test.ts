import { Address } from "@ton/core";
import {
  deployJetton,
  EmulatedChain,
  type EmulatedJetton,
  type EmulatedWallet,
  mintJetton,
  noFaults,
  startToncenterEmulator,
  type ToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ShopMetrics } from "../../../src/http/metrics.js";
import { silentLogger } from "../../../src/log.js";
import {
  announceOurJettonWallet,
  jettonWalletBalance,
  NotAJettonMaster,
  ourJettonWallet,
} from "../../../src/payments/jetton/wallet.js";
import { ToncenterClient } from "../../../src/payments/ton/client.js";
import { redisKeys } from "../../../src/redis/keys.js";
import { testRedis } from "../../support/redis.js";

const { redis, prefix } = testRedis();

let chain: EmulatedChain;
let merchant: EmulatedWallet;
let usdt: EmulatedJetton;
let emulator: ToncenterEmulator;

beforeAll(async () => {
  chain = await EmulatedChain.create();
  const issuer = await chain.createWallet({ version: "v4" });
  merchant = await chain.createWallet({ version: "v5r1" });
  usdt = await deployJetton(chain, issuer, "https://example.invalid/usdt.json");
  emulator = await startToncenterEmulator({ chain });
});

afterAll(async () => {
  await emulator?.close();
  await redis.quit();
});

beforeEach(() => {
  emulator.setFaults(noFaults());
  emulator.resetStats();
});

/** A fresh process's toncenter client, as after a restart. */
function toncenter(metrics?: ShopMetrics) {
  return new ToncenterClient({
    endpoint: emulator.endpoint,
    rps: 1000,
    retries: 4,
    minBackoffMs: 1,
    maxBackoffMs: 2,
    timeoutMs: 2000,
    metrics,
  });
}

let n = 0;
/** The shop's view on a prefix of its own, each test starting with nothing remembered. */
function shop(client = toncenter()) {
  n++;
  return { redis, prefix: `${prefix}${n}:`, toncenter: client, testnet: true };
}

const asks = () => emulator.stats.byMethod.runGetMethod ?? 0;

/** announceOurJettonWallet for the merchant and the test USDT, quiet, with `options` over a shop's. */
function announce(
  options: Partial<Parameters<typeof announceOurJettonWallet>[0]> = {},
): ReturnType<typeof announceOurJettonWallet> {
  return announceOurJettonWallet(
    {
      ...shop(),
      log: silentLogger,
      stopping: new AbortController().signal,
      askAgainMs: 1,
      ...options,
    },
    usdt.master,
    merchant.address,
  );
}

describe("our USDT jetton wallet", () => {
  it("is the wallet the master names for the merchant, asked of toncenter once and then remembered", async () => {
    const options = shop();

    const wallet = await ourJettonWallet(options, usdt.master, merchant.address);

    expect(wallet.equals(await usdt.walletOf(merchant.address))).toBe(true);
    expect(asks()).toBe(1);
    expect(await redis.hgetall(redisKeys(options.prefix).jettonWallet)).toEqual({
      master: usdt.master.toRawString(),
      owner: merchant.address.toRawString(),
      wallet: wallet.toRawString(),
    });

    // A restarted process: a new client, the same Redis.
    const again = await ourJettonWallet(
      { ...options, toncenter: toncenter() },
      usdt.master,
      merchant.address,
    );
    expect(again.equals(wallet)).toBe(true);
    expect(asks()).toBe(1);
  });

  it("asks again, and remembers the new answer, when the master or the merchant changed", async () => {
    const options = shop();
    await ourJettonWallet(options, usdt.master, merchant.address);
    const other = await chain.createWallet({ version: "v5r1" });
    const issuer = await chain.createWallet({ version: "v4" });
    const another = await deployJetton(chain, issuer, "https://example.invalid/other.json");

    const forOther = await ourJettonWallet(options, usdt.master, other.address);
    expect(forOther.equals(await usdt.walletOf(other.address))).toBe(true);
    expect(asks()).toBe(2);

    const ofAnother = await ourJettonWallet(options, another.master, other.address);
    expect(ofAnother.equals(await another.walletOf(other.address))).toBe(true);
    expect(ofAnother.equals(forOther)).toBe(false);
    expect(asks()).toBe(3);

    expect(await redis.hgetall(redisKeys(options.prefix).jettonWallet)).toMatchObject({
      master: another.master.toRawString(),
      owner: other.address.toRawString(),
    });
    expect((await ourJettonWallet(options, another.master, other.address)).equals(ofAnother)).toBe(
      true,
    );
    expect(asks()).toBe(3);
  });

  it("asks the master again when what Redis holds is not a wallet it could have written", async () => {
    const options = shop();
    const key = redisKeys(options.prefix).jettonWallet;
    await redis.hset(key, {
      master: usdt.master.toRawString(),
      owner: merchant.address.toRawString(),
      wallet: "not an address",
    });

    const wallet = await ourJettonWallet(options, usdt.master, merchant.address);

    expect(wallet.equals(await usdt.walletOf(merchant.address))).toBe(true);
    expect(asks()).toBe(1);
    expect(await redis.hget(key, "wallet")).toBe(wallet.toRawString());
  });

  it("refuses a master where no contract is deployed, naming it, and remembers nothing", async () => {
    const options = shop();
    const nowhere = new Address(0, Buffer.alloc(32, 0x5a));

    const error = await ourJettonWallet(options, nowhere, merchant.address).catch((e) => e);

    expect(error).toBeInstanceOf(NotAJettonMaster);
    expect(error).toMatchObject({ exitCode: -13 });
    expect((error as Error).message).toBe(
      `${nowhere.toString({ testOnly: true })} is not a jetton master: no contract is deployed there`,
    );
    expect(await redis.exists(redisKeys(options.prefix).jettonWallet)).toBe(0);
  });

  it("refuses a contract that is not a jetton master, with the exit code its get-method gave", async () => {
    const error = await ourJettonWallet(shop(), merchant.address, merchant.address).catch((e) => e);

    expect(error).toBeInstanceOf(NotAJettonMaster);
    expect((error as NotAJettonMaster).exitCode).not.toBe(0);
    expect((error as Error).message).toMatch(
      /^kQ\S+ is not a jetton master: its get_wallet_address failed with exit code -?\d+$/,
    );
  });

  it("waits out a rate limit and a toncenter failure, counting each try like any other call", async () => {
    const metrics = new ShopMetrics({ defaultMetrics: false });
    const client = toncenter(metrics);
    emulator.setFaults({ failNext: ["429", "500"] });

    const wallet = await ourJettonWallet(shop(client), usdt.master, merchant.address);

    expect(wallet.equals(await usdt.walletOf(merchant.address))).toBe(true);
    expect(client.requests).toBe(3);
    const { body } = await metrics.text();
    expect(body).toContain('tpb_toncenter_requests_total{status="429"} 1');
    expect(body).toContain('tpb_toncenter_requests_total{status="500"} 1');
    expect(body).toContain('tpb_toncenter_requests_total{status="200"} 1');
  });

  it("holds nothing before its first credit, and what was credited after", async () => {
    const client = toncenter();
    const owner = await chain.createWallet({ version: "v5r1" });
    const wallet = await usdt.walletOf(owner.address);

    expect(await jettonWalletBalance(client, wallet)).toBe(0n);

    await mintJetton(chain, usdt, owner.address, 42_500_000n);
    expect(await jettonWalletBalance(client, wallet)).toBe(42_500_000n);
  });

  it("is asked for again at start until toncenter answers, then announced and returned", async () => {
    const client = toncenter();
    let refusals = 2;
    const flaky = {
      runMethodWithError: (...args: Parameters<ToncenterClient["runMethodWithError"]>) => {
        if (refusals-- > 0) return Promise.reject(new Error("toncenter away"));
        return client.runMethodWithError(...args);
      },
    };
    const wallet = await announce({ toncenter: flaky });
    expect(wallet).toBeInstanceOf(Address);
    expect((wallet as Address).equals(await usdt.walletOf(merchant.address))).toBe(true);
    expect(refusals).toBe(-1);
  });

  it("asks again when Redis fails as the answer is kept, and keeps it whole the next time", async () => {
    const options = shop();
    const key = redisKeys(options.prefix).jettonWallet;
    let refusals = 1;
    // Redis fails the write of the master's answer once, as when it goes away right then.
    const flaky = new Proxy(redis, {
      get(target, property, receiver) {
        if (property === "hset" && refusals-- > 0) {
          return () => Promise.reject(new Error("Connection is closed."));
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const wallet = await announce({ ...options, redis: flaky });

    expect(wallet).toBeInstanceOf(Address);
    expect((wallet as Address).equals(await usdt.walletOf(merchant.address))).toBe(true);
    expect(asks()).toBe(2);
    expect(await redis.hgetall(key)).toEqual({
      master: usdt.master.toRawString(),
      owner: merchant.address.toRawString(),
      wallet: (wallet as Address).toRawString(),
    });
  });

  it("takes the wallet another process was told while it waits to ask toncenter again", async () => {
    const options = shop();
    const away = {
      runMethodWithError: () => Promise.reject(new Error("toncenter away")),
    };
    const announced = announce({
      ...options,
      toncenter: away,
      askAgainMs: 60_000,
      lookAgainMs: 10,
    });
    // The leader, answered by toncenter, keeps our jetton wallet in the shared Redis.
    const told = await ourJettonWallet(options, usdt.master, merchant.address);

    const wallet = await announced;
    expect(wallet).toBeInstanceOf(Address);
    expect((wallet as Address).equals(told)).toBe(true);
  });

  it("stops asking once the shop is stopping", async () => {
    const stopping = new AbortController();
    const away = {
      runMethodWithError: () => {
        stopping.abort();
        return Promise.reject(new Error("toncenter away"));
      },
    };
    const wallet = await announce({
      toncenter: away,
      stopping: stopping.signal,
      askAgainMs: 60_000,
    });
    expect(wallet).toBeUndefined();
  });
});
