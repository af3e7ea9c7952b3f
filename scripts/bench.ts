/**
 * `npm run bench`: measures the figures of DESIGN §13 against the emulators on loopback and
 * prints one JSON line per scenario. Redis: REDIS_URL, or a throw-away redis-server; scale-out
 * runs on REDIS_CLUSTER_NODES, or a throw-away 3-master Redis Cluster.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Address, toNano } from "@ton/core";
import { startRedisServer } from "@ton-payment-bot/emulators/redis";
import type { ChatMessage } from "@ton-payment-bot/emulators/telegram";
import {
  deployJetton,
  EmulatedChain,
  type EmulatedJetton,
  mintJetton,
  sendJettons,
  startToncenterEmulator,
} from "@ton-payment-bot/emulators/ton";
import { Redis } from "ioredis";
import { productData, walletData } from "../src/bot/callback-data.js";
import { loadConfig } from "../src/config.js";
import type { Order } from "../src/orders/order.js";
import { OrderStore } from "../src/orders/store.js";
import { PaymentsCore } from "../src/payments/record.js";
import { ToncenterClient } from "../src/payments/ton/client.js";
import { inlineDecoder, threadDecoder } from "../src/payments/ton/decoder.js";
import { PaymentWatcher } from "../src/payments/ton/watcher.js";
import { UnmatchedPayments } from "../src/payments/unmatched.js";
import { redisKeys } from "../src/redis/keys.js";
import { Sandbox } from "../src/sandbox/world.js";
import { usdtCatalogFile } from "../test/support/catalog.js";
import { streamEntries } from "../test/support/partitions.js";
import { startRedisCluster } from "../test/support/redis-cluster.js";
import { runScaleOut } from "../test/support/scale-out.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TON = 1_000_000_000n;
/** The USDT catalog's mug (test/support/catalog.ts): 12.5 USDT, in base units (6 decimals). */
const USDT_PRICE = 12_500_000n;
const PAGE_SIZE = 99;
const DECODE_THREADS = 2;

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

interface World {
  chain: EmulatedChain;
  merchant: Awaited<ReturnType<EmulatedChain["createWallet"]>>;
  emulator: Awaited<ReturnType<typeof startToncenterEmulator>>;
  store: OrderStore;
  payments: PaymentsCore;
  unmatched: UnmatchedPayments;
  keys: ReturnType<typeof redisKeys>;
  prefix: string;
}

let worldCount = 0;
/** `deployed: false`: a merchant wallet with no code on chain yet, as a fresh address is. */
async function world(redis: Redis, options: { deployed?: boolean } = {}): Promise<World> {
  const prefix = `bench:${process.pid}:${++worldCount}:`;
  const chain = await EmulatedChain.create();
  const merchant =
    options.deployed === false
      ? await chain.createWallet({ version: "v5r1", deploy: false, balance: 0n })
      : await chain.createWallet({ version: "v5r1" });
  const emulator = await startToncenterEmulator({ chain });
  const store = new OrderStore(redis, { prefix });
  const payments = new PaymentsCore(store, { latePolicy: "fulfil" });
  const unmatched = new UnmatchedPayments(redis, prefix);
  return { chain, merchant, emulator, store, payments, unmatched, keys: redisKeys(prefix), prefix };
}

/** The merchant wallet's watcher; with `jettonWallet`, our jetton wallet's, as the shop runs it. */
function watcherFor(
  w: World,
  redis: Redis,
  client: ToncenterClient,
  jettonWallet?: Address,
): PaymentWatcher {
  return new PaymentWatcher({
    redis,
    prefix: w.prefix,
    source: client,
    merchant: w.merchant.address,
    ...(jettonWallet ? { jettonWallet, role: "jetton-wallet" as const } : {}),
    store: w.store,
    payments: w.payments,
    unmatched: w.unmatched,
    pageSize: PAGE_SIZE,
  });
}

/** An order of one `productId`, as the bot would make it for `buyerId`: 1 TON, or USDT_PRICE. */
function orderFor(
  store: OrderStore,
  buyerId: number,
  productId: string,
  method: "ton" | "usdt",
): Promise<Order> {
  return store.create({
    userId: buyerId,
    chatId: buyerId,
    productId,
    quantity: 1,
    method,
    ...(method === "ton"
      ? { currency: "TON", amount: TON }
      : { currency: "USDT", amount: USDT_PRICE }),
    lang: "en",
    ttlMs: 30 * 60_000,
  });
}

const tonOrderFor = (store: OrderStore, buyerId: number, productId: string) =>
  orderFor(store, buyerId, productId, "ton");
const usdtOrderFor = (store: OrderStore, buyerId: number, productId: string) =>
  orderFor(store, buyerId, productId, "usdt");

async function createOrders(
  store: OrderStore,
  count: number,
  orderFor = tonOrderFor,
): Promise<Order[]> {
  const orders: Order[] = [];
  for (let i = 0; i < count; i += 500) {
    const batch = Math.min(500, count - i);
    orders.push(
      ...(await Promise.all(
        Array.from({ length: batch }, () => orderFor(store, 1 + (i % 1000), "mug")),
      )),
    );
  }
  return orders;
}

async function countPaid(
  store: OrderStore,
  orders: Order[],
): Promise<{ matched: number; duplicates: number }> {
  let matched = 0;
  let duplicates = 0;
  for (let i = 0; i < orders.length; i += 1000) {
    const stored = await store.getMany(orders.slice(i, i + 1000).map((o) => o.id));
    for (const order of stored) {
      if (order.status === "paid") matched++;
      if (order.payments.length > 1) duplicates++;
    }
  }
  return { matched, duplicates };
}

