import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Address, SendMode, toNano } from "@ton/core";
import { internal, TonClient, WalletContractV4 } from "@ton/ton";
import { type App, createApp } from "../app.js";
import { priceOf } from "../catalog/catalog.js";
import { currencyDecimals, formatUnits } from "../catalog/units.js";
import { type Config, loadConfig } from "../config.js";
import { verifyWebhookSignature } from "../fulfilment/webhook.js";
import { createLogger } from "../log.js";
import { redisKeys } from "../orders/keys.js";
import type { Order } from "../orders/order.js";
import { displayAddress, tonkeeperLink } from "../payments/ton/links.js";
import { startRedisServer } from "./redis.js";
import { EmulatedChain } from "./ton/chain.js";
import { startToncenterEmulator } from "./ton/server.js";

const STEP_TIMEOUT_MS = 20_000;
const ton = (nano: bigint) => `${formatUnits(nano, currencyDecimals("TON"))} TON`;

class StepFailed extends Error {
  override name = "StepFailed";
}

/** Prints a numbered transcript; a step that does not hold stops the run. */
class Transcript {
  private step = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}

  line(text = ""): void {
    this.out.write(`${text}\n`);
  }

  async check<T>(
    title: string,
    run: () => Promise<T>,
    describe: (value: T) => string[] = () => [],
  ) {
    this.step++;
    const label = `${String(this.step).padStart(2)}.`;
    try {
      const value = await run();
      this.line(`${label} ✓ ${title}`);
      for (const detail of describe(value)) this.line(`      ${detail}`);
      return value;
    } catch (error) {
      this.line(`${label} ✗ ${title}`);
      this.line(`      ${(error as Error).message}`);
      throw new StepFailed(title);
    }
  }
}

