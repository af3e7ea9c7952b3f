import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beginCell, type Transaction, toNano } from "@ton/core";
import { freePort } from "@ton-payment-bot/emulators/redis";
import { EmulatedChain, type EmulatedWallet } from "@ton-payment-bot/emulators/ton";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseExplainArgs, parseTransactionHash } from "../../src/ops/explain-tx/index.js";
import { newComment } from "../../src/orders/comment.js";
import type { Order } from "../../src/orders/order.js";
import type { PaymentWatcher } from "../../src/payments/ton/watcher.js";
import type { RedisClient } from "../../src/redis/client.js";
import { testRedis } from "../support/redis.js";
import { TON, tonOrder } from "../support/shop.js";
import { pollUntilSettled, type TonWorld, tonWorld } from "../support/ton-world.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Labelled {
  name: string;
  hash: string;
  lt: string;
  account: string | null;
  value: string;
  moneyStays: boolean;
  comment: string;
  boc: string;
}

const fixtures = JSON.parse(
  await readFile(join(ROOT, "test/fixtures/ton/real-transactions.json"), "utf8"),
) as Labelled[];

/** What one JSON line of the script says about a transaction. */
interface Line {
  hash?: string;
  lt?: string;
  account?: string;
  received?: boolean;
  amount?: string;
  reason?: string;
  comment?: string | null;
  commentType?: string | null;
  unmatchedReason?: string;
  input?: string;
  error?: string;
  [field: string]: unknown;
}

let scratch: string;

beforeAll(async () => {
  // The script runs from a directory of its own, so no .env of this checkout can reach it.
  scratch = await mkdtemp(join(tmpdir(), "explain-tx-"));
});

afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Runs `npm run -s explain-tx -- …` as npm does (tsx), with only the given environment. */
function run(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      join(ROOT, "node_modules/.bin/tsx"),
      [join(ROOT, "scripts/explain-tx.ts"), ...args],
      {
        cwd: scratch,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function jsonLines(stdout: string): Line[] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Line);
}

const bocOf = (tx: Transaction | undefined) => {
  if (!tx) throw new Error("no transaction");
  return tx.raw.toBoc().toString("base64");
};

/** The label's comment as the script should print it: the text, or null. */
function labelledText(label: string): string | null {
  return label.startsWith("text ") ? (JSON.parse(label.slice("text ".length)) as string) : null;
}

describe("reading what a person pastes", () => {
  const bytes = Buffer.concat([Buffer.from([0xf8]), randomBytes(31)]);
  const hex = bytes.toString("hex");

  it.each([
    ["hex, any case", hex.toUpperCase()],
    ["base64", bytes.toString("base64")],
    ["base64url without padding", bytes.toString("base64url")],
    ["a tonviewer URL", `https://tonviewer.com/transaction/${hex}`],
    ["a tonscan URL", `https://tonscan.org/tx/${bytes.toString("base64url")}`],
    ["an explorer URL with ?hash=", `https://explorer.toncoin.org/transaction?lt=1&hash=${hex}`],
    [
      "a query that turned + into a space",
      `https://x.example/tx?hash=${bytes.toString("base64").replace(/\+/g, " ")}`,
    ],
  ])("takes %s", (_name, text) => {
    expect(parseTransactionHash(text)).toBe(hex);
  });

  it("takes a base64url hash that starts with a dash as the hash, not an option", () => {
    const dashed = bytes.toString("base64url");
    expect(dashed.startsWith("-")).toBe(true);
    expect(parseExplainArgs([dashed, "--json"])).toMatchObject({ ok: true, hash: hex, json: true });
  });

  it.each([
    ["an order comment", "TP-7K3M9Q2D"],
    ["a hash cut short", hex.slice(2)],
    ["a hash too long", `${hex}00`],
    ["an explorer URL without a hash", "https://tonviewer.com/"],
  ])("refuses %s", (_name, text) => {
    expect(parseTransactionHash(text)).toBeUndefined();
  });
});