/**
 * Reads every page once so the emulator has serialized each transaction: what toncenter spends
 * building its answers is not the watcher's cost, and on a two-core machine it would be counted.
 */
async function warmEmulator(w: World, count: number, wallet = w.merchant.address): Promise<void> {
  const address = wallet.toString();
  let anchor: { lt: string; hash: string } | undefined;
  for (let seen = 0; seen < count; ) {
    const response = await fetch(w.emulator.endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        id: 1,
        jsonrpc: "2.0",
        method: "getTransactions",
        params: { address, limit: 100, ...anchor },
      }),
    });
    const items = (
      (await response.json()) as { result: { transaction_id: { lt: string; hash: string } }[] }
    ).result;
    const last = items[items.length - 1];
    if (!last || items.length < 2) return;
    seen += items.length - 1;
    anchor = {
      lt: last.transaction_id.lt,
      hash: Buffer.from(last.transaction_id.hash, "base64").toString("hex"),
    };
  }
}

/** Payments already on chain when the watcher wakes up; how fast it matches them. */
async function catchUp(redis: Redis, scenario: string, payments: number, rps: number | undefined) {
  const w = await world(redis);
  const decoder = threadDecoder(DECODE_THREADS);
  const client = new ToncenterClient({
    endpoint: w.emulator.endpoint,
    rps: rps ?? 10_000,
    decoder,
  });
  const watcher = watcherFor(w, redis, client);
  await watcher.pollOnce();
  const orders = await createOrders(w.store, payments);
  await w.chain.injectPayments(
    w.merchant.address,
    orders.map((order) => ({ amount: TON, comment: order.comment })),
  );
  await warmEmulator(w, payments);
  // The emulator enforces the limit too, answering 429 as toncenter does beyond it.
  if (rps) w.emulator.setFaults({ rps });
  const { line, perSecond } = await timeCatchUp(w, watcher, client, orders);
  if (rps) {
    const bound = rps * PAGE_SIZE;
    Object.assign(line, {
      rps,
      api_bound_per_second: bound,
      ratio_to_bound: round(perSecond / bound, 3),
    });
  }
  emit({ scenario, ...line });
  await decoder.close();
  await w.emulator.close();
}

/**
 * As watcher-catchup, for USDT: real TEP-74 transfers from a buyer's wallet credit our jetton
 * wallet, and the jetton wallet's watcher, from a cold cursor, matches them. Each transfer runs
 * four contracts on the emulated chain, so setting up takes far longer than matching: fewer
 * payments than watcher-catchup's, and the time the setup took in the line.
 */
async function usdtCatchUp(redis: Redis, payments: number) {
  const w = await world(redis);
  const setupStarted = performance.now();
  const usdt = await deployJetton(w.chain, await w.chain.createWallet());
  const ourJettonWallet = await usdt.walletOf(w.merchant.address);
  const decoder = threadDecoder(DECODE_THREADS);
  const client = new ToncenterClient({ endpoint: w.emulator.endpoint, rps: 10_000, decoder });
  const watcher = watcherFor(w, redis, client, ourJettonWallet);
  await watcher.pollOnce();
  const orders = await createOrders(w.store, payments, usdtOrderFor);
  await payInUsdt(w, usdt, orders);
  await warmEmulator(w, payments, ourJettonWallet);
  const setupSeconds = (performance.now() - setupStarted) / 1000;
  const { line } = await timeCatchUp(w, watcher, client, orders);
  emit({ scenario: "usdt-catchup", ...line, setup_seconds: round(setupSeconds, 1) });
  await decoder.close();
  await w.emulator.close();
}

/** One buyer pays every order in USDT: a jetton transfer each, signed 255 to a message. */
async function payInUsdt(w: World, usdt: EmulatedJetton, orders: Order[]): Promise<void> {
  // 0.05 TON rides with each transfer and most of it comes back; a thousand covers the fees.
  const buyer = await w.chain.createWallet({ version: "v5r1", balance: toNano(1000) });
  const total = orders.reduce((sum, order) => sum + order.amount, 0n);
  await mintJetton(w.chain, usdt, buyer.address, total);
  await sendJettons(
    w.chain,
    usdt,
    buyer,
    orders.map((order) => ({
      to: w.merchant.address,
      amount: order.amount,
      payload: order.comment,
    })),
  );
}

/** The watcher's polls until it has caught up with the chain, and what they matched. */
async function timeCatchUp(
  w: World,
  watcher: PaymentWatcher,
  client: ToncenterClient,
  orders: Order[],
): Promise<{ line: Record<string, unknown>; perSecond: number }> {
  const requestsBefore = client.requests;
  const started = performance.now();
  let result = await watcher.pollOnce();
  while (result.kind !== "processed") result = await watcher.pollOnce();
  const seconds = (performance.now() - started) / 1000;
  const { fetchMs, applyMs } = result;
  const { matched, duplicates } = await countPaid(w.store, orders);
  const perSecond = matched / seconds;
  const line = {
    payments: orders.length,
    matched,
    duplicates,
    seconds: round(seconds, 2),
    per_second: round(perSecond),
    requests: client.requests - requestsBefore,
    fetch_seconds: round(fetchMs / 1000, 2),
    apply_seconds: round(applyMs / 1000, 2),
  };
  return { line, perSecond };
}

/**
 * For each sample a buyer's order is made, paid at a random moment within the poll interval by
 * what `order` returns, and timed until the buyer reads "Payment received" in the chat — through
 * the whole shop: watcher, events stream, notifier, Bot API emulator. Sorted.
 */