/** Received merchant-webhook calls, each checked against the shared secret. */
async function startMerchantBackend(secret: string) {
  const received: { type: string; orderId: string; signatureValid: boolean }[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = JSON.parse(raw) as { type: string; order: { id: string } };
    received.push({
      type: body.type,
      orderId: body.order.id,
      signatureValid: verifyWebhookSignature(secret, request.headers, raw),
    });
    response.writeHead(200).end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/orders`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Waits until `predicate` holds for an order, reading the events stream as the bot would. */
async function waitForOrder(app: App, orderId: string, predicate: (order: Order) => boolean) {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  const reader = app.redis.duplicate();
  try {
    let lastId = "0";
    for (;;) {
      const order = await app.store.require(orderId);
      if (predicate(order)) return order;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `order ${orderId} is still ${order.status} after ${STEP_TIMEOUT_MS / 1000} s`,
        );
      const batch = await reader.xread(
        "BLOCK",
        Math.min(left, 1000),
        "STREAMS",
        redisKeys(app.config.redisPrefix).events,
        lastId,
      );
      const entries = batch?.[0]?.[1];
      const last = entries?.[entries.length - 1];
      if (last) lastId = last[0];
    }
  } finally {
    reader.disconnect();
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${STEP_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The offline sandbox: Redis, an emulated TON chain behind a toncenter emulator, and the payment
 * engine, then a narrated purchase. Returns true when every step held.
 */
export async function runWalkthrough(
  out: NodeJS.WritableStream = process.stdout,
): Promise<boolean> {
  const t = new Transcript(out);
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  t.line("TON Payment Bot — offline sandbox");
  t.line("No BOT_TOKEN is set, so everything runs here on loopback: nothing reaches the internet.");
  t.line();
  try {
    const redisUrl = process.env.REDIS_URL;
    const redis = redisUrl ? undefined : await startRedisServer();
    if (redis) cleanups.push(() => redis.stop());
    const chain = await EmulatedChain.create();
    const merchant = await chain.createWallet({ version: "v5r1", balance: toNano("1") });
    const buyer = await chain.createWallet({ version: "v4", balance: toNano("20") });
    const emulator = await startToncenterEmulator({ chain });
    cleanups.push(() => emulator.close());
    const webhookSecret = randomBytes(16).toString("hex");
    const backend = await startMerchantBackend(webhookSecret);
    cleanups.push(() => backend.close());

    const config: Config = {
      ...loadConfig({
        ...process.env,
        BOT_TOKEN: "",
        MERCHANT_ADDRESS: "",
        TONCENTER_ENDPOINT: "",
      }),
      redisUrl: redisUrl ?? redis?.url ?? "",
      redisPrefix: `sandbox:${randomBytes(3).toString("hex")}:`,
      toncenterEndpoint: emulator.endpoint,
      toncenterRps: 50,
      merchantAddress: merchant.address,
      pollIntervalMs: 500,
      merchantWebhookUrl: backend.url,
      merchantWebhookSecret: webhookSecret,
    };
    const app = await createApp(config, createLogger({ level: process.env.LOG_LEVEL ?? "silent" }));
    cleanups.push(async () => {
      await app.redis.eval(
        "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end",
        0,
        `${config.redisPrefix}*`,
      );
      await app.stop();
    });

    t.line(`  Redis        ${config.redisUrl}${redis ? " (started for this run)" : ""}`);
    t.line(`  toncenter    ${emulator.endpoint} (emulated chain, real wallet contracts)`);
    t.line(`  merchant     ${displayAddress(merchant.address, true)} (wallet v5r1)`);
    t.line(
      `  buyer        ${displayAddress(buyer.address, true)} (wallet v4, ${ton(toNano("20"))})`,
    );
    t.line(`  webhook      ${backend.url} (the merchant's backend, checks signatures)`);
    t.line();

    await t.check("The watcher starts at the merchant wallet's newest transaction", async () => {
      const result = await app.watcher?.pollOnce();
      if (result?.kind !== "initialised") throw new Error(`first poll was ${result?.kind}`);
      await app.start();
    });

    const product = app.catalog.find("mug") ?? app.catalog.products[0];
    if (!product) throw new Error("the catalog has no products");
    const quantity = Math.min(2, product.maxQuantity);
    const price = priceOf(product, "ton", quantity);
    if (!price) throw new Error(`product ${product.id} has no TON price`);
    const order = await t.check(
      `A buyer orders ${quantity} × ${product.title.en} and is asked to pay in TON`,
      () =>
        app.store.create({
          userId: 1001,
          chatId: 1001,
          productId: product.id,
          quantity,
          method: "ton",
          currency: "TON",
          amount: price.amount,
          lang: "en",
          ttlMs: config.orderTtlMinutes * 60_000,
        }),
      (o) => [
        `amount   ${ton(o.amount)}`,
        `to       ${displayAddress(merchant.address, true)}`,
        `comment  ${o.comment}`,
        `until    ${new Date(o.expiresAt).toISOString()}`,
        `link     ${tonkeeperLink({ address: merchant.address, amount: o.amount, comment: o.comment ?? "", testnet: true })}`,
      ],
    );

    // The buyer's wallet app signs a transfer and hands it to toncenter, as Tonkeeper would.
    const client = new TonClient({ endpoint: emulator.endpoint });
    const wallet = client.open(
      WalletContractV4.create({ workchain: 0, publicKey: buyer.keyPair.publicKey }),
    );
    const pay = async (amount: bigint, comment: string) => {
      await wallet.sendTransfer({
        seqno: await wallet.getSeqno(),
        secretKey: buyer.keyPair.secretKey,
        // Fees on top, as wallet apps do, so the merchant receives exactly `amount`.
        sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
        messages: [
          internal({
            to: merchant.address,
            value: amount,
            body: comment,
            bounce: true,
          }),
        ],
      });
    };

    const first = order.amount / 2n;
    await t.check(
      `The buyer sends ${ton(first)} by mistake; the watcher sees it and works out what is still owed`,
      async () => {
        await pay(first, order.comment ?? "");
        return waitForOrder(app, order.id, (o) => o.paid > 0n);
      },
      (o) => [
        `status ${o.status} (${o.exceptions.join(", ")}), still owed ${ton(o.amount - o.paid)}`,
      ],
    );

    await t.check(
      "The buyer sends the rest with the comment typed by hand in lower case",
      async () => {
        await pay(order.amount - first, (order.comment ?? "").toLowerCase().replace("-", " "));
        return waitForOrder(app, order.id, (o) => o.status === "fulfilled");
      },
      (o) => [`status ${o.status}, paid ${ton(o.paid)} in ${o.payments.length} payments`],
    );

    await t.check(
      "The merchant's backend received one signed order.paid event",
      async () => {
        const events = backend.received.filter((e) => e.orderId === order.id);
        if (events.length !== 1) throw new Error(`received ${events.length} events`);
        if (!events[0]?.signatureValid) throw new Error("the signature did not verify");
        return events[0];
      },
      (e) => [`${e.type}, HMAC-SHA256 signature valid`],
    );

    await t.check(
      "A payment with a comment nobody issued is kept for the admin, not lost",
      async () => {
        await pay(toNano("0.3"), "TP-ZZZZZZZZ");
        return until("recording the unmatched payment", async () => {
          const [latest] = await app.unmatched.list(1);
          return latest?.comment === "TP-ZZZZZZZZ" ? latest : undefined;
        });
      },
      (u) => [
        `${ton(u.amount)} from ${displayAddress(Address.parseRaw(u.from ?? ""), true)}, reason: ${u.reason}`,
      ],
    );

    await t.check("Nothing was fulfilled twice", async () => {
      const stored = await app.store.require(order.id);
      const jobs = await app.redis.xlen(redisKeys(config.redisPrefix).fulfilment);
      if (stored.payments.length !== 2)
        throw new Error(`order has ${stored.payments.length} payments`);
      if (jobs !== 1) throw new Error(`${jobs} fulfilment jobs were queued`);
      return stored;
    });

    t.line();
    t.line("Every step held.");
    t.line(
      "To go live: copy .env.example to .env, set BOT_TOKEN (from @BotFather), MERCHANT_ADDRESS",
    );
    t.line("and TONCENTER_API_KEY, then run `npm start` again.");
    return true;
  } catch (error) {
    if (!(error instanceof StepFailed))
      t.line(`✗ the sandbox could not start: ${(error as Error).message}`);
    return false;
  } finally {
    for (const cleanup of cleanups.reverse())
      await Promise.resolve(cleanup()).catch(() => undefined);
  }
}
