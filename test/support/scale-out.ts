import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { Address } from "@ton/core";
import { freePort } from "@ton-payment-bot/emulators/redis";
import type { ChatMessage, EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import type { Order } from "../../src/orders/order.js";
import { OrderStore } from "../../src/orders/store.js";
import { createRedisClient, type RedisTarget } from "../../src/redis/connection.js";
import { allPartitions, redisKeys } from "../../src/redis/keys.js";
import { Sandbox } from "../../src/sandbox/world.js";
import { pendingEntries } from "./partitions.js";
import { startRoundRobinProxy } from "./round-robin-proxy.js";
import { type ShopProcess, startShopProcess } from "./shop-process.js";

/*
 * DESIGN §12 as a merchant runs it: several shop processes in webhook mode behind a load
 * balancer, on one Redis (a cluster in the cluster project), with Telegram and toncenter
 * emulated once for all of them. Many buyers pay at once, in TON and in Stars, and one process
 * is killed with SIGKILL while the payments are still coming in.
 */

const HALF_TON = 500_000_000n;
const WEBHOOK_SECRET = "scale_out-webhook-secret_0123456789";
const GOODS = "Your download link";
const RECEIPT = "Receipt";

export interface ScaleOutOptions {
  target: RedisTarget;
  buyers: number;
  /** Shop processes behind the load balancer. */
  processes?: number;
  /** Share of the buyers who have paid when one process is killed. */
  killWhenPaid?: number;
  pollIntervalMs?: number;
  /** How long the buyers get to see their goods. */
  withinMs?: number;
}

/** One buyer's purchase of the e-book, as the buyer lived it. */
export interface Purchase {
  buyerId: number;
  method: "ton" | "stars";
  /** The order the buyer paid. */
  orderId: string;
  /** When the money left: the transfer reached the chain, or Telegram took the Stars. */
  paidAt: number | undefined;
  /** When the goods reached the chat. */
  goodsAt: number | undefined;
  /** Goods messages and receipts in the chat. */
  goods: number;
  receipts: number;
  /** Payment forms the buyer filled in: more than one when the bot did not answer in time. */
  payAttempts: number;
  /** Messages sent or buttons pressed again because a process died before answering them. */
  repeats: number;
  /** What went wrong, if the buyer never got as far as paying. */
  error?: string;
}

/** A watcher's request for the wallet's new transactions, and who held the lease meanwhile. */
export interface WatcherPoll {
  shop: number;
  pid: number;
  at: number;
  /** The pid in the watcher lease when toncenter was asked. */
  leaseHolder: number | undefined;
}

export interface ScaleOutRun {
  purchases: Purchase[];
  /** The orders as the store holds them at the end, by id. */
  orders: Map<string, Order>;
  killed: { shop: number; pid: number; at: number; heldLease: boolean };
  polls: WatcherPoll[];
  /** Stars Telegram holds for the bot. */
  starBalance: number;
  /** Pids of the processes that ran, by shop number. */
  pids: number[];
  /** From the first buyer's /start to the last buyer's goods. */
  seconds: number;
  proxy: { forwarded: number; refused: number; badGateway: number };
  /** Updates Telegram still held for the webhook at the end, and its last delivery error. */
  telegram: { pending: number; lastWebhookError: string | undefined };
  /** Warnings and errors the processes logged, for a failure to explain itself. */
  warnings: { shop: number; msg: string; [field: string]: unknown }[];
}

/** Runs the whole scene and tears it down; what happened is returned for checking. */
export async function runScaleOut(options: ScaleOutOptions): Promise<ScaleOutRun> {
  const processes = options.processes ?? 3;
  const prefix = `scale:${randomBytes(4).toString("hex")}:`;
  const cleanups: (() => Promise<unknown>)[] = [];
  const redis = createRedisClient(options.target, { maxRetriesPerRequest: 3 });
  cleanups.push(async () => redis.disconnect());
  try {
    const ports = await Promise.all(Array.from({ length: processes }, () => freePort()));
    const backend = (port: number | undefined) => `http://127.0.0.1:${port}`;
    // The proxy reads this list as it forwards, so a shop restarted on another port is found.
    const backends = ports.map(backend);
    const proxy = await startRoundRobinProxy(backends);
    cleanups.push(() => proxy.close());
    const webhookUrl = `${proxy.origin}/telegram/hook`;
    const sandbox = await Sandbox.start({
      redisUrl: options.target.redisUrl,
      redisCluster: options.target.redisCluster,
      redisPrefix: prefix,
      openShop: false,
      config: { pollIntervalMs: options.pollIntervalMs ?? 500 },
    });
    cleanups.push(() => sandbox.stop());
    const keys = redisKeys(prefix);
    const lockKey = keys.watcherLock(sandbox.merchant.address.toRawString());
    const leaseHolder = async () => {
      const value = await redis.get(lockKey);
      // The lease's owner is "<host>-<pid>-<random>", then "|<fence>".
      const pid = /-(\d+)-[0-9a-f]{6}\|\d+$/.exec(value ?? "")?.[1];
      return pid === undefined ? undefined : Number(pid);
    };

    // Each process reaches toncenter through a tap of its own, which notes every poll.
    const polls: WatcherPoll[] = [];
    const shops: ShopProcess[] = [];
    const taps = await Promise.all(
      ports.map((_, shop) =>
        startToncenterTap(sandbox.toncenter.endpoint, async (call) => {
          if (call.method !== "getTransactions" || call.params?.to_lt === undefined) return;
          polls.push({
            shop,
            pid: shops[shop]?.pid ?? 0,
            at: Date.now(),
            leaseHolder: await leaseHolder(),
          });
        }),
      ),
    );
    for (const tap of taps) cleanups.push(() => tap.close());

    const env = (shop: number): Record<string, string> => ({
      ...sandbox.env(),
      BOT_MODE: "webhook",
      WEBHOOK_URL: webhookUrl,
      WEBHOOK_SECRET,
      PORT: String(ports[shop]),
      TONCENTER_ENDPOINT: taps[shop]?.endpoint ?? "",
    });
    // A free port can be taken by another program before the shop listens on it: then the shop
    // starts again on another one.
    const startShop = async (shop: number): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        const child = startShopProcess(env(shop));
        shops[shop] = child;
        cleanups.push(async () => {
          child.kill("SIGKILL");
          await child.exited;
        });
        try {
          await child.waitForLog("payment engine running", 60_000);
          return;
        } catch (error) {
          if (attempt === 3 || !child.stderr().includes("EADDRINUSE")) throw error;
          ports[shop] = await freePort();
          backends[shop] = backend(ports[shop]);
        }
      }
    };
    await Promise.all(Array.from({ length: processes }, (_, shop) => startShop(shop)));
    // Someone watches the wallet before anyone pays.
    await until(async () => (await leaseHolder()) !== undefined, "a watcher to lead", 30_000).catch(
      (error: Error) => {
        throw new Error(`${error.message}; the shops logged: ${firstErrors(shops)}`);
      },
    );

    const withinMs = options.withinMs ?? 240_000;
    const started = Date.now();
    const buyers = Array.from({ length: options.buyers }, (_, i) => ({
      user: sandbox.user({ firstName: `Buyer ${i}` }),
      method: i % 2 === 0 ? ("ton" as const) : ("stars" as const),
    }));
    const purchases: Purchase[] = buyers.map(({ user, method }) => ({
      buyerId: user.id,
      method,
      orderId: "",
      paidAt: undefined,
      goodsAt: undefined,
      goods: 0,
      receipts: 0,
      payAttempts: 0,
      repeats: 0,
    }));

    let killed: ScaleOutRun["killed"] | undefined;
    const killWhen = Math.ceil(options.buyers * (options.killWhenPaid ?? 0.5));
    const killer = (async () => {
      await until(
        async () => purchases.filter((p) => p.paidAt !== undefined).length >= killWhen,
        "buyers to pay",
        withinMs,
      );
      // The watcher's process: the lease must pass to another process for payments to be seen.
      const holder = await leaseHolder();
      const victim = Math.max(
        0,
        shops.findIndex((shop) => shop.pid === holder),
      );
      const shop = shops[victim] as ShopProcess;
      // Between two deliveries: a process killed after a message went out and before its step
      // was recorded sends that one message again on retry (src/fulfilment/worker.ts), which
      // the deliveries bench measures; here every buyer must see each message once.
      const consumer = `${hostname()}-${shop.pid}`;
      const inHand = async (p: number) =>
        (
          await redis
            .xpending(keys.fulfilment(p), "fulfilment", "-", "+", 1, consumer)
            .catch(() => [])
        ).length;
      // Frozen first, so it cannot take a job between the look at its hands and the kill.
      const deadline = Date.now() + withinMs;
      for (;;) {
        shop.kill("SIGSTOP");
        if ((await Promise.all(allPartitions.map(inHand))).every((count) => count === 0)) break;
        shop.kill("SIGCONT");
        if (Date.now() > deadline) throw new Error("the watcher's process never had empty hands");
        await delay(20);
      }
      shop.kill("SIGKILL");
      killed = { shop: victim, pid: shop.pid, at: Date.now(), heldLease: holder === shop.pid };
      await shop.exited;
    })();

    const flows = buyers.map(({ user, method }, i) =>
      buy(sandbox, user, method, purchases[i] as Purchase, withinMs, () => killed?.at).catch(
        (error: unknown) => {
          (purchases[i] as Purchase).error = (error as Error).message.split("\n")[0];
        },
      ),
    );
    await Promise.all([...flows, killer]);
    const finished = Math.max(...purchases.map((p) => p.goodsAt ?? 0));

    // Once no job is left in anyone's hands no message can follow: then count what each buyer holds.
    const store = new OrderStore(redis, { prefix });
    const ids = purchases.map((p) => p.orderId).filter((id) => id !== "");
    const settled = async () => {
      const inHand = await pendingEntries(redis, keys.fulfilment, "fulfilment");
      const stored = await store.getMany(ids);
      return inHand === 0 && stored.every((order) => order.status === "fulfilled");
    };
    await until(settled, "every job to be acknowledged", 30_000).catch(() => undefined);
    for (const [i, { user }] of buyers.entries()) {
      const purchase = purchases[i] as Purchase;
      const texts = user.fromBot().map((m) => m.text ?? "");
      purchase.goods = texts.filter((text) => text.startsWith(GOODS)).length;
      purchase.receipts = texts.filter((text) => text.startsWith(RECEIPT)).length;
    }
    const orders = new Map((await store.getMany(ids)).map((order) => [order.id, order]));

    for (const shop of shops) shop.kill("SIGTERM");
    await Promise.all(shops.map((shop) => shop.exited));
    if (killed === undefined) throw new Error("no process was killed");
    return {
      purchases,
      orders,
      killed,
      polls,
      starBalance: sandbox.telegram.state.starBalance,
      pids: shops.map((shop) => shop.pid),
      seconds: (finished - started) / 1000,
      proxy: { ...proxy.stats },
      telegram: {
        pending: sandbox.telegram.state.queue.size,
        lastWebhookError: sandbox.telegram.state.webhook?.lastErrorMessage,
      },
      warnings: shops.flatMap((shop, i) =>
        shop.logs.filter((record) => record.level >= 40).map((record) => ({ ...record, shop: i })),
      ),
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

/**
 * How long a buyer waits for the bot to answer before trying again — only when a process died
 * meanwhile, which may have taken the update, or the answer it was about to send, with it.
 */
const PATIENCE_MS = 60_000;

/**
 * One buyer: opens the e-book by its link, picks the method, pays — TON from a wallet on the
 * emulated chain, Stars through Telegram's payment form, again while the bot does not answer the
 * form in time — and waits for the goods and the receipt.
 */
async function buy(
  sandbox: Sandbox,
  buyer: EmulatedUser,
  method: "ton" | "stars",
  purchase: Purchase,
  withinMs: number,
  killedAt: () => number | undefined,
): Promise<void> {
  const deadline = Date.now() + withinMs;
  /** Does `act` until `answer` comes, as a person does when the bot stays silent. */
  const untilAnswered = async <T>(
    act: () => Promise<unknown>,
    answer: (timeoutMs: number) => Promise<T>,
  ): Promise<T> => {
    for (;;) {
      const actedAt = Date.now();
      await act();
      try {
        return await answer(Math.max(0, Math.min(PATIENCE_MS, deadline - Date.now())));
      } catch (error) {
        const killed = killedAt();
        if (killed === undefined || killed < actedAt || Date.now() >= deadline) throw error;
        purchase.repeats++;
      }
    }
  };
  const label = method === "ton" ? "Pay with Gram (TON)" : "Pay with Telegram Stars";
  const start = buyer.lastMessageId();
  const card = await untilAnswered(
    async () => buyer.send("/start buy_ton-guide"),
    (timeoutMs) => buyer.waitForButton(label, { after: start, timeoutMs }),
  );
  const before = buyer.lastMessageId();
  let payment: ChatMessage;
  if (method === "ton") {
    payment = await untilAnswered(
      () => buyer.press(label, card),
      (timeoutMs) => buyer.waitForText("Send exactly", { after: before, timeoutMs }),
    );
    const text = payment.text ?? "";
    const comment = /with the comment (\S+)/.exec(text)?.[1] ?? "";
    purchase.orderId = /^Order (\S+)/.exec(text)?.[1] ?? "";
    purchase.payAttempts = 1;
    await sandbox.chain.injectPayments(sandbox.merchant.address, [
      { amount: HALF_TON, comment, from: walletOf(buyer.id) },
    ]);
    purchase.paidAt = Date.now();
  } else {
    payment = await untilAnswered(
      () => buyer.press(label, card),
      (timeoutMs) => buyer.waitFor((m) => m.invoice !== undefined, { after: before, timeoutMs }),
    );
    purchase.orderId = payment.invoice?.payload ?? "";
    // A form the bot did not answer in time took nothing; the buyer taps Pay again.
    for (;;) {
      purchase.payAttempts++;
      const paid = await buyer.payInvoice(payment);
      if (paid.ok) break;
      if (!/did not answer in time/.test(paid.errorMessage ?? "") || Date.now() > deadline) {
        throw new Error(`Stars payment refused: ${paid.errorMessage}`);
      }
    }
    purchase.paidAt = Date.now();
  }
  const rest = { after: payment.messageId, timeoutMs: Math.max(0, deadline - Date.now()) };
  await buyer.waitForText(GOODS, rest);
  purchase.goodsAt = Date.now();
  await buyer.waitForText(RECEIPT, rest);
}

/** The first few errors the processes logged, to say why a scene did not get going. */
function firstErrors(shops: readonly ShopProcess[]): string {
  const errors = shops.flatMap((shop) => shop.logs.filter((record) => record.level >= 50));
  const said = errors.slice(0, 3).map((record) => {
    const err = record.err as { message?: string } | undefined;
    return err?.message ? `${record.msg}: ${err.message}` : record.msg;
  });
  return said.length === 0 ? "no errors" : said.join(" | ");
}

/** A wallet address of the buyer's own, so each payment comes from somewhere else. */
function walletOf(buyerId: number): Address {
  const hash = Buffer.alloc(32);
  hash.writeUInt32BE(buyerId, 28);
  return new Address(0, hash);
}

async function until(condition: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(20);
  }
}

interface TonCall {
  method: string;
  params?: Record<string, unknown>;
}

/**
 * A pass-through in front of the toncenter emulator for one shop process: every JSON-RPC call is
 * shown to `onCall` before it goes on, and the answer comes back untouched.
 */
async function startToncenterTap(
  endpoint: string,
  onCall: (call: TonCall) => Promise<void>,
): Promise<{ endpoint: string; close(): Promise<void> }> {
  const upstream = new URL(endpoint);
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    try {
      await onCall(JSON.parse(body.toString("utf8")) as TonCall);
    } catch {
      // Not JSON-RPC: toncenter answers it as it will.
    }
    const answer = await fetch(new URL(request.url ?? "/", upstream), {
      method: request.method,
      headers: { "content-type": request.headers["content-type"] ?? "application/json" },
      body: request.method === "GET" ? undefined : body,
    });
    const bytes = Buffer.from(await answer.arrayBuffer());
    response
      .writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "" })
      .end(bytes);
  };
  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502).end();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}${upstream.pathname}`,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