async function paidNoticeLatencies(
  sandbox: Sandbox,
  samples: number,
  pollIntervalMs: number,
  order: (buyerId: number) => Promise<() => Promise<unknown>>,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const buyer = sandbox.user();
    const pay = await order(buyer.id);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * pollIntervalMs));
    const sent = performance.now();
    await pay();
    await buyer.waitForText("Payment received", { timeoutMs: 5000 });
    latencies.push(performance.now() - sent);
  }
  return latencies.sort((a, b) => a - b);
}

/** A detection-latency line's figures, for sorted `latencies`. */
function latencyFigures(latencies: number[], pollIntervalMs: number) {
  return {
    measured_to: "buyer's chat message",
    samples: latencies.length,
    poll_interval_ms: pollIntervalMs,
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    max_ms: round(latencies[latencies.length - 1] ?? Number.NaN),
    target_p99_ms: pollIntervalMs + 250,
  };
}

/** A TON payment lands at a random moment; how long until the buyer is told. */
async function detectionLatency(redisUrl: string, samples: number, pollIntervalMs: number) {
  const sandbox = await Sandbox.start({ redisUrl, config: { pollIntervalMs } });
  try {
    const latencies = await paidNoticeLatencies(sandbox, samples, pollIntervalMs, async (id) => {
      const order = await tonOrderFor(sandbox.app.store, id, "ton-guide");
      return () =>
        sandbox.chain.injectPayments(sandbox.merchant.address, [
          { amount: TON, comment: order.comment },
        ]);
    });
    emit({ scenario: "detection-latency", ...latencyFigures(latencies, pollIntervalMs) });
  } finally {
    await sandbox.stop();
  }
}

/**
 * As detection-latency, for a USDT order paid with a jetton transfer from a buyer's wallet app,
 * in a shop selling from a USDT catalog. A transfer is a chain of messages (the buyer's wallet,
 * its jetton wallet, our jetton wallet, the notice to the merchant) that the emulated chain runs
 * at once: the latency is measured from the buyer's wallet sending, so it includes that run, and
 * is read when our jetton wallet's watcher has found the credit and the buyer has been told.
 */
async function usdtDetectionLatency(redisUrl: string, samples: number, pollIntervalMs: number) {
  const catalogPath = await usdtCatalogFile();
  const sandbox = await Sandbox.start({
    redisUrl,
    usdt: true,
    config: { pollIntervalMs, catalogPath },
  });
  try {
    await jettonWalletWatched(sandbox);
    const wallet = await sandbox.buyerWallet();
    const latencies = await paidNoticeLatencies(sandbox, samples, pollIntervalMs, async (id) => {
      const order = await usdtOrderFor(sandbox.app.store, id, "mug");
      return () => wallet.payUsdt(order.amount, order.comment ?? "");
    });
    emit({
      scenario: "usdt-detection-latency",
      measured_from: "buyer's wallet sending",
      ...latencyFigures(latencies, pollIntervalMs),
    });
  } finally {
    await sandbox.stop();
    await rm(dirname(catalogPath), { recursive: true, force: true });
  }
}

/**
 * The shop asks the master for our jetton wallet after it starts, then watches it; waits for
 * that watcher's first poll, which fixes its cursor, before anyone pays.
 */
