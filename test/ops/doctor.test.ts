import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Address, toNano } from "@ton/core";
import { freePort, spawnRedisServer } from "@ton-payment-bot/emulators/redis";
import {
  deployJetton,
  type EmulatedChain,
  type EmulatedJetton,
  type EmulatedWallet,
  mintJetton,
} from "@ton-payment-bot/emulators/ton";
import { startTonConnectBridge } from "@ton-payment-bot/emulators/tonconnect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckResult, formatCheck, runDoctor } from "../../src/ops/doctor.js";
import {
  type EmulatedSetup,
  emulatedSetup,
  type FakeServer,
  startFakeBotApi,
  startMainnetToncenter,
} from "./fakes.js";

const TOKEN = ["7000000001", "fake-shop-token-for-doctor-tests"].join(":");
const TEST_ENV_TOKEN = ["7000000002", "fake-test-env-token-for-doctor"].join(":");
const API_KEY = "toncenter-key-that-must-never-be-printed";

let setup: EmulatedSetup;
let chain: EmulatedChain;
let merchant: EmulatedWallet;
let botApi: FakeServer;

beforeAll(async () => {
  setup = await emulatedSetup(TOKEN);
  ({ chain, merchant } = setup);
  // The emulator has no test environment; this stand-in answers its /bot<token>/test/ paths.
  botApi = await startFakeBotApi([
    { token: TEST_ENV_TOKEN, username: "shop_sandbox_bot", environment: "test" },
  ]);
});

afterAll(async () => {
  await setup?.close();
  await botApi?.close();
});

/** A complete testnet setup pointed at the emulators, with `overrides` on top. */
function env(overrides: Record<string, string | undefined> = {}) {
  return {
    ...setup.env(),
    TONCENTER_API_KEY: API_KEY,
    CATALOG_PATH: "catalog.example.json",
    ...overrides,
  };
}

const failed = (results: CheckResult[]) => results.filter((result) => !result.ok);
const report = (results: CheckResult[]) => results.map(formatCheck).join("\n");

