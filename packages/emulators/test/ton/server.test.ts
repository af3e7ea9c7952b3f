import { type Address, internal, SendMode, type Transaction, toNano } from "@ton/core";
import { TonClient, WalletContractV4, WalletContractV5R1 } from "@ton/ton";
import {
  EmulatedChain,
  type EmulatedWallet,
  noFaults,
  startToncenterEmulator,
  type ToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";

const PAYMENTS = 250;

/** What an HTTP failure looked like to TonClient (it surfaces axios errors as they are). */
async function failureOf(promise: Promise<unknown>): Promise<{ status?: number; data?: unknown }> {
  try {
    await promise;
  } catch (error) {
    const response = (error as { response?: { status: number; data: unknown } }).response;
    return { status: response?.status, data: response?.data };
  }
  throw new Error("expected the call to fail");
}

function commentOf(tx: Transaction | undefined): string | undefined {
  const body = tx?.inMessage?.body.beginParse();
  if (!body || body.remainingBits < 32 || body.loadUint(32) !== 0) return undefined;
  return body.loadStringTail();
}

const idOf = (tx: Transaction) => `${tx.lt}:${tx.hash().toString("base64")}`;

/** Walks the whole history newest-first the usual TonClient way: each page anchored on the last. */
async function pageAll(
  client: TonClient,
  address: Address,
  pageSize: number,
): Promise<{ items: Transaction[]; pages: number }> {
  const items: Transaction[] = [];
  let page = await client.getTransactions(address, { limit: pageSize });
  let pages = 1;
  while (page.length > 0) {
    items.push(...page);
    const last = page[page.length - 1] as Transaction;
    page = await client.getTransactions(address, {
      limit: pageSize,
      lt: last.lt.toString(),
      hash: last.hash().toString("base64"),
    });
    pages++;
  }
  return { items, pages };
}

describe("toncenter emulator", () => {
  let chain: EmulatedChain;
  let shop: EmulatedWallet;
  let buyer: EmulatedWallet;
  let emulator: ToncenterEmulator;
  let client: TonClient;
  let history: Transaction[];

  const newestFirst = (address: Address) => [...chain.transactions(address)].reverse();

  const rpc = (method: string, params: Record<string, unknown>) =>
    fetch(emulator.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "1", jsonrpc: "2.0", method, params }),
    });

  beforeAll(async () => {
    chain = await EmulatedChain.create();
    shop = await chain.createWallet();
    buyer = await chain.createWallet();
    await chain.injectPayments(
      shop.address,
      Array.from({ length: PAYMENTS }, (_, i) => ({ amount: toNano("0.1"), comment: `p-${i}` })),
    );
    history = newestFirst(shop.address);
    emulator = await startToncenterEmulator({ chain });
    client = new TonClient({ endpoint: emulator.endpoint });
  });

  afterEach(() => {
    emulator.setFaults({ ...noFaults(), seed: emulator.faults.seed });
  });

  afterAll(async () => {
    await emulator.close();
  });

  describe("getTransactions", () => {
    it("pages through 250+ transactions newest-first, each exactly once", async () => {
      const { items } = await pageAll(client, shop.address, 40);

      expect(items).toHaveLength(PAYMENTS + 1);
      expect(items.map(idOf)).toEqual(history.map(idOf));
      expect(new Set(items.map(idOf)).size).toBe(items.length);
      expect(commentOf(items[0])).toBe(`p-${PAYMENTS - 1}`);
    });

    it("starts an anchored listing at the anchor itself (inclusive)", async () => {
      const anchor = history[17] as Transaction;
      const page = await client.getTransactions(shop.address, {
        limit: 5,
        lt: anchor.lt.toString(),
        hash: anchor.hash().toString("base64"),
        inclusive: true,
      });
      expect(page.map(idOf)).toEqual(history.slice(17, 22).map(idOf));
    });

    it("accepts the anchor hash as base64 too and treats to_lt as exclusive", async () => {
      const anchor = history[10] as Transaction;
      const floor = history[20] as Transaction;
      const response = await rpc("getTransactions", {
        address: shop.address.toString(),
        limit: 100,
        lt: anchor.lt.toString(),
        hash: anchor.hash().toString("base64"),
        to_lt: floor.lt.toString(),
      });
      const body = (await response.json()) as {
        result: { transaction_id: { lt: string; hash: string } }[];
      };
      expect(body.result.map((item) => item.transaction_id.lt)).toEqual(
        history.slice(10, 20).map((tx) => tx.lt.toString()),
      );

      // The watcher's usual poll: everything newer than the last transaction it has seen.
      const newer = await client.getTransactions(shop.address, {
        limit: 100,
        to_lt: floor.lt.toString(),
      });
      expect(newer.map(idOf)).toEqual(history.slice(0, 20).map(idOf));
    });

    it("serves the toncenter item shape, including decoded comments", async () => {
      const response = await rpc("getTransactions", { address: shop.address.toString(), limit: 1 });
      const body = (await response.json()) as {
        ok: boolean;
        result: Record<string, unknown>[];
        "@extra": string;
      };
      expect(body.ok).toBe(true);
      expect(typeof body["@extra"]).toBe("string");
      const newest = history[0] as Transaction;
      expect(body.result[0]).toMatchObject({
        utime: newest.now,
        transaction_id: {
          "@type": "internal.transactionId",
          lt: newest.lt.toString(),
          hash: newest.hash().toString("base64"),
        },
        data: newest.raw.toBoc().toString("base64"),
        in_msg: {
          destination: shop.address.toString(),
          value: toNano("0.1").toString(),
          message: `p-${PAYMENTS - 1}`,
          msg_data: {
            "@type": "msg.dataText",
            text: Buffer.from(`p-${PAYMENTS - 1}`).toString("base64"),
          },
        },
        out_msgs: [],
      });
    });

    it("rejects more than 100 items per page, which TonClient asks for on non-inclusive anchors", async () => {
      const tooMany = await rpc("getTransactions", {
        address: shop.address.toString(),
        limit: 101,
      });
      expect(tooMany.status).toBe(422);
      expect(await tooMany.json()).toMatchObject({ ok: false, code: 422 });

      const anchor = history[0] as Transaction;
      const failure = await failureOf(
        client.getTransactions(shop.address, {
          limit: 100,
          lt: anchor.lt.toString(),
          hash: anchor.hash().toString("base64"),
        }),
      );
      expect(failure.status).toBe(422);
    });

    it("answers an unknown anchor like a liteserver that cannot find it", async () => {
      const anchor = history[3] as Transaction;
      const unknownLt = await rpc("getTransactions", {
        address: shop.address.toString(),
        limit: 5,
        lt: (anchor.lt + 1n).toString(),
        hash: anchor.hash().toString("hex"),
      });
      expect(unknownLt.status).toBe(500);
      expect(await unknownLt.json()).toMatchObject({
        ok: false,
        code: 500,
        error: expect.stringMatching(/^LITE_SERVER_UNKNOWN: .*lt not in db/),
      });

      const wrongHash = await rpc("getTransactions", {
        address: shop.address.toString(),
        limit: 5,
        lt: anchor.lt.toString(),
        hash: (history[4] as Transaction).hash().toString("hex"),
      });
      expect(wrongHash.status).toBe(500);
    });

    it("refuses an anchor with lt or hash alone, and a hash it cannot read, as toncenter does", async () => {
      const anchor = history[3] as Transaction;
      const address = shop.address.toString();
      const answers = await Promise.all([
        rpc("getTransactions", { address, limit: 5, lt: anchor.lt.toString() }),
        rpc("getTransactions", { address, limit: 5, hash: anchor.hash().toString("hex") }),
        rpc("getTransactions", { address, limit: 5, lt: 0, hash: anchor.hash().toString("hex") }),
      ]);
      for (const answer of answers) {
        expect(answer.status).toBe(422);
        expect(await answer.json()).toMatchObject({
          ok: false,
          code: 422,
          error: "lt and hash should be used together",
        });
      }

      const unreadable = await rpc("getTransactions", {
        address,
        limit: 5,
        lt: anchor.lt.toString(),
        hash: "not-a-hash",
      });
      expect(unreadable.status).toBe(422);
      expect(await unreadable.json()).toMatchObject({ ok: false, error: "failed to parse hash" });

      // lt 0 with no hash is no anchor at all: the listing starts at the newest transaction.
      const newest = await rpc("getTransactions", { address, limit: 1, lt: 0 });
      const body = (await newest.json()) as { result: { transaction_id: { lt: string } }[] };
      expect(body.result.map((item) => item.transaction_id.lt)).toEqual([
        (history[0] as Transaction).lt.toString(),
      ]);
    });
  });

  describe("accounts and wallets", () => {
    it("reports balance and state of active, uninitialized and absent accounts", async () => {
      const onChain = await chain.account(shop.address);
      expect(await client.getBalance(shop.address)).toBe(onChain.balance);
      const state = await client.getContractState(shop.address);
      expect(state.state).toBe("active");
      expect(state.code?.equals(onChain.code?.toBoc() ?? Buffer.alloc(0))).toBe(true);
      expect(state.lastTransaction).toEqual({
        lt: (history[0] as Transaction).lt.toString(),
        hash: (history[0] as Transaction).hash().toString("base64"),
      });

      const uninit = await chain.createWallet({ deploy: false, balance: toNano(2) });
      const uninitState = await client.getContractState(uninit.address);
      expect(uninitState).toMatchObject({ state: "uninitialized", balance: toNano(2), code: null });

      const ghost = await chain.createWallet({ deploy: false, balance: 0n });
      const ghostState = await client.getContractState(ghost.address);
      expect(ghostState).toMatchObject({
        state: "uninitialized",
        balance: 0n,
        lastTransaction: null,
      });
      expect(await client.getTransactions(ghost.address, { limit: 10 })).toEqual([]);
    });

    it("runs get-methods so opened wallet contracts work, and fails them on empty accounts", async () => {
      const opened = client.open(
        WalletContractV4.create({ workchain: 0, publicKey: buyer.keyPair.publicKey }),
      );
      expect(await opened.getSeqno()).toBe(0);

      const ghost = await chain.createWallet({ deploy: false, balance: 0n });
      await expect(client.runMethod(ghost.address, "seqno")).rejects.toThrow(/exit_code: -13/);
    });

    it("lands a wallet transfer sent as a BOC and shows it to the receiver", async () => {
      const opened = client.open(
        WalletContractV4.create({ workchain: 0, publicKey: buyer.keyPair.publicKey }),
      );
      const seqno = await opened.getSeqno();
      await opened.sendTransfer({
        seqno,
        secretKey: buyer.keyPair.secretKey,
        sendMode: SendMode.PAY_GAS_SEPARATELY,
        messages: [
          internal({ to: shop.address, value: toNano(3), body: "order-42", bounce: false }),
        ],
      });

      expect(await opened.getSeqno()).toBe(seqno + 1);
      const [newest] = await client.getTransactions(shop.address, { limit: 1 });
      expect(commentOf(newest)).toBe("order-42");
      const source = newest?.inMessage?.info.src;
      expect(source?.toString()).toBe(buyer.address.toString());

      // Replaying the same seqno is refused the way toncenter refuses it.
      const replay = await failureOf(
        opened.sendTransfer({
          seqno,
          secretKey: buyer.keyPair.secretKey,
          messages: [internal({ to: shop.address, value: toNano(1) })],
        }),
      );
      expect(replay.status).toBe(500);
      expect(replay.data).toMatchObject({
        ok: false,
        error: expect.stringMatching(/^LITE_SERVER_UNKNOWN: cannot apply external message/),
      });
    });

    it("deploys a v5r1 wallet from its first external message", async () => {
      const fresh = await chain.createWallet({
        version: "v5r1",
        deploy: false,
        balance: toNano(4),
      });
      const opened = client.open(
        WalletContractV5R1.create({ workchain: 0, publicKey: fresh.keyPair.publicKey }),
      );
      expect(await opened.getSeqno()).toBe(0);
      await opened.sendTransfer({
        seqno: 0,
        secretKey: fresh.keyPair.secretKey,
        sendMode: SendMode.PAY_GAS_SEPARATELY,
        messages: [internal({ to: shop.address, value: toNano(1), body: "v5" })],
      });
      expect((await client.getContractState(fresh.address)).state).toBe("active");
      expect(await opened.getSeqno()).toBe(1);
    });

    it("synthesizes masterchain info and answers plain GET calls", async () => {
      const info = await client.getMasterchainInfo();
      expect(info.workchain).toBe(-1);
      expect(info.latestSeqno).toBeGreaterThan(info.initSeqno);

      const url = new URL(emulator.endpoint);
      url.pathname = "/api/v2/getAddressBalance";
      url.searchParams.set("address", shop.address.toString());
      const response = await fetch(url);
      expect(await response.json()).toMatchObject({
        ok: true,
        result: (await chain.account(shop.address)).balance.toString(),
      });

      url.pathname = "/api/v2/getWalletInformation";
      expect(await (await fetch(url)).json()).toMatchObject({
        ok: true,
        result: { wallet: true, wallet_type: "wallet v4 r2", account_state: "active", seqno: 0 },
      });

      url.pathname = "/api/v2/noSuchMethod";
      expect((await fetch(url)).status).toBe(404);
      const unknown = await rpc("noSuchMethod", {});
      expect(unknown.status).toBe(422);
      expect(await unknown.json()).toMatchObject({ ok: false, error: "Unknown method" });
    });
  });

  describe("faults", () => {
    it("answers 429 with toncenter's exact body", async () => {
      emulator.setFaults({ rateLimitRate: 1 });
      const response = await rpc("getAddressInformation", { address: shop.address.toString() });
      expect(response.status).toBe(429);
      expect(await response.text()).toBe('{"ok":false,"result":"Ratelimit exceed","code":429}');

      const failure = await failureOf(client.getBalance(shop.address));
      expect(failure).toEqual({
        status: 429,
        data: { ok: false, result: "Ratelimit exceed", code: 429 },
      });
    });

    it("answers 500 LITE_SERVER_UNKNOWN", async () => {
      emulator.setFaults({ serverErrorRate: 1 });
      const failure = await failureOf(client.getTransactions(shop.address, { limit: 5 }));
      expect(failure.status).toBe(500);
      expect(failure.data).toMatchObject({
        ok: false,
        code: 500,
        error: expect.stringMatching(/^LITE_SERVER_UNKNOWN: /),
      });
    });

    it("repeats the same random faults for the same seed", async () => {
      const outcomes = async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 20; i++) {
          statuses.push((await rpc("getMasterchainInfo", {})).status);
        }
        return statuses;
      };
      emulator.setFaults({ seed: 42, rateLimitRate: 0.3, serverErrorRate: 0.3 });
      const first = await outcomes();
      emulator.setFaults({ seed: 42 });
      const second = await outcomes();

      expect(second).toEqual(first);
      expect(first).toContain(200);
      expect(first).toContain(429);
      expect(first).toContain(500);
    });

    it("cuts pages short with shortPageMax, and paging still sees everything once", async () => {
      emulator.setFaults({ shortPageMax: 7 });
      const page = await client.getTransactions(shop.address, { limit: 50 });
      expect(page).toHaveLength(7);

      const { items, pages } = await pageAll(client, shop.address, 50);
      expect(items.map(idOf)).toEqual(newestFirst(shop.address).map(idOf));
      expect(pages).toBeGreaterThan(30);
    });

    it("repeats already-seen items at the front of anchored pages", async () => {
      emulator.setFaults({ duplicateRate: 1, seed: 7 });
      const anchor = history[40] as Transaction;
      const response = await rpc("getTransactions", {
        address: shop.address.toString(),
        limit: 10,
        lt: anchor.lt.toString(),
        hash: anchor.hash().toString("hex"),
      });
      const body = (await response.json()) as { result: { transaction_id: { lt: string } }[] };
      const lts = body.result.map((item) => BigInt(item.transaction_id.lt));
      expect(lts[0]).toBeGreaterThan(anchor.lt);
      expect(lts).toContain(anchor.lt);

      // A reader that dedupes by (lt, hash) still ends up with every transaction exactly once.
      emulator.setFaults({ duplicateRate: 0.5 });
      const { items } = await pageAll(client, shop.address, 30);
      const unique = [...new Map(items.map((tx) => [idOf(tx), tx])).values()];
      expect(items.length).toBeGreaterThan(unique.length);
      expect(unique.map(idOf)).toEqual(newestFirst(shop.address).map(idOf));
    });

    it("enforces an rps limit with a token bucket", async () => {
      emulator.setFaults({ rps: 4 });
      emulator.resetStats();
      const started = Date.now();
      const statuses = await Promise.all(
        Array.from({ length: 16 }, async () => (await rpc("getMasterchainInfo", {})).status),
      );
      const elapsedSeconds = (Date.now() - started) / 1000;

      const passed = statuses.filter((status) => status === 200).length;
      expect(passed).toBeGreaterThanOrEqual(4);
      // The bucket starts full (4) and refills at 4 per second while the burst is served.
      expect(passed).toBeLessThanOrEqual(4 + Math.ceil(elapsedSeconds * 4));
      expect(emulator.stats.rateLimited).toBe(16 - passed);

      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await rpc("getMasterchainInfo", {})).status).toBe(200);
    });

    it("plays scripted failures in order, then recovers", async () => {
      const impatient = new TonClient({ endpoint: emulator.endpoint, timeout: 300 });
      emulator.resetStats();
      emulator.setFaults({ failNext: ["429", "500", "timeout"] });

      expect((await failureOf(impatient.getBalance(shop.address))).status).toBe(429);
      expect((await failureOf(impatient.getBalance(shop.address))).status).toBe(500);
      await expect(impatient.getBalance(shop.address)).rejects.toThrow(/timeout/i);
      expect(await impatient.getBalance(shop.address)).toBe(
        (await chain.account(shop.address)).balance,
      );

      expect(emulator.stats).toMatchObject({
        requests: 4,
        byMethod: { getAddressInformation: 4 },
        rateLimited: 1,
        serverErrors: 1,
        timeouts: 1,
      });
    });
  });
});