describe("explain-tx offline, on transactions that really happened on TON", () => {
  it("agrees with every label: money received, amount and comment, one JSON line each", async () => {
    const file = join(scratch, "real.txt");
    // Blank lines are skipped; a Windows line end is not part of a BOC.
    await writeFile(file, `${fixtures.map((tx) => tx.boc).join("\n\n")}\r\n`);
    // A broken configuration next to it must not matter: offline reads none.
    await writeFile(join(scratch, ".env"), "TON_NETWORK=nowhere\nREDIS_URL=not-a-url\n");

    const { code, stdout, stderr } = await run(["--file", file, "--json"]);
    await rm(join(scratch, ".env"));

    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(lines).toHaveLength(fixtures.length);
    lines.forEach((line, i) => {
      const tx = fixtures[i] as Labelled;
      const expected: Line = {
        hash: tx.hash,
        lt: tx.lt,
        received: tx.moneyStays,
        comment: labelledText(tx.comment),
      };
      if (tx.account !== null) expected.account = tx.account;
      if (tx.moneyStays) expected.amount = tx.value;
      expect({ name: tx.name, ...line }).toMatchObject({ name: tx.name, ...expected });
      expect(line.reason === undefined).toBe(tx.moneyStays);
      if (!tx.moneyStays) expect(line.amount).toBeUndefined();
    });
  });

  it("says why, in words, for a payment to a wallet that was never deployed", async () => {
    const undeployed = fixtures.find(
      (tx) => tx.moneyStays && tx.comment === "none" && tx.value === "40000000000",
    ) as Labelled;

    const { code, stdout } = await run(["--boc", undeployed.boc]);

    expect(stdout).toContain(`Transaction ${undeployed.hash}`);
    expect(stdout).toContain("Received: yes, 40 GRAM stayed on the wallet.");
    expect(stdout).toContain("the payment has no comment, so it names no order");
    expect(stdout).toContain(`https://tonviewer.com/transaction/${undeployed.hash}`);
    expect(code).toBe(0);
  });

  it("answers a BOC that is not a transaction with its own line, prints the rest, and exits 1", async () => {
    const [first, second] = fixtures.filter((tx) => tx.moneyStays) as [Labelled, Labelled];
    const notATransaction = beginCell().storeUint(0, 32).endCell().toBoc().toString("base64");

    const json = await run([
      "--boc",
      first.boc,
      "--boc",
      notATransaction,
      "--boc",
      "hello world",
      "--boc",
      second.boc,
      "--json",
    ]);
    const lines = jsonLines(json.stdout);
    expect(lines.map((line) => line.hash ?? line.input)).toEqual([
      first.hash,
      "boc 2",
      "boc 3",
      second.hash,
    ]);
    expect(lines[1]?.error).toMatch(/^not a transaction BOC/);
    expect(lines[2]?.error).toMatch(/^not a transaction BOC/);
    expect(json.code).toBe(1);

    const text = await run(["--boc", notATransaction, "--boc", first.boc]);
    expect(text.stdout).toMatch(/^✗ boc 1: not a transaction BOC \(.+\)\n/);
    expect(text.stdout).toContain(`Transaction ${first.hash}`);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(1);
  });

  it("refuses a missing file and mixed modes with a readable line", async () => {
    const missing = await run(["--file", join(scratch, "nope.txt")]);
    expect(missing.stderr).toBe(`cannot read ${join(scratch, "nope.txt")}: ENOENT\n`);
    expect(missing.code).toBe(1);

    const mixed = await run(["--boc", (fixtures[0] as Labelled).boc, "abc"]);
    expect(mixed.stderr).toContain("give either a transaction hash, or --boc/--file, not both");
    expect(mixed.code).toBe(2);
  });
});