describe("npm run doctor", () => {
  it("passes every check against the emulators and names the bot, balance, Redis and catalog", async () => {
    const results = await runDoctor({ env: env() });

    expect(failed(results)).toEqual([]);
    const text = report(results);
    expect(text).toContain("✓ config valid");
    expect(text).toContain("✓ bot token works: @shop_test_bot");
    expect(text).toContain("✓ toncenter reachable at");
    expect(text).toContain("private chain");
    expect(text).toContain("✓ MERCHANT_ADDRESS is written for testnet");
    expect(text).toMatch(/✓ merchant wallet 0Q\S+ is active, balance 100 GRAM/);
    expect(text).toMatch(/✓ Redis reachable at redis:\/\/127\.0\.0\.1:\d+ \(Redis \d+\.\d+/);
    expect(text).toMatch(/✓ Redis reachable at .+, one server\)$/m);
    expect(text).toContain("✓ catalog loads: 4 products from catalog.example.json");
    expect(text).toContain("✓ USDT off: no product has a usdt price");
    expect(text).toContain("✓ TON Connect off: TONCONNECT_MANIFEST_URL is not set");
    expect(text).toMatch(/^! Redis does not persist its data/m);
    expect(results).toHaveLength(11);
  });

  it("reads the TON Connect manifest as a wallet would, and says what a wallet would refuse", async () => {
    const good = await startTonConnectBridge({ manifest: { name: "Mug Shop" } });
    const svgIcon = await startTonConnectBridge({
      manifest: { iconUrl: "https://shop.example/icon.svg" },
    });
    const port = await freePort();
    try {
      const lines = await Promise.all(
        [good.manifestUrl, svgIcon.manifestUrl, `http://127.0.0.1:${port}/m.json`].map(
          async (url) => {
            const results = await runDoctor({ env: env({ TONCONNECT_MANIFEST_URL: url }) });
            return formatCheck(results.at(-1) as CheckResult);
          },
        ),
      );
      expect(lines[0]).toBe(`✓ TON Connect manifest "Mug Shop" served at ${good.manifestUrl}`);
      expect(lines[1]).toMatch(
        /^✗ TON Connect manifest at .+ is not usable: "iconUrl" must not be an SVG — serve/,
      );
      expect(lines[2]).toMatch(/^✗ TON Connect manifest at .+ is not usable: ECONNREFUSED — serve/);
    } finally {
      await good.close();
      await svgIcon.close();
    }
  });

  it("reports a bad configuration value as its one line and checks nothing else", async () => {
    const results = await runDoctor({ env: env({ ORDER_TTL_MINUTES: "soon" }) });

    expect(results.map(formatCheck)).toEqual([
      "✗ ORDER_TTL_MINUTES must be a whole number — fix it in .env and run again",
    ]);
  });

  it("fails a token Telegram rejects, says where to get a new one, and never prints it", async () => {
    const wrong = ["7000000009", "fake-revoked-token-for-doctor"].join(":");
    const results = await runDoctor({ env: env({ BOT_TOKEN: wrong }) });

    const bot = results[1] as CheckResult;
    expect(bot.ok).toBe(false);
    expect(formatCheck(bot)).toBe(
      "✗ bot token rejected by Telegram (401 Unauthorized) — copy the token again from @BotFather (/mybots → API Token) into BOT_TOKEN",
    );
    expect(report(results)).not.toContain(wrong);
    expect(report(results)).not.toContain(API_KEY);
    expect(failed(results)).toHaveLength(1);
  });

  it("asks Telegram's test environment when TELEGRAM_TEST_ENV=true", async () => {
    const atFake = { BOT_TOKEN: TEST_ENV_TOKEN, TELEGRAM_API_ROOT: botApi.url };
    const inTest = await runDoctor({ env: env({ ...atFake, TELEGRAM_TEST_ENV: "true" }) });
    const inProd = await runDoctor({ env: env(atFake) });

    expect(formatCheck(inTest[1] as CheckResult)).toBe("✓ bot token works: @shop_sandbox_bot");
    expect(formatCheck(inProd[1] as CheckResult)).toMatch(/^✗ bot token rejected by Telegram /);
  });

  it("fails when BOT_TOKEN is unset, since the bot would run the offline sandbox", async () => {
    const results = await runDoctor({ env: env({ BOT_TOKEN: undefined }) });

    expect(formatCheck(results[1] as CheckResult)).toContain("✗ BOT_TOKEN is not set");
    expect(formatCheck(results[1] as CheckResult)).toContain("@BotFather");
  });

  it("fails when toncenter is unreachable and does not pretend to check network or wallet", async () => {
    const port = await freePort();
    const results = await runDoctor({
      env: env({
        TONCENTER_ENDPOINT: `http://127.0.0.1:${port}/api/v2/jsonRPC?api_key=${API_KEY}`,
      }),
    });

    const lines = results.map(formatCheck);
    expect(lines[2]).toMatch(
      new RegExp(
        `^✗ toncenter unreachable at http://127\\.0\\.0\\.1:${port}/api/v2/jsonRPC: .*ECONNREFUSED`,
      ),
    );
    expect(lines[2]).toContain("TONCENTER_ENDPOINT");
    expect(lines[3]).toBe("✗ TON network not checked — fix the toncenter line above first");
    expect(lines[5]).toBe("✗ merchant wallet not checked — fix the toncenter line above first");
    expect(lines.join("\n")).not.toContain(API_KEY);
  });

  it("passes a merchant wallet that is not deployed, saying payments still arrive and how it deploys", async () => {
    const idle = await chain.createWallet({ version: "v5r1", deploy: false, balance: toNano(2) });
    const results = await runDoctor({
      env: env({ MERCHANT_ADDRESS: idle.address.toString({ testOnly: true }) }),
    });

    const wallet = results[5] as CheckResult;
    expect(wallet.ok).toBe(true);
    expect(formatCheck(wallet)).toMatch(
      /^! merchant wallet 0Q\S+ is not deployed yet \(balance 2 GRAM\); payments to it still arrive and are counted — it deploys itself with its first outgoing transfer/,
    );
    expect(wallet.note).toContain("before you move money out of it");
    expect(failed(results)).toEqual([]);
  });

  it("passes a merchant wallet that does not exist on chain yet: a fresh address receives too", async () => {
    const never = await chain.createWallet({ version: "v5r1", deploy: false, balance: 0n });
    const results = await runDoctor({
      env: env({ MERCHANT_ADDRESS: never.address.toString({ testOnly: true }) }),
    });

    expect(formatCheck(results[5] as CheckResult)).toMatch(
      /^! merchant wallet 0Q\S+ is not deployed yet \(holds nothing yet\); payments to it still arrive and are counted — /,
    );
    expect(failed(results)).toEqual([]);
  });

  it("fails a merchant address written for mainnet when TON_NETWORK=testnet, offering the testnet form", async () => {
    const mainnetForm = merchant.address.toString({ bounceable: false, testOnly: false });
    const results = await runDoctor({ env: env({ MERCHANT_ADDRESS: mainnetForm }) });

    const form = results[4] as CheckResult;
    expect(form.what).toBe("MERCHANT_ADDRESS is written for mainnet but TON_NETWORK=testnet");
    expect(form.fix).toContain(
      `MERCHANT_ADDRESS=${merchant.address.toString({ bounceable: false, testOnly: true })}`,
    );
    expect(failed(results)).toEqual([form]);
  });

  it("fails a testnet setup whose toncenter endpoint serves mainnet", async () => {
    const mainnet = await startMainnetToncenter();
    try {
      const results = await runDoctor({
        env: env({ TONCENTER_ENDPOINT: `${mainnet.url}/api/v2/jsonRPC` }),
      });

      expect(formatCheck(results[3] as CheckResult)).toBe(
        "✗ toncenter serves mainnet but TON_NETWORK=testnet — set TONCENTER_ENDPOINT to https://testnet.toncenter.com/api/v2/jsonRPC (or leave it empty), or set TON_NETWORK=mainnet",
      );
    } finally {
      await mainnet.close();
    }
  });

  it("fails a mainnet setup pointed at a private chain: mainnet payments would never be seen", async () => {
    const results = await runDoctor({
      env: env({ TON_NETWORK: "mainnet", MERCHANT_ADDRESS: merchant.address.toRawString() }),
    });

    expect(formatCheck(results[3] as CheckResult)).toMatch(
      /^✗ toncenter serves a private chain, not mainnet, but TON_NETWORK=mainnet — set TONCENTER_ENDPOINT to https:\/\/toncenter\.com/,
    );
    expect(formatCheck(results[4] as CheckResult)).toBe(
      "✓ MERCHANT_ADDRESS is in raw form (no network flag)",
    );
  });

  it("fails when Redis is unreachable", async () => {
    const port = await freePort();
    const results = await runDoctor({ env: env({ REDIS_URL: `redis://127.0.0.1:${port}` }) });

    expect(formatCheck(results[6] as CheckResult)).toMatch(
      new RegExp(
        `^✗ Redis unreachable at redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.* — start redis-server, or set REDIS_URL`,
      ),
    );
    expect(failed(results)).toHaveLength(1);
  });

  it("fails a catalog that does not parse, naming the product and field", async () => {
    const dir = await mkdtemp(join(tmpdir(), "doctor-"));
    const path = join(dir, "catalog.json");
    await writeFile(
      path,
      JSON.stringify({
        products: [
          {
            id: "mug",
            kind: "physical",
            title: "Mug",
            description: "A mug",
            prices: { ton: "1.0000000001" },
            delivery: { type: "text", text: "Thanks" },
          },
        ],
      }),
    );
    const results = await runDoctor({ env: env({ CATALOG_PATH: path }) });

    expect(formatCheck(results[8] as CheckResult)).toBe(
      `✗ catalog does not load: catalog: product "mug" price ton: "1.0000000001" has more than 9 digits after the point — fix the file at CATALOG_PATH (catalog.example.json shows every field)`,
    );
    expect(formatCheck(results[9] as CheckResult)).toBe(
      "! USDT not checked — the catalog above did not load",
    );
    expect(failed(results)).toHaveLength(1);
  });
});