async function jettonWalletWatched(sandbox: Sandbox): Promise<void> {
  const usdt = sandbox.usdt;
  if (!usdt) throw new Error("the sandbox has no USDT");
  const wallet = (await usdt.walletOf(sandbox.merchant.address)).toRawString();
  const cursor = redisKeys(sandbox.config.redisPrefix).watcherCursor(wallet);
  const deadline = performance.now() + 30_000;
  while ((await sandbox.app.redis.exists(cursor)) === 0) {
    if (performance.now() > deadline) throw new Error("our jetton wallet is not watched");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * TON Connect through the whole shop: buyers at once each connect a wallet app (/wallet, the
 * link, the wallet approves), then press "Pay with my wallet". Timed: /wallet to the connected
 * notice, the press to the request reaching the wallet, and the press to "Payment received".
 */
async function tonConnect(redisUrl: string, buyers: number, pollIntervalMs: number) {
  const sandbox = await Sandbox.start({ redisUrl, config: { pollIntervalMs } });
  try {
    const connects: number[] = [];
    const requests: number[] = [];
    const paid: number[] = [];
    const orderIds: string[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: buyers }, async () => {
        const buyer = sandbox.user();
        const phone = await sandbox.walletApp();
        const t0 = performance.now();
        buyer.send("/wallet");
        const offer = await buyer.waitForButton("Tonkeeper", { timeoutMs: 30_000 });
        await phone.openLink(buyer.link("Tonkeeper", offer));
        const connected = await buyer.waitForText("is connected:", { timeoutMs: 30_000 });
        connects.push(performance.now() - t0);
        const order = await tonOrderFor(sandbox.app.store, buyer.id, "ton-guide");
        orderIds.push(order.id);
        const t1 = performance.now();
        await buyer.pressData(walletData.pack({ action: "pay", orderId: order.id }), connected);
        await phone.nextRequest(30_000);
        requests.push(performance.now() - t1);
        await buyer.waitForText("Payment received", { timeoutMs: 30_000 });
        paid.push(performance.now() - t1);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    let exactlyOnce = 0;
    for (const id of orderIds) {
      const order = await sandbox.app.store.require(id);
      if (order.payments.length === 1 && order.paid === TON) exactlyOnce++;
    }
    const stats = (values: number[]) => {
      values.sort((a, b) => a - b);
      return { p50: round(percentile(values, 50)), p99: round(percentile(values, 99)) };
    };
    const [connect, request, toPaid] = [stats(connects), stats(requests), stats(paid)];
    emit({
      scenario: "tonconnect",
      buyers,
      poll_interval_ms: pollIntervalMs,
      connect_p50_ms: connect.p50,
      connect_p99_ms: connect.p99,
      request_to_wallet_p50_ms: request.p50,
      request_to_wallet_p99_ms: request.p99,
      press_to_paid_notice_p50_ms: toPaid.p50,
      press_to_paid_notice_p99_ms: toPaid.p99,
      paid_exactly_once: exactlyOnce,
      seconds: round(seconds, 2),
    });
  } finally {
    await sandbox.stop();
  }
}

/**
 * Updates through the real bot — `npm start` in its own process, as in production, with the
 * runner, per-chat ordering, the rate limiter, Redis sessions and i18n — fed by the Bot API
 * emulator here: buyers each send /shop and press a product, which reads and writes their
 * session. Counted once every update has had its answer.
 */
async function botUpdates(redisUrl: string, buyers: number) {
  // The watcher idles; this measures the bot.
  const sandbox = await Sandbox.start({
    redisUrl,
    openShop: false,
    config: { pollIntervalMs: 3_600_000, logLevel: "warn" },
  });
  const stats = sandbox.telegram.stats.byMethod;
  const shop = fork(fileURLToPath(new URL("../src/main.ts", import.meta.url)), {
    env: { ...process.env, ...sandbox.env() },
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    while ((stats.getUpdates ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const people = Array.from({ length: buyers }, () => sandbox.user());
    const calls = () => (stats.sendMessage ?? 0) + (stats.answerCallbackQuery ?? 0);
    // Warm-up: each buyer gets a shop message to press on (three updates each stay well inside
    // the per-user flood limit).
    for (const person of people) person.send("/shop");
    const menus = await Promise.all(people.map((person) => person.waitForButton("TON mug")));

    const before = calls();
    const requestsBefore = sandbox.telegram.stats.requests;
    const started = performance.now();
    const answers: Promise<unknown>[] = [];
    people.forEach((person, i) => {
      person.send("/shop");
      answers.push(person.pressData(productData.pack({ id: "mug" }), menus[i] as ChatMessage));
    });
    await Promise.all(answers);
    while (calls() - before < buyers * 2) await new Promise((resolve) => setTimeout(resolve, 2));
    const seconds = (performance.now() - started) / 1000;
    emit({
      scenario: "bot-updates",
      updates: buyers * 2,
      buyers,
      sessions: "redis",
      seconds: round(seconds, 2),
      per_second: round((buyers * 2) / seconds),
      api_requests: sandbox.telegram.stats.requests - requestsBefore,
    });
  } finally {
    shop.kill("SIGTERM");
    await once(shop, "exit");
    await sandbox.stop();
  }
}

/**
 * 200 buyers with Stars invoices press Pay — all in the same instant, and then spread over one
 * second; each pre-checkout is timed from Telegram asking to the bot answering, while the bot
 * also records the payments that follow and delivers the goods. The bot is `npm start` in its
 * own process.
 */
async function preCheckout(redisUrl: string, buyers: number) {
  const sandbox = await Sandbox.start({
    redisUrl,
    openShop: false,
    config: { pollIntervalMs: 3_600_000, logLevel: "warn" },
  });
  const shop = fork(fileURLToPath(new URL("../src/main.ts", import.meta.url)), {
    env: { ...process.env, ...sandbox.env() },
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const stats = sandbox.telegram.stats.byMethod;
    while ((stats.getUpdates ?? 0) === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const people = Array.from({ length: buyers }, () => sandbox.user());
    const invoices = await Promise.all(
      people.map(async (person) => {
        person.send("/start buy_ton-guide");
        const card = await person.waitForButton("Telegram Stars");
        await person.press("Telegram Stars", card);
        return person.waitFor((m) => m.invoice !== undefined);
      }),
    );
    const half = buyers / 2;
    const phases = [
      { arrivals: "same instant", spreadMs: 0, from: 0, to: half },
      { arrivals: "within 1 s", spreadMs: 1000, from: half, to: buyers },
    ];
    for (const phase of phases) {
      const latencies = await Promise.all(
        people.slice(phase.from, phase.to).map(async (person, i) => {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * phase.spreadMs));
          const started = performance.now();
          const paid = await person.payInvoice(invoices[phase.from + i] as ChatMessage);
          if (!paid.ok) throw new Error(`pre-checkout refused: ${paid.errorMessage}`);
          return performance.now() - started;
        }),
      );
      latencies.sort((a, b) => a - b);
      emit({
        scenario: "pre-checkout",
        buyers: latencies.length,
        arrivals: phase.arrivals,
        p50_ms: round(percentile(latencies, 50)),
        p99_ms: round(percentile(latencies, 99)),
        max_ms: round(latencies[latencies.length - 1] ?? Number.NaN),
        target_p99_ms: 50,
      });
      // Let the payments' fulfilment settle before the next round.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
  } finally {
    shop.kill("SIGTERM");
    await once(shop, "exit");
    await sandbox.stop();
  }
}

/** With nothing new on chain, each poll should cost one toncenter request. */
async function idleCost(redis: Redis, polls: number) {
  const w = await world(redis);
  const client = new ToncenterClient({ endpoint: w.emulator.endpoint, rps: 10_000 });
  const watcher = watcherFor(w, redis, client);
  await watcher.pollOnce();
  const before = client.requests;
  for (let i = 0; i < polls; i++) await watcher.pollOnce();
  const requests = client.requests - before;
  emit({ scenario: "idle-cost", polls, requests, requests_per_poll: round(requests / polls, 3) });
  await w.emulator.close();
}

/**
 * Two shop processes share Redis and one wallet while toncenter misbehaves; they are killed with
 * SIGKILL and restarted while 1,000 payments arrive. Every order must end fulfilled exactly once.
 */
/**
 * 1,000 orders paid under faults, two watcher processes killed at random. The merchant wallet
 * starts undeployed (every payment to it is aborted with no code run, and still counts) and
 * deploys itself halfway with its first outgoing transfer; dust with stray comments or none
 * arrives between the payments and must be kept as unmatched, never applied to an order.
 */
async function reliability(redis: Redis, redisUrl: string, payments: number) {
  const w = await world(redis, { deployed: false });
  w.emulator.setFaults({
    seed: 42,
    rateLimitRate: 0.2,
    serverErrorRate: 0.1,
    shortPageMax: 30,
    duplicateRate: 0.3,
  });
  const orders = await createOrders(w.store, payments);
  const env = {
    ...process.env,
    BENCH_PREFIX: w.prefix,
    BENCH_REDIS_URL: redisUrl,
    BENCH_TONCENTER: w.emulator.endpoint,
    BENCH_MERCHANT: w.merchant.address.toString(),
  };
  const script = fileURLToPath(new URL("./bench-node.ts", import.meta.url));
  const spawnNode = () =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child = fork(script, [], {
        env,
        execArgv: ["--import", "tsx"],
        stdio: "ignore",
      });
      child.once("message", () => resolve(child));
      child.once("error", reject);
    });
  const nodes = [await spawnNode(), await spawnNode()];
  let kills = 0;
  let dust = 0;
  let deployedAt: number | undefined;
  const started = performance.now();
  for (let i = 0; i < payments; i += 50) {
    if (deployedAt === undefined && i >= payments / 2) {
      // The merchant moves money out for the first time, which deploys the wallet.
      await w.chain.transfer(w.merchant, w.chain.treasuryAddress, TON / 10n, { bounce: false });
      deployedAt = i;
    }
    const batch = orders.slice(i, i + 50).map((order) => ({ amount: TON, comment: order.comment }));
    const stray = [
      { amount: 1n, comment: "Claim your reward at example.com" },
      { amount: 50_000n },
      { amount: 900_000n, comment: "TP-00000000" },
    ];
    dust += stray.length;
    await w.chain.injectPayments(w.merchant.address, [
      ...batch.slice(0, 25),
      ...stray,
      ...batch.slice(25),
    ]);
    if ((i / 50) % 3 === 2) {
      const victim = Math.floor(Math.random() * nodes.length);
      nodes[victim]?.kill("SIGKILL");
      kills++;
      nodes[victim] = await spawnNode();
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const deliveries = `${w.prefix}bench:deliveries`;
  const deadline = Date.now() + 180_000;
  const settled = async () =>
    (await redis.hlen(deliveries)) >= payments && (await w.unmatched.count()) >= dust;
  while (!(await settled()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // Let any straggling duplicate show itself before counting.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const seconds = (performance.now() - started) / 1000;
  for (const node of nodes) node.kill("SIGKILL");

  const stored = await w.store.getMany(orders.map((o) => o.id));
  const jobs = await streamEntries(redis, w.keys.fulfilment);
  const attempts = Object.values(await redis.hgetall(`${w.prefix}bench:attempts`)).map(Number);
  const kept = await w.unmatched.list(dust + 10);
  const aborted = w.chain
    .transactions(w.merchant.address)
    .filter((tx) => tx.description.type === "generic" && tx.description.aborted).length;
  emit({
    scenario: "reliability",
    payments,
    processes: 2,
    kills,
    faults: "20% 429, 10% 500, pages ≤30 items, 30% repeated items",
    mix: `wallet undeployed for the first ${deployedAt} payments, then deployed; ${dust} dust transfers`,
    fulfilled: stored.filter((o) => o.status === "fulfilled").length,
    delivered: await redis.hlen(deliveries),
    lost: stored.filter((o) => o.status !== "fulfilled").length,
    doubled: stored.filter((o) => o.payments.length !== 1).length + jobs.length - payments,
    aborted_transactions: aborted,
    dust_sent: dust,
    dust_kept_unmatched: kept.filter((p) => p.reason === "dust").length,
    unmatched_other: kept.filter((p) => p.reason !== "dust").length,
    redelivery_attempts: attempts.reduce((sum, n) => sum + n, 0) - attempts.length,
    rate_limited: w.emulator.stats.rateLimited,
    server_errors: w.emulator.stats.serverErrors,
    seconds: round(seconds, 1),
  });
  await w.emulator.close();
}

/**
 * Orders paid while Telegram answers a fifth of the shop's sends with 429 (`retry_after` 1 s) and
 * a tenth with 500, and the merchant's backend hangs 30 s on a tenth of webhook requests. Timed
 * from the payment being recorded to the goods reaching the buyer's chat, through the whole shop
 * (fulfilment worker, grammY with its retries, the Bot API emulator); every order must get one
 * goods message and one receipt, and the webhook stalls must not be what the slowest orders share.
 */
async function deliveriesUnderFaults(redisUrl: string, orders: number, concurrency: number) {
  const stalledOrders = new Set<string>();
  const delivered = new Set<string>();
  let webhookRequests = 0;
  const backend = createServer((request, response) => {
    webhookRequests++;
    request.resume();
    const orderId = String(request.headers["x-tpb-event-id"] ?? "").split(":")[0] ?? "";
    if (Math.random() < 0.1) {
      stalledOrders.add(orderId);
      const timer = setTimeout(() => response.end(), 30_000);
      response.on("close", () => clearTimeout(timer));
      return;
    }
    delivered.add(orderId);
    response.end();
  });
  backend.listen(0, "127.0.0.1");
  await once(backend, "listening");
  const { port } = backend.address() as AddressInfo;
  const sandbox = await Sandbox.start({
    redisUrl,
    config: {
      // Payments are recorded directly below; the watcher idles.
      pollIntervalMs: 3_600_000,
      merchantWebhookUrl: `http://127.0.0.1:${port}/hooks`,
      merchantWebhookSecret: "whsec_bench_0123456789",
      fulfilmentConcurrency: concurrency,
    },
  });
  try {
    const { store, payments } = sandbox.app;
    const buyers = Array.from({ length: orders }, () => sandbox.user());
    const placed = await Promise.all(
      buyers.map((buyer) => tonOrderFor(store, buyer.id, "ton-guide")),
    );
    const goodsAt = new Map<number, number>();
    for (const buyer of buyers) {
      sandbox.telegram.state.onChange(buyer.id, () => {
        if (goodsAt.has(buyer.id)) return;
        if (buyer.fromBot().some((m) => m.text?.startsWith("Your download link"))) {
          goodsAt.set(buyer.id, Date.now());
        }
      });
    }
    const sends = ["sendMessage", "sendDocument"];
    const faults = sandbox.telegram.faults;
    faults.rateLimit = { methods: sends, times: Infinity, retryAfterSeconds: 1, share: 0.2 };
    // Asked only of the calls the rate limit let through: 0.8 × 0.125 = a tenth of all.
    faults.serverError = { methods: sends, times: Infinity, share: 0.125 };

    const started = performance.now();
    const perSecond = 20;
    for (let i = 0; i < placed.length; i += perSecond / 5) {
      const batch = placed.slice(i, i + perSecond / 5);
      await Promise.all(
        batch.map((order) =>
          payments.recordPayment(order.id, {
            key: `bench:${order.id}`,
            method: "ton",
            currency: "TON",
            amount: order.amount,
            receivedAt: Date.now(),
          }),
        ),
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const deadline = Date.now() + 600_000;
    const fulfilled = async () =>
      (await store.getMany(placed.map((o) => o.id))).filter((o) => o.status === "fulfilled").length;
    while (Date.now() < deadline && (await fulfilled()) < orders) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const goodsSeconds = (performance.now() - started) / 1000;
    while (Date.now() < deadline && delivered.size < orders) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const webhookSeconds = (performance.now() - started) / 1000;

    const stored = await store.getMany(placed.map((o) => o.id));
    let exactlyOnce = 0;
    let repeated = 0;
    let missing = 0;
    const latencies: { ms: number; stalled: boolean }[] = [];
    for (const [index, buyer] of buyers.entries()) {
      const texts = buyer.fromBot().map((m) => m.text ?? "");
      const goods = texts.filter((t) => t.startsWith("Your download link")).length;
      const receipts = texts.filter((t) => t.startsWith("Receipt")).length;
      if (goods === 1 && receipts === 1) exactlyOnce++;
      if (goods > 1 || receipts > 1) repeated++;
      if (goods === 0 || receipts === 0) missing++;
      const order = stored[index];
      const at = goodsAt.get(buyer.id);
      if (order?.paidAt !== undefined && at !== undefined) {
        latencies.push({ ms: at - order.paidAt, stalled: stalledOrders.has(order.id) });
      }
    }
    const sorted = (values: number[]) => values.sort((a, b) => a - b);
    const all = sorted(latencies.map((l) => l.ms));
    const p99 = (values: number[]) => round(percentile(values, 99));
    const slowest = [...latencies].sort((a, b) => b.ms - a.ms).slice(0, Math.ceil(orders / 100));
    emit({
      scenario: "deliveries-under-faults",
      orders,
      fulfilment_concurrency: concurrency,
      paid_per_second: perSecond,
      faults:
        "Telegram sends: 20% 429 (retry_after 1 s), 10% 500; webhook: 10% of requests hang 30 s",
      fulfilled: stored.filter((o) => o.status === "fulfilled").length,
      goods_and_receipt_exactly_once: exactlyOnce,
      repeated,
      missing,
      payment_to_goods_p50_ms: round(percentile(all, 50)),
      payment_to_goods_p99_ms: p99(all),
      payment_to_goods_max_ms: round(all[all.length - 1] ?? Number.NaN),
      p99_ms_orders_whose_webhook_stalled: p99(
        sorted(latencies.filter((l) => l.stalled).map((l) => l.ms)),
      ),
      p99_ms_other_orders: p99(sorted(latencies.filter((l) => !l.stalled).map((l) => l.ms))),
      webhook_stalled_share_all: round(stalledOrders.size / orders, 3),
      webhook_stalled_share_slowest_1pct: round(
        slowest.filter((l) => l.stalled).length / slowest.length,
        3,
      ),
      telegram_429: sandbox.telegram.stats.rateLimited,
      telegram_5xx: sandbox.telegram.stats.serverErrors,
      webhook_requests: webhookRequests,
      webhooks_delivered: delivered.size,
      goods_seconds: round(goodsSeconds, 1),
      webhooks_seconds: round(webhookSeconds, 1),
    });
  } finally {
    await sandbox.stop();
    backend.closeAllConnections();
    backend.close();
  }
}

/**
 * DESIGN §12: three shop processes in webhook mode behind a round-robin load balancer, on one
 * Redis Cluster (REDIS_CLUSTER_NODES, or three masters started for the run), with Telegram and
 * toncenter emulated once for all. The buyers pay at once, TON and Stars in turn; the watcher's
 * process is killed with SIGKILL when half have paid. Timed from the money leaving the buyer to
 * the goods in the chat; every order must be paid once, with one goods message and one receipt.
 */
async function scaleOut(buyers: number) {
  const started = process.env.REDIS_CLUSTER_NODES ? undefined : await startRedisCluster();
  const nodes = process.env.REDIS_CLUSTER_NODES ?? started?.env ?? "";
  try {
    const redisCluster = loadConfig({ REDIS_CLUSTER_NODES: nodes }).redisCluster;
    const run = await runScaleOut({ target: { redisUrl: "", redisCluster }, buyers });
    const exactlyOnce = run.purchases.filter((p) => {
      const order = run.orders.get(p.orderId);
      return (
        p.goods === 1 &&
        p.receipts === 1 &&
        order?.status === "fulfilled" &&
        order.payments.length === 1
      );
    }).length;
    const latencies = run.purchases
      .filter((p) => p.paidAt !== undefined && p.goodsAt !== undefined)
      .map((p) => (p.goodsAt ?? 0) - (p.paidAt ?? 0))
      .sort((a, b) => a - b);
    const takeover = run.polls.find((poll) => poll.at > run.killed.at);
    emit({
      scenario: "scale-out",
      processes: run.pids.length,
      redis: `cluster of ${redisCluster?.nodes.length ?? 0} seed nodes`,
      buyers,
      ton: run.purchases.filter((p) => p.method === "ton").length,
      stars: run.purchases.filter((p) => p.method === "stars").length,
      killed: "the watcher's process, SIGKILL, when half had paid",
      orders: run.purchases.filter((p) => run.orders.get(p.orderId)?.status === "fulfilled").length,
      paid_and_delivered_exactly_once: exactlyOnce,
      repeated: run.purchases.filter((p) => p.goods > 1 || p.receipts > 1).length,
      missing: run.purchases.filter((p) => p.goods === 0 || p.receipts === 0).length,
      orders_per_second: round(exactlyOnce / run.seconds),
      payment_to_goods_p50_ms: round(percentile(latencies, 50)),
      payment_to_goods_p99_ms: round(percentile(latencies, 99)),
      payment_to_goods_max_ms: round(latencies[latencies.length - 1] ?? Number.NaN),
      watcher_polls: run.polls.length,
      polls_not_by_lease_holder: run.polls.filter((poll) => poll.leaseHolder !== poll.pid).length,
      watcher_taken_over_after_ms: takeover ? takeover.at - run.killed.at : null,
      stars_paid_attempts_over_one: run.purchases.filter((p) => p.payAttempts > 1).length,
      webhook_502: run.proxy.badGateway,
      seconds: round(run.seconds, 1),
    });
  } finally {
    await started?.stop();
  }
}

/** How fast transaction BOCs decode, on the calling thread and on worker threads: the watcher's floor. */
async function decoding(redis: Redis, transactions: number) {
  const w = await world(redis);
  const orders = await createOrders(w.store, transactions);
  await w.chain.injectPayments(
    w.merchant.address,
    orders.map((order) => ({ amount: TON, comment: order.comment })),
  );
  const bocs = w.chain
    .transactions(w.merchant.address)
    .map((tx) => tx.raw.toBoc().toString("base64"));
  const pages: string[][] = [];
  for (let i = 0; i < bocs.length; i += PAGE_SIZE) pages.push(bocs.slice(i, i + PAGE_SIZE));
  for (const threads of [0, 1, 2]) {
    const decoder = threads === 0 ? inlineDecoder : threadDecoder(threads);
    await Promise.all(pages.slice(0, 10).map((page) => decoder.decode(page, w.merchant.address)));
    const started = performance.now();
    await Promise.all(pages.map((page) => decoder.decode(page, w.merchant.address)));
    const seconds = (performance.now() - started) / 1000;
    emit({
      scenario: "decode",
      threads: threads === 0 ? "inline" : threads,
      transactions: bocs.length,
      seconds: round(seconds, 2),
      per_second: round(bocs.length / seconds),
    });
    await decoder.close();
  }
  await w.emulator.close();
}

/** `npm run build` into a folder of the bench's own, and the node flags `npm run start:prod` runs it with. */
interface ProductionBuild {
  dir: string;
  nodeFlags: string[];
}

async function productionBuild(): Promise<ProductionBuild> {
  const dir = await mkdtemp(join(ROOT, "dist-bench-"));
  const build = spawn("npm", ["run", "--silent", "build", "--", "--out-dir", dir], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const [code] = await once(build, "exit");
  if (code !== 0) throw new Error("npm run build failed");
  const { scripts } = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const nodeFlags = (scripts["start:prod"] ?? "").split(" ").filter((arg) => arg.startsWith("--"));
  return { dir, nodeFlags };
}

interface MemoryProbe {
  rss_peak_mb: number;
  rss_mb: number;
  rss_settled_mb: number;
  rss_at_start_mb: number;
  heap_used_at_start_mb: number;
  heap_used_after_gc_mb: number;
}

/** src/ops/memory-probe in a child of its own; `execArgv` replaces this process's (tsx's) flags. */
async function probeMemory(
  script: string,
  execArgv: string[],
  redisUrl: string,
  count: number,
): Promise<MemoryProbe> {
  const child = fork(script, [String(count)], {
    env: { ...process.env, BENCH_REDIS_URL: redisUrl },
    execArgv: [...execArgv, "--expose-gc"],
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString();
  });
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`memory probe exited with ${code}`);
  return JSON.parse(out.trim().split("\n").pop() ?? "") as MemoryProbe;
}

/** The young generation's semi-spaces a host tight on memory may choose, against V8's 16 MB. */
const SMALL_SEMI_SPACE_MB = 4;

/**
 * Orders live in Redis, not in the process: RSS of a process that created and paid 100,000 of
 * them. Run in a child that loads only the shop's code (no emulator): from the sources under
 * tsx, as `npm start` runs, and compiled under plain node, as `npm run start:prod` does.
 */
async function memory(redisUrl: string, count: number, build: ProductionBuild) {
  const tsx = await probeMemory(
    fileURLToPath(new URL("../src/ops/memory-probe.ts", import.meta.url)),
    ["--import", "tsx"],
    redisUrl,
    count,
  );
  const compiled = await probeMemory(
    join(build.dir, "ops", "memory-probe.js"),
    build.nodeFlags,
    redisUrl,
    count,
  );
  // What a host tight on memory can trade for throughput: a young generation of 4 MB semi-spaces
  // (NODE_OPTIONS=--max-semi-space-size=4), against V8's 16.
  const smallYoung = await probeMemory(
    join(build.dir, "ops", "memory-probe.js"),
    [...build.nodeFlags, `--max-semi-space-size=${SMALL_SEMI_SPACE_MB}`],
    redisUrl,
    count,
  );
  emit({
    scenario: "memory",
    orders: count,
    // The most the process held while it took the orders.
    rss_peak_tsx_mb: tsx.rss_peak_mb,
    rss_peak_compiled_mb: compiled.rss_peak_mb,
    rss_peak_compiled_semi_space_4_mb: smallYoung.rss_peak_mb,
    // Right after the last order and a full GC; then after 30 s idle, with no forced GC.
    rss_tsx_mb: tsx.rss_mb,
    rss_compiled_mb: compiled.rss_mb,
    rss_settled_tsx_mb: tsx.rss_settled_mb,
    rss_settled_compiled_mb: compiled.rss_settled_mb,
    rss_at_start_tsx_mb: tsx.rss_at_start_mb,
    rss_at_start_compiled_mb: compiled.rss_at_start_mb,
    // What the process holds after a full GC, before and after: orders live in Redis, not here.
    heap_used_at_start_compiled_mb: compiled.heap_used_at_start_mb,
    heap_used_after_gc_tsx_mb: tsx.heap_used_after_gc_mb,
    heap_used_after_gc_compiled_mb: compiled.heap_used_after_gc_mb,
    target_rss_compiled_mb: 120,
  });
}

/** From spawning the shop, live against a sandbox's emulators, to its first getUpdates. */
async function timeToFirstPoll(redisUrl: string, command: string, args: string[]) {
  const sandbox = await Sandbox.start({
    redisUrl,
    openShop: false,
    config: { pollIntervalMs: 3_600_000, logLevel: "warn" },
  });
  const stats = sandbox.telegram.stats.byMethod;
  const started = performance.now();
  const shop = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...sandbox.env() },
    stdio: ["ignore", "inherit", "inherit"],
  });
  try {
    while ((stats.getUpdates ?? 0) === 0) {
      if (shop.exitCode !== null) throw new Error(`${command} exited with ${shop.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return performance.now() - started;
  } finally {
    if (shop.exitCode === null) {
      shop.kill("SIGTERM");
      await once(shop, "exit");
    }
    await sandbox.stop();
  }
}

/**
 * Start-up to the first getUpdates: `npm start` (the tsx CLI on src/main.ts) against
 * `npm run start:prod` (node on the build), taking turns; medians of `runs` each.
 */
async function startUp(redisUrl: string, runs: number, build: ProductionBuild) {
  const tsx: number[] = [];
  const compiled: number[] = [];
  for (let i = 0; i < runs; i++) {
    tsx.push(
      await timeToFirstPoll(redisUrl, join(ROOT, "node_modules", ".bin", "tsx"), ["src/main.ts"]),
    );
    compiled.push(
      await timeToFirstPoll(redisUrl, process.execPath, [
        ...build.nodeFlags,
        join(build.dir, "main.js"),
      ]),
    );
  }
  const median = (values: number[]) =>
    round(
      percentile(
        values.sort((a, b) => a - b),
        50,
      ),
      0,
    );
  emit({
    scenario: "start-up",
    measured_to: "first getUpdates",
    runs,
    tsx_ms: median(tsx),
    compiled_ms: median(compiled),
  });
}

async function main() {
  const scenarios = new Set(process.argv.slice(2));
  const wants = (name: string) => scenarios.size === 0 || scenarios.has(name);
  const server = process.env.REDIS_URL ? undefined : await startRedisServer();
  const redisUrl = process.env.REDIS_URL ?? server?.url ?? "";
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  try {
    if (wants("watcher-catchup")) await catchUp(redis, "watcher-catchup", 10_000, undefined);
    if (wants("watcher-catchup-throttled"))
      await catchUp(redis, "watcher-catchup-throttled", 5_000, 10);
    if (wants("usdt-catchup")) await usdtCatchUp(redis, 2_000);
    if (wants("detection-latency")) await detectionLatency(redisUrl, 40, 1000);
    if (wants("usdt-detection-latency")) await usdtDetectionLatency(redisUrl, 40, 1000);
    if (wants("tonconnect")) await tonConnect(redisUrl, 50, 1000);
    if (wants("bot-updates")) await botUpdates(redisUrl, 2000);
    if (wants("pre-checkout")) await preCheckout(redisUrl, 400);
    if (wants("idle-cost")) await idleCost(redis, 50);
    if (wants("reliability")) await reliability(redis, redisUrl, 1000);
    if (wants("deliveries-under-faults")) await deliveriesUnderFaults(redisUrl, 1000, 32);
    if (wants("decode")) await decoding(redis, 10_000);
    if (wants("memory") || wants("start-up")) {
      const build = await productionBuild();
      try {
        if (wants("memory")) await memory(redisUrl, 100_000, build);
        if (wants("start-up")) await startUp(redisUrl, 5, build);
      } finally {
        await rm(build.dir, { recursive: true, force: true });
      }
    }
    if (wants("scale-out")) await scaleOut(300);
  } finally {
    if (!process.env.REDIS_URL) await redis.flushdb();
    redis.disconnect();
    await server?.stop();
  }
}

await main();
