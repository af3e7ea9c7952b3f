import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toNano } from "@ton/core";
import { mnemonicNew, mnemonicToPrivateKey } from "@ton/crypto";
import type { EmulatedChain, EmulatedWallet } from "@ton-payment-bot/emulators/ton";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testnetWallet } from "../../src/ops/wallet.js";
import { redisKeys } from "../../src/redis/keys.js";
import { keysMatching, testRedis } from "../support/redis.js";
import { type EmulatedSetup, emulatedSetup } from "./fakes.js";

const TOKEN = ["7000000003", "fake-token-for-script-tests"].join(":");

let setup: EmulatedSetup;
let chain: EmulatedChain;
let merchant: EmulatedWallet;

beforeAll(async () => {
  setup = await emulatedSetup(TOKEN);
  ({ chain, merchant } = setup);
});

afterAll(() => setup?.close());

/** Runs `npm run <script>` the way npm does (tsx), with only the given environment. */
function run(script: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "node_modules/.bin/tsx",
      [`scripts/${script}.ts`, ...args],
      { env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe("the scripts as npm runs them", () => {
  it("doctor prints eleven lines, none ✗, and exits 0 against the emulators", async () => {
    const { code, stdout } = await run("doctor", [], setup.env());

    // The test run's Redis keeps nothing on disk, so the persistence line is a warning.
    expect(stdout.trim().split("\n")).toHaveLength(11);
    expect(stdout).toContain("! Redis does not persist its data");
    expect(stdout).not.toContain("✗");
    expect(code).toBe(0);
  });

  it("doctor exits 1 with a ✗ line when a check fails", async () => {
    const { code, stdout } = await run("doctor", [], {
      ...setup.env(),
      CATALOG_PATH: "no-such-catalog.json",
    });

    expect(stdout).toContain(
      "✗ catalog does not load: catalog: cannot read no-such-catalog.json (ENOENT)",
    );
    expect(code).toBe(1);
  });

  it("pay sends the payment, prints the seqno, and the merchant wallet receives it", async () => {
    const words = await mnemonicNew(24);
    const payer = testnetWallet((await mnemonicToPrivateKey(words)).publicKey);
    await chain.injectPayments(payer.address, [{ amount: toNano(3) }]);

    const { code, stdout } = await run("pay", ["TP-SCRIPT01", "1.75"], {
      ...setup.env(),
      WALLET_MNEMONIC: words.join(" "),
    });

    expect(stdout).toContain("Paying 1.75 TON to");
    expect(stdout).toContain("with seqno 0.");
    expect(stdout).toContain("the watcher will see it");
    expect(code).toBe(0);
    const last = chain.transactions(merchant.address).at(-1);
    const info = last?.inMessage?.info;
    expect(info?.type === "internal" ? info.value.coins : undefined).toBe(toNano("1.75"));
  });

  it("pay refuses a mainnet configuration and sends nothing", async () => {
    const before = chain.transactions(merchant.address).length;
    const { code, stderr } = await run("pay", ["TP-MAINNET1", "1"], {
      ...setup.env(),
      TON_NETWORK: "mainnet",
      MERCHANT_ADDRESS: merchant.address.toRawString(),
      WALLET_MNEMONIC: (await mnemonicNew(24)).join(" "),
    });

    expect(stderr).toContain("refusing to pay: TON_NETWORK=mainnet");
    expect(code).toBe(1);
    expect(chain.transactions(merchant.address)).toHaveLength(before);
  });

  it("pay prints its usage and exits 2 on bad arguments", async () => {
    const { code, stderr } = await run("pay", ["TP-ONLYONE"], setup.env());

    expect(stderr).toContain("usage: npm run pay -- <comment> <amount in TON>");
    expect(code).toBe(2);
  });

  it("backup and restore round-trip the shop's keys through a file, and a bad file gets one line", async () => {
    const { redis, prefix, url } = testRedis();
    const dir = await mkdtemp(join(tmpdir(), "tpb-scripts-"));
    try {
      await redis.hset(redisKeys(prefix).order("AB12"), "status", "fulfilled");
      const file = join(dir, "shop.backup.gz");
      const into = `${prefix}restored:`;

      const taken = await run("backup", [file], { REDIS_URL: url, REDIS_PREFIX: prefix });
      expect(taken).toMatchObject({ code: 0, stderr: "" });
      expect(taken.stdout).toBe(`Backed up 1 key under ${prefix} to ${file}: orders 1.\n`);
      const restored = await run("restore", [file], { REDIS_URL: url, REDIS_PREFIX: into });
      expect(restored.code).toBe(0);
      expect(restored.stdout).toMatch(/^Restored 1 key under .+restored: \(taken under /);
      expect(await redis.hget(redisKeys(into).order("AB12"), "status")).toBe("fulfilled");

      const notGzip = join(dir, "notes.txt");
      await writeFile(notGzip, "hello");
      const bad = await run("restore", [notGzip], { REDIS_URL: url, REDIS_PREFIX: `${prefix}x:` });
      expect(bad).toMatchObject({
        code: 1,
        stdout: "",
        stderr: `${notGzip}: not a backup: the file is not gzip-compressed\n`,
      });
      const usage = await run("backup", [], { REDIS_URL: url });
      expect(usage).toMatchObject({
        code: 2,
        stderr: "usage: npm run backup -- <file> [--sessions]\n",
      });
    } finally {
      for (const key of await keysMatching(redis, `${prefix}*`)) await redis.unlink(key);
      await redis.quit();
    }
  });

  it("testnet-wallet prints a fresh testnet address and the env lines", async () => {
    const { code, stdout } = await run("testnet-wallet", [], {});

    expect(stdout).toMatch(/MERCHANT_ADDRESS=0Q[\w-]{46}\n/);
    expect(stdout).toMatch(/WALLET_MNEMONIC="(\w+ ){23}\w+"/);
    expect(code).toBe(0);
  });
});
