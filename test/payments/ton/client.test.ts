import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  EmulatedChain,
  type EmulatedWallet,
  noFaults,
  startToncenterEmulator,
  type ToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ShopMetrics } from "../../../src/http/metrics.js";
import { ToncenterClient } from "../../../src/payments/ton/client.js";
import {
  LiteServerUnknown,
  ToncenterRateLimited,
  ToncenterUnavailable,
} from "../../../src/payments/ton/errors.js";

let chain: EmulatedChain;
let merchant: EmulatedWallet;
let emulator: ToncenterEmulator;

beforeAll(async () => {
  chain = await EmulatedChain.create();
  merchant = await chain.createWallet({ version: "v5r1" });
  await chain.injectPayments(merchant.address, [
    { amount: 1_000_000_000n, comment: "TP-AAAAAAAA" },
  ]);
  emulator = await startToncenterEmulator({ chain });
});
afterAll(() => emulator.close());
beforeEach(() => {
  emulator.setFaults(noFaults());
  emulator.resetStats();
});

function client(retries = 4, metrics?: ShopMetrics) {
  return new ToncenterClient({
    metrics,
    endpoint: emulator.endpoint,
    rps: 1000,
    retries,
    minBackoffMs: 1,
    maxBackoffMs: 2,
    timeoutMs: 500,
  });
}

describe("ToncenterClient", () => {
  it("reads a page of transactions, decoded and classified", async () => {
    const page = await client().getTransactions(merchant.address, { limit: 10 });
    const txs = await page.transactions;
    expect(page.ids.map((id) => id.hash)).toEqual(txs.map((tx) => tx.hash));
    const newest = txs[0]?.classified;
    expect(newest?.kind === "incoming" && newest.comment).toEqual({
      type: "text",
      text: "TP-AAAAAAAA",
    });
  });

  it("retries 429s and 500s, then succeeds", async () => {
    const c = client();
    emulator.setFaults({ failNext: ["429", "500", "timeout"] });
    const last = await c.getLastTransaction(merchant.address);
    expect(last?.lt).toBe(chain.transactions(merchant.address).at(-1)?.lt.toString());
    expect(c.requests).toBe(4);
    expect(emulator.stats.rateLimited).toBe(1);
    expect(emulator.stats.serverErrors).toBe(1);
  });

  it("counts each request by the status toncenter answered, and one it never answered as network", async () => {
    const metrics = new ShopMetrics({ defaultMetrics: false });
    emulator.setFaults({ failNext: ["429", "500", "timeout"] });
    await client(4, metrics).getLastTransaction(merchant.address);
    const { body } = await metrics.text();
    expect(body).toContain('tpb_toncenter_requests_total{status="429"} 1');
    expect(body).toContain('tpb_toncenter_requests_total{status="500"} 1');
    expect(body).toContain('tpb_toncenter_requests_total{status="network"} 1');
    expect(body).toContain('tpb_toncenter_requests_total{status="200"} 1');
  });

  it("counts an answer that holds no result as invalid, not as a network failure", async () => {
    // An endpoint that answers 200 with other JSON (a mistyped TONCENTER_ENDPOINT), and `ok: false`
    // for transactions.
    const other = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(
          body.includes("getTransactions")
            ? '{"ok":false,"error":"LITE_SERVER_UNKNOWN: block is not applied","code":500}'
            : '{"ok":true,"result":{"hello":"world"}}',
        );
      });
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      const metrics = new ShopMetrics({ defaultMetrics: false });
      const c = new ToncenterClient({
        metrics,
        endpoint: `http://127.0.0.1:${(other.address() as AddressInfo).port}/api/v2/jsonRPC`,
        rps: 1000,
        retries: 0,
      });
      await expect(c.getBalance(merchant.address)).rejects.toThrow();
      await expect(c.getTransactions(merchant.address, { limit: 5 })).rejects.toBeInstanceOf(
        LiteServerUnknown,
      );
      const { body } = await metrics.text();
      expect(body).toContain('tpb_toncenter_requests_total{status="invalid"} 2');
      expect(body).not.toContain('status="network"');
    } finally {
      other.close();
    }
  });

  it("gives up with a typed error when the limit keeps being hit", async () => {
    emulator.setFaults({ rateLimitRate: 1 });
    const c = client(2);
    await expect(c.getTransactions(merchant.address, { limit: 5 })).rejects.toBeInstanceOf(
      ToncenterRateLimited,
    );
    expect(c.requests).toBe(3);
  });

  it("reports a lite server that lost the block as retryable", async () => {
    emulator.setFaults({ serverErrorRate: 1 });
    const error = await client(1)
      .getTransactions(merchant.address, { limit: 5 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LiteServerUnknown);
    expect(error).toBeInstanceOf(ToncenterUnavailable);
  });

  it("keeps to its request rate, so toncenter never has to refuse it", async () => {
    emulator.setFaults({ rps: 5 });
    const c = new ToncenterClient({ endpoint: emulator.endpoint, rps: 5, retries: 0 });
    for (let i = 0; i < 12; i++) await c.getLastTransaction(merchant.address);
    expect(emulator.stats.rateLimited).toBe(0);
    expect(c.requests).toBe(12);
  });
});
