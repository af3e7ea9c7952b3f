import { Address } from "@ton/core";
import { deployJetton, type EmulatedJetton } from "@ton-payment-bot/emulators/ton";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buyData } from "../../src/bot/callback-data.js";
import { redisKeys } from "../../src/redis/keys.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { usdtCatalogFile } from "../support/catalog.js";
import { capturedLog } from "../support/log.js";
import { startShop } from "../support/sandbox.js";
import { get } from "../support/scrape.js";

describe("a shop whose catalog has USDT prices", () => {
  let sandbox: Sandbox;
  let usdt: EmulatedJetton;
  let catalogPath: string;
  let captured: ReturnType<typeof capturedLog>;

  beforeEach(async () => {
    captured = capturedLog();
    sandbox = await startShop({ openShop: false, log: captured.log });
    const issuer = await sandbox.chain.createWallet({ version: "v4" });
    usdt = await deployJetton(sandbox.chain, issuer, "https://example.invalid/usdt.json");
    catalogPath = await usdtCatalogFile();
  });

  afterEach(() => sandbox.stop());

  const walletLines = () =>
    captured.records().filter((record) => record.msg === "USDT arrives in our jetton wallet");
  const shown = (address: Address) => address.toString({ testOnly: true });

  it("says at start which master and which jetton wallet of ours USDT arrives in, asking toncenter only the first time", async () => {
    await sandbox.restart({ catalogPath, usdtMaster: usdt.master });
    const wallet = await usdt.walletOf(sandbox.merchant.address);

    await expect.poll(() => walletLines().length).toBe(1);
    expect(walletLines()[0]).toMatchObject({
      level: 30,
      module: "usdt",
      master: shown(usdt.master),
      jettonWallet: shown(wallet),
    });
    const asked = sandbox.toncenter.stats.byMethod.runGetMethod ?? 0;
    expect(asked).toBeGreaterThanOrEqual(1);
    const kept = await sandbox.app.redis.hgetall(
      redisKeys(sandbox.config.redisPrefix).jettonWallet,
    );
    expect(Address.parseRaw(kept.wallet ?? "").equals(wallet)).toBe(true);

    await sandbox.restart();
    await expect.poll(() => walletLines().length).toBe(2);
    expect(walletLines()[1]).toMatchObject({ jettonWallet: shown(wallet) });
    expect(sandbox.toncenter.stats.byMethod.runGetMethod ?? 0).toBe(asked);
  });

  it("offers buyers USDT: the USDT price and button on the card beside Gram, and a USDT-only product listed", async () => {
    await sandbox.restart({ catalogPath, usdtMaster: usdt.master });
    const buyer = sandbox.user({ firstName: "Dana" });

    buyer.send("/shop");
    const list = await buyer.waitForButton("TON mug");
    expect(buyer.buttonsData(list)).toHaveLength(2);
    await buyer.press("TON mug", list);
    const card = await buyer.waitForButton("Pay with USDT");
    expect(card.text).toContain("3.25 GRAM");
    expect(card.text).toContain("USDT: 12.5 USDT");
    expect(buyer.buttonsData(card)).toContain(
      buyData.pack({ id: "mug", quantity: 1, method: "usdt" }),
    );
    expect(buyer.buttonsData(card)).toContain(
      buyData.pack({ id: "mug", quantity: 1, method: "ton" }),
    );

    buyer.send("/start buy_cap");
    const cap = await buyer.waitForButton("Pay with USDT", { after: card.messageId });
    expect(cap.text).toContain("USDT: 20 USDT");
    expect(cap.text).not.toContain("GRAM");
  });

  it("keeps selling in TON when USDT_MASTER is not a jetton master, with one error line", async () => {
    const nowhere = new Address(0, Buffer.alloc(32, 0x5a));
    await sandbox.restart({ catalogPath, usdtMaster: nowhere, metricsPort: 0 });

    await expect
      .poll(() => captured.records().find((r) => r.msg === "USDT_MASTER is not a jetton master"))
      .toMatchObject({
        level: 50,
        master: shown(nowhere),
        err: `${shown(nowhere)} is not a jetton master: no contract is deployed there`,
      });
    const buyer = sandbox.user({ firstName: "Eli" });
    buyer.send("/start buy_mug");
    const card = await buyer.waitForButton("Pay with Gram (TON)");
    expect(walletLines()).toEqual([]);
    // No USDT payment could be found, so none is offered: not on the card, not in /shop.
    expect(card.text).not.toContain("USDT");
    expect(buyer.buttonsData(card)).not.toContain(
      buyData.pack({ id: "mug", quantity: 1, method: "usdt" }),
    );
    buyer.send("/shop");
    const list = await buyer.waitForButton("TON mug", { after: card.messageId });
    expect(list.text ?? "").not.toContain("Dollar cap");
    expect(JSON.stringify(list.replyMarkup ?? {})).not.toContain("Dollar cap");
    // Still in service for what it sells: /readyz is not about USDT it cannot take.
    await expect
      .poll(async () => (await get(sandbox.app.metricsPort() ?? 0, "/readyz")).status)
      .toBe(200);
  });

  it("does not start when the catalog has USDT prices and USDT_MASTER names no master", async () => {
    await expect(sandbox.restart({ catalogPath })).rejects.toThrow(
      'USDT_MASTER is not set, but product "mug" has a usdt price: set it to the USDT jetton master (on testnet, a test jetton\'s)',
    );
  });
});