describe("explain-tx offline, on transactions made on the emulated chain", () => {
  let chain: EmulatedChain;
  let buyer: EmulatedWallet;

  beforeAll(async () => {
    chain = await EmulatedChain.create();
    buyer = await chain.createWallet();
  });

  /** A wallet that was never deployed and holds nothing: how a fresh merchant wallet starts. */
  const freshWallet = () => chain.createWallet({ deploy: false, balance: 0n });

  it("counts a non-bounceable payment to a wallet that was never deployed", async () => {
    const merchant = await freshWallet();
    const comment = newComment();
    await chain.transfer(buyer, merchant.address, toNano("1.5"), { body: comment, bounce: false });
    const tx = chain.transactions(merchant.address).at(-1);
    expect(tx?.description).toMatchObject({ type: "generic", aborted: true });

    const { code, stdout } = await run(["--boc", bocOf(tx), "--json"]);

    expect(jsonLines(stdout)).toEqual([
      expect.objectContaining({
        hash: tx?.hash().toString("hex"),
        account: merchant.address.toRawString(),
        received: true,
        amount: toNano("1.5").toString(),
        from: buyer.address.toRawString(),
        comment,
        commentType: "text",
        unmatchedReason: "unknown-comment",
      }),
    ]);
    expect(code).toBe(0);
  });

  it("does not count a bounceable payment that the undeployed wallet bounced back", async () => {
    const merchant = await freshWallet();
    await chain.transfer(buyer, merchant.address, toNano(1), { body: newComment(), bounce: true });
    const tx = chain.transactions(merchant.address).at(-1);

    const json = await run(["--boc", bocOf(tx), "--json"]);
    const text = await run(["--boc", bocOf(tx), "--testnet"]);

    expect(jsonLines(json.stdout)).toEqual([
      expect.objectContaining({ received: false, reason: "bounced-back" }),
    ]);
    expect(jsonLines(json.stdout)[0]?.amount).toBeUndefined();
    expect(text.stdout).toContain(
      "Received: no (bounced-back): the wallet sent the money straight back to the sender",
    );
    expect(text.stdout).toContain("https://testnet.tonviewer.com/transaction/");
    expect(json.code).toBe(0);
  });

  it("reads an order's payment and its order code, without looking orders up", async () => {
    const merchant = await chain.createWallet({ version: "v5r1" });
    const comment = newComment();
    // Typed by hand: lower case, a space, O for 0 — the watcher matches it all the same.
    const typed = ` ${comment.toLowerCase().replace("-", " ").replace(/0/g, "o")}`;
    await chain.transfer(buyer, merchant.address, 2n * TON, { body: typed });
    const tx = chain.transactions(merchant.address).at(-1);

    const { code, stdout } = await run(["--boc", bocOf(tx)]);

    expect(stdout).toContain("Received: yes, 2 GRAM stayed on the wallet.");
    expect(stdout).toContain(`comment   ${JSON.stringify(typed)}`);
    expect(stdout).toContain(`its comment is the order code ${comment}`);
    expect(code).toBe(0);
  });
});

