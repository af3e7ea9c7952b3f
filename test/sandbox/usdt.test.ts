import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCatalog } from "../../src/catalog/catalog.js";
import { parseUnits } from "../../src/catalog/units.js";
import { tonTransferLink } from "../../src/payments/ton/links.js";
import { SANDBOX_USDT_PRICES } from "../../src/sandbox/catalog.js";
import { BUYER_USDT, Sandbox } from "../../src/sandbox/world.js";
import { exampleCatalog } from "../support/catalog.js";
import { testRedis } from "../support/redis.js";

/*
 * The sandbox's test USDT: a real TEP-74 jetton on the emulated chain, named as the shop's
 * USDT_MASTER, that buyer wallets hold and send as wallet apps do.
 */

let sandbox: Sandbox;

beforeAll(async () => {
  const { redis, prefix, url } = testRedis();
  redis.disconnect();
  sandbox = await Sandbox.start({
    redisUrl: url,
    redisPrefix: prefix,
    openShop: false,
    usdt: true,
  });
});

afterAll(async () => {
  await sandbox?.stop();
});

describe("the sandbox's test USDT", () => {
  it("is the shop's USDT_MASTER, in its config and in the environment of a shop run apart", () => {
    const master = sandbox.usdt?.master;
    expect(master).toBeDefined();
    expect(sandbox.config.usdtMaster?.equals(master ?? sandbox.merchant.address)).toBe(true);
    expect(sandbox.env().USDT_MASTER).toBe(master?.toString({ testOnly: true }));
  });

  it("is sold by the shop: the example catalog with the sandbox's USDT prices, and nothing else changed", async () => {
    const catalog = await loadCatalog(sandbox.config.catalogPath, { fiatCurrency: "USD" });
    expect(Object.keys(SANDBOX_USDT_PRICES).length).toBeGreaterThan(0);
    expect(catalog.products.map((p) => p.id)).toEqual(exampleCatalog.products.map((p) => p.id));
    for (const product of exampleCatalog.products) {
      const usdt = SANDBOX_USDT_PRICES[product.id];
      const prices = usdt
        ? {
            ...product.prices,
            usdt: { method: "usdt", currency: "USDT", amount: parseUnits(usdt, 6) },
          }
        : product.prices;
      expect(catalog.find(product.id)).toEqual({ ...product, prices });
    }
    expect(catalog.shop).toEqual(exampleCatalog.shop);
    expect(catalog.shipping).toEqual(exampleCatalog.shipping);
    // The merchant's template stays without: on testnet a usdt price needs a master of one's own.
    expect(exampleCatalog.products.filter((p) => p.prices.usdt)).toEqual([]);
  });

  it("is held by buyer wallets, which send it to the merchant with a comment", async () => {
    const buyer = await sandbox.buyerWallet();
    const before = await sandbox.merchantUsdt();

    await buyer.payUsdt(12_500_000n, "TP-USDT0001");
    await buyer.payUsdt(500_000n, "TP-USDT0002", { forwardTonAmount: 0n, payloadPlace: "inline" });

    expect(await sandbox.merchantUsdt()).toBe(before + 13_000_000n);
    expect(BUYER_USDT).toBe(1_000_000_000n);
  });

  it("is sent from a ton://transfer link that names its master, as a wallet app does", async () => {
    const buyer = await sandbox.buyerWallet();
    const before = await sandbox.merchantUsdt();
    const master = sandbox.usdt?.master.toString({ testOnly: true });
    const merchant = sandbox.merchant.address.toString({ testOnly: true });

    // The shop's own link, as its payment message will carry it.
    const link = tonTransferLink({
      address: sandbox.merchant.address,
      amount: 2_000_000n,
      comment: "TP-LINK0001",
      testnet: true,
      jetton: sandbox.usdt?.master,
    });
    expect(link).toContain(`jetton=${master}`);
    await buyer.payLink(link);

    expect(await sandbox.merchantUsdt()).toBe(before + 2_000_000n);
    const other = sandbox.merchant.address.toString({ testOnly: true });
    await expect(
      buyer.payLink(`ton://transfer/${merchant}?jetton=${other}&amount=1&text=TP-LINK0002`),
    ).rejects.toThrow(/holds no jetton of master/);
    expect(await sandbox.merchantUsdt()).toBe(before + 2_000_000n);
  });
});