describe("npm run doctor: does Redis keep the shop's data over a restart", () => {
  /** A redis-server of its own with `args`, its files in a fresh directory; the doctor's verdict. */
  async function persistenceWith(args: string[]): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "doctor-redis-"));
    const port = await freePort();
    const server = await spawnRedisServer("redis-server", [
      ...["--port", String(port), "--bind", "127.0.0.1", "--dir", dir],
      ...args,
    ]);
    try {
      const results = await runDoctor({ env: env({ REDIS_URL: `redis://127.0.0.1:${port}` }) });
      expect(failed(results)).toEqual([]);
      return formatCheck(results[7] as CheckResult);
    } finally {
      server.kill("SIGTERM");
      await once(server, "exit");
    }
  }

  it("warns, with the fix, when Redis keeps nothing on disk", async () => {
    expect(await persistenceWith(["--save", "", "--appendonly", "no"])).toBe(
      "! Redis does not persist its data (appendonly no, no save points): a restart loses every order and payment — set appendonly yes in redis.conf (or at least save 60 1000) and restart it, or run CONFIG SET appendonly yes then CONFIG REWRITE",
    );
  });

  it("passes with an append-only file", async () => {
    expect(await persistenceWith(["--appendonly", "yes"])).toBe(
      "✓ Redis persists its data (appendonly yes)",
    );
  });

  it("warns that snapshots alone lose the latest payments", async () => {
    expect(await persistenceWith(["--save", "60 1000", "--appendonly", "no"])).toBe(
      "! Redis persists by snapshots only (save 60 1000): a crash loses the payments since the last one — set appendonly yes in redis.conf and restart it, or run CONFIG SET appendonly yes then CONFIG REWRITE",
    );
  });

  it("reads the append-only file from INFO where CONFIG is refused, and says when it cannot tell", async () => {
    const noConfig = ["--rename-command", "CONFIG", ""];
    expect(await persistenceWith([...noConfig, "--appendonly", "yes"])).toBe(
      "✓ Redis persists its data (appendonly yes)",
    );
    expect(await persistenceWith([...noConfig, "--save", "", "--appendonly", "no"])).toBe(
      "! Redis persistence unknown: CONFIG GET was refused — make sure your provider keeps an append-only file or snapshots, and take backups (npm run backup)",
    );
  });
});