describe("explain-tx on the merchant wallet, through toncenter and the shop's Redis", () => {
  let world: TonWorld;
  let redis: RedisClient;
  let redisUrl: string;
  let prefix: string;
  let watcher: PaymentWatcher;

  beforeAll(async () => {
    ({ redis, url: redisUrl, prefix } = testRedis());
    world = await tonWorld(redis, prefix);
    watcher = await world.initialisedWatcher();
  });

  afterAll(async () => {
    await world?.close();
    await redis?.quit();
  });

  const env = (overrides: Record<string, string> = {}): Record<string, string> => ({
    TON_NETWORK: "testnet",
    TONCENTER_ENDPOINT: world.emulator.endpoint,
    TONCENTER_RPS: "100",
    MERCHANT_ADDRESS: world.merchant.address.toString({ bounceable: false, testOnly: true }),
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    ...overrides,
  });

  /** Pays `order` (its comment, `amount`) and returns the payment's transaction hash. */
  async function pay(order: Pick<Order, "comment">, amount: bigint): Promise<string> {
    await world.chain.injectPayments(world.merchant.address, [{ amount, comment: order.comment }]);
    const newest = world.newestTransaction();
    if (!newest) throw new Error("nothing on the merchant wallet");
    return newest.hash;
  }

  const base64url = (hex: string) => Buffer.from(hex, "hex").toString("base64url");
  const noStack = (text: string) => expect(text).not.toMatch(/\n\s+at /);

  it("names the paid order a transaction paid, and that the watcher recorded it", async () => {
    const order = await world.store.create(tonOrder({ amount: 2n * TON }));
    const hash = await pay(order, 2n * TON);
    await pollUntilSettled(watcher);

    const json = await run([hash, "--json"], env());
    const text = await run([`https://testnet.tonviewer.com/transaction/${hash}`], env());

    expect(jsonLines(json.stdout)).toEqual([
      expect.objectContaining({
        hash,
        received: true,
        amount: (2n * TON).toString(),
        comment: order.comment,
        order: expect.objectContaining({ id: order.id, status: "paid", owed: "0" }),
        recorded: "order",
        watcher: "recorded",
        explorer: `https://testnet.tonviewer.com/transaction/${hash}`,
      }),
    ]);
    expect(json.code).toBe(0);
    expect(text.stdout).toContain("Received: yes, 2 GRAM stayed on the wallet.");
    expect(text.stdout).toContain(
      `Order:    ${order.id} (${order.comment}) is paid: price 2 GRAM, received 2 GRAM.`,
    );
    expect(text.stdout).toContain(`Watcher:  recorded; this payment is on order ${order.id}.`);
    expect(text.code).toBe(0);
  });

  it("says which order a payment the watcher has not reached yet will pay, and changes nothing", async () => {
    const order = await world.store.create(tonOrder({ amount: 3n * TON }));
    const hash = await pay(order, TON);

    const before = await run([base64url(hash)], env());

    expect(before.stdout).toContain(
      `Order:    ${order.id} (${order.comment}) is pending: price 3 GRAM, received 0 GRAM, owes 3 GRAM;`,
    );
    expect(before.stdout).toMatch(
      new RegExp(
        `Watcher: {2}not recorded yet: .* so the next poll applies it to order ${order.id}\\.`,
      ),
    );
    expect(before.code).toBe(0);
    expect((await world.store.get(order.id))?.paid).toBe(0n);

    await pollUntilSettled(watcher);
    const after = await run([hash, "--json"], env());
    expect(jsonLines(after.stdout)[0]).toMatchObject({
      order: { id: order.id, status: "pending", exceptions: ["underpaid"], owed: "2000000000" },
      recorded: "order",
      watcher: "recorded",
    });
  });

  it("points an unmatched payment the watcher recorded to /attach", async () => {
    const hash = await pay({ comment: "for my order, thanks" }, TON);
    await pollUntilSettled(watcher);

    const { code, stdout } = await run([hash], env());

    expect(stdout).toContain("Order:    none: no order has this comment.");
    expect(stdout).toContain(
      "Watcher:  already recorded as an unmatched payment (unknown-comment).",
    );
    expect(stdout).toContain(`send the bot: /attach ton:${hash} <order id or comment>`);
    expect(code).toBe(0);
  });

  it("says the watcher will not replay what came before it started", async () => {
    const [first] = world.chain.transactions(world.merchant.address);
    const hash = first?.hash().toString("hex") ?? "";

    const { code, stdout } = await run([hash, "--json"], env());

    expect(jsonLines(stdout)[0]).toMatchObject({ hash, received: true, watcher: "before-start" });
    expect(code).toBe(0);
  });

  it("says a payment the cursor passed without a record is the reconcile job's, which records it", async () => {
    const order = await world.store.create(tonOrder({ amount: TON }));
    const hash = await pay(order, TON);
    await world.skipCursorToNewest();

    const before = await run([hash], env());
    expect(before.stdout).toContain(
      `Watcher:  passed it without a record, which should not happen; the reconcile job, which re-reads the last 6 hours, soon applies it to order ${order.id}.`,
    );

    await watcher.reconcile(Date.now() - 60 * 60_000);
    const after = await run([hash, "--json"], env());
    expect(jsonLines(after.stdout)[0]).toMatchObject({
      order: { id: order.id, status: "paid" },
      watcher: "recorded",
    });
  });

  it("finds a transaction older than the first page, and says how to look further", async () => {
    const order = await world.store.create(tonOrder({ amount: TON }));
    const hash = await pay(order, TON);
    await world.chain.injectPayments(
      world.merchant.address,
      Array.from({ length: 150 }, () => ({ amount: toNano("0.01") })),
    );

    const found = await run([hash, "--json"], env());
    const shallow = await run([hash, "--pages", "1"], env());

    expect(jsonLines(found.stdout)[0]).toMatchObject({ hash, order: { id: order.id } });
    expect(found.code).toBe(0);
    expect(shallow.stdout).toContain(
      "Not found among the newest transactions of the merchant wallet",
    );
    expect(shallow.stdout).toContain("run again with --pages 5");
    expect(shallow.code).toBe(1);
  });

  it("says a hash is in none of the wallet's history", async () => {
    const unknown = randomBytes(32).toString("hex");
    const total = world.chain.transactions(world.merchant.address).length;

    const text = await run([unknown], env());
    const json = await run([unknown, "--json"], env());

    expect(text.stdout).toContain(
      `Not found: transaction ${unknown} is not in the whole history of the merchant wallet`,
    );
    expect(text.stdout).toContain(`(${total} transactions, back to `);
    expect(text.code).toBe(1);
    expect(jsonLines(json.stdout)).toEqual([
      { hash: unknown, found: false, searched: total, complete: true },
    ]);
  });

  it("refuses what is not a hash before reaching anything", async () => {
    const { code, stdout, stderr } = await run(["TP-7K3M9Q2D"], {});

    expect(stdout).toBe("");
    expect(stderr).toMatch(/^"TP-7K3M9Q2D" is not a transaction hash: /);
    expect(stderr).toContain("usage: npm run explain-tx -- <transaction hash or explorer URL>");
    noStack(stderr);
    expect(code).toBe(2);
  });

  it("names the setting when MERCHANT_ADDRESS is missing, Redis or toncenter is down", async () => {
    const hash = randomBytes(32).toString("hex");
    const redisPort = await freePort();
    const toncenterPort = await freePort();
    const { MERCHANT_ADDRESS: _, ...noMerchant } = env();

    const results = await Promise.all([
      run([hash], noMerchant),
      run([hash], env({ REDIS_URL: `redis://127.0.0.1:${redisPort}` })),
      run([hash], env({ TONCENTER_ENDPOINT: `http://127.0.0.1:${toncenterPort}/api/v2/jsonRPC` })),
    ]);

    const [merchant, redisDown, toncenterDown] = results.map((r) => r.stderr);
    expect(merchant).toMatch(/^MERCHANT_ADDRESS is not set: .+\n$/);
    expect(redisDown).toMatch(
      new RegExp(
        `^Redis unreachable at redis://127\\.0\\.0\\.1:${redisPort} \\(.*ECONNREFUSED.*\\): start redis-server, or set REDIS_URL.*\\n$`,
      ),
    );
    expect(toncenterDown).toMatch(
      new RegExp(
        `^toncenter unreachable at http://127\\.0\\.0\\.1:${toncenterPort}/api/v2/jsonRPC \\(.*ECONNREFUSED.*\\): check the network and TONCENTER_ENDPOINT.*\\n$`,
      ),
    );
    for (const result of results) {
      expect(result.stdout).toBe("");
      expect(result.code).toBe(1);
      noStack(result.stderr);
    }
  });
});
