import { Address, beginCell, Cell } from "@ton/core";
import { JettonMaster, TonClient } from "@ton/ton";
import {
  deployJetton,
  EmulatedChain,
  type EmulatedJetton,
  type EmulatedWallet,
  startToncenterEmulator,
  type ToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * A jetton master's get_wallet_address asked through the toncenter emulator, as @ton/ton and
 * toncenter's own Python client ask it: the answer must read the same as real toncenter's
 * (smc.runResult; a slice comes back as ["cell", {bytes, object}]; -13 where no contract is).
 */
describe("jetton get-methods through the toncenter emulator", () => {
  let chain: EmulatedChain;
  let issuer: EmulatedWallet;
  let merchant: EmulatedWallet;
  let usdt: EmulatedJetton;
  let emulator: ToncenterEmulator;
  let client: TonClient;

  beforeAll(async () => {
    chain = await EmulatedChain.create();
    issuer = await chain.createWallet({ version: "v4" });
    merchant = await chain.createWallet({ version: "v5r1" });
    usdt = await deployJetton(chain, issuer, "https://example.invalid/usdt.json");
    emulator = await startToncenterEmulator({ chain });
    client = new TonClient({ endpoint: emulator.endpoint });
  });

  afterAll(() => emulator?.close());

  /** runGetMethod as JSON-RPC, the way pytonlib sends it: the owner as a tvm.Slice BOC. */
  async function rawWalletAddress(master: Address, owner: Address) {
    const slice = beginCell().storeAddress(owner).endCell().toBoc().toString("base64");
    const response = await fetch(emulator.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        id: "1",
        jsonrpc: "2.0",
        method: "runGetMethod",
        params: {
          address: master.toString(),
          method: "get_wallet_address",
          stack: [["tvm.Slice", slice]],
        },
      }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      ok: boolean;
      result: { "@type": string; exit_code: number; stack: [string, unknown][] };
    };
  }

  it("names the owner's jetton wallet to @ton/ton's JettonMaster, as the chain computes it", async () => {
    const master = client.open(JettonMaster.create(usdt.master));

    const wallet = await master.getWalletAddress(merchant.address);

    expect(wallet.equals(await usdt.walletOf(merchant.address))).toBe(true);
    expect(wallet.equals(await master.getWalletAddress(issuer.address))).toBe(false);
  });

  it("answers a tvm.Slice argument with a smc.runResult whose slice is a cell entry", async () => {
    const body = await rawWalletAddress(usdt.master, merchant.address);

    expect(body.ok).toBe(true);
    expect(body.result).toMatchObject({ "@type": "smc.runResult", exit_code: 0 });
    expect(body.result.stack).toHaveLength(1);
    const [kind, entry] = body.result.stack[0] ?? [];
    expect(kind).toBe("cell");
    expect(entry).toEqual({
      bytes: expect.any(String),
      object: { data: expect.any(Object), refs: [], special: false },
    });
    const bytes = (entry as { bytes: string }).bytes;
    const cell = Cell.fromBoc(Buffer.from(bytes, "base64"))[0];
    const address = cell?.beginParse().loadAddress();
    expect(address?.equals(await usdt.walletOf(merchant.address))).toBe(true);
  });

  it("answers exit code -13 with an empty stack where no contract is, and TonClient throws on it", async () => {
    const nowhere = new Address(0, Buffer.alloc(32, 0x5a));

    const body = await rawWalletAddress(nowhere, merchant.address);

    expect(body.ok).toBe(true);
    expect(body.result).toMatchObject({ "@type": "smc.runResult", exit_code: -13, stack: [] });
    const master = client.open(JettonMaster.create(nowhere));
    await expect(master.getWalletAddress(merchant.address)).rejects.toThrow(/exit_code: -13/);
  });

  it("answers a non-zero exit code from a contract that is not a jetton master", async () => {
    const body = await rawWalletAddress(merchant.address, merchant.address);

    expect(body.result["@type"]).toBe("smc.runResult");
    expect(body.result.exit_code).not.toBe(0);
    expect(body.result.exit_code).not.toBe(-13);
  });
});