describe("npm run doctor: a shop that sells in USDT", () => {
  let usdt: EmulatedJetton;
  let catalogPath: string;

  beforeAll(async () => {
    const issuer = await chain.createWallet({ version: "v4" });
    usdt = await deployJetton(chain, issuer, "https://example.invalid/usdt.json");
    catalogPath = join(await mkdtemp(join(tmpdir(), "doctor-usdt-")), "catalog.json");
    await writeFile(
      catalogPath,
      JSON.stringify({
        products: [
          {
            id: "mug",
            kind: "physical",
            title: "Mug",
            description: "A mug",
            prices: { gram: "3.25", usdt: "12.5" },
            delivery: { type: "text", text: "Thanks" },
          },
        ],
      }),
    );
  });

  const shown = (address: Address) => address.toString({ testOnly: true });
  /** The USDT line: after the catalog's, before TON Connect's. */
  const usdtLine = (results: CheckResult[]) => formatCheck(results[9] as CheckResult);

  it("names the master and our USDT wallet, and says plainly that the first payment creates it", async () => {
    const results = await runDoctor({
      env: env({ CATALOG_PATH: catalogPath, USDT_MASTER: shown(usdt.master) }),
    });

    const wallet = await usdt.walletOf(merchant.address);
    expect(usdtLine(results)).toBe(
      `✓ USDT master ${shown(usdt.master)}: our USDT wallet is ${shown(wallet)}, not created yet — the first USDT payment to the shop creates it`,
    );
    expect(failed(results)).toEqual([]);
  });

  it("names our USDT wallet without more once it holds USDT", async () => {
    const paid = await chain.createWallet({ version: "v5r1" });
    await mintJetton(chain, usdt, paid.address, 5_000_000n);
    const results = await runDoctor({
      env: env({
        CATALOG_PATH: catalogPath,
        USDT_MASTER: shown(usdt.master),
        MERCHANT_ADDRESS: paid.address.toString({ bounceable: false, testOnly: true }),
      }),
    });

    expect(usdtLine(results)).toBe(
      `✓ USDT master ${shown(usdt.master)}: our USDT wallet is ${shown(await usdt.walletOf(paid.address))}`,
    );
    expect(failed(results)).toEqual([]);
  });

  it("fails a USDT_MASTER where no contract is, or that is a wallet, saying to check USDT_MASTER", async () => {
    const nowhere = new Address(0, Buffer.alloc(32, 0x5a));
    const [empty, wallet] = await Promise.all(
      [nowhere, merchant.address].map((master) =>
        runDoctor({ env: env({ CATALOG_PATH: catalogPath, USDT_MASTER: shown(master) }) }),
      ),
    );

    const fix = "check USDT_MASTER: it must be the address of your test USDT's jetton master";
    expect(usdtLine(empty as CheckResult[])).toBe(
      `✗ USDT_MASTER ${shown(nowhere)} is not a jetton master: no contract is deployed there — ${fix}`,
    );
    expect(usdtLine(wallet as CheckResult[])).toMatch(
      /^✗ USDT_MASTER kQ\S+ is not a jetton master: its get_wallet_address failed with exit code -?\d+ — check USDT_MASTER/,
    );
    expect(failed(empty as CheckResult[])).toHaveLength(1);
  });

  it("fails a testnet catalog priced in USDT with no USDT_MASTER, naming the product", async () => {
    const results = await runDoctor({ env: env({ CATALOG_PATH: catalogPath }) });

    expect(usdtLine(results)).toBe(
      '✗ USDT_MASTER is not set, but product "mug" has a usdt price — set USDT_MASTER to the USDT jetton master (testnet has no default: use a test jetton\'s)',
    );
    expect(failed(results)).toHaveLength(1);
  });
});
