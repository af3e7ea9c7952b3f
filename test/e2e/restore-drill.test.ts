import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedisServer } from "@ton-payment-bot/emulators/redis";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { backupCommand, restoreCommand } from "../../src/ops/backup-cli.js";
import { redisKeys } from "../../src/redis/keys.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { capturedLog } from "../support/log.js";
import { keysMatching, testRedis } from "../support/redis.js";
import { checkoutTon, invoiceFor, orderReaches, startShop } from "../support/sandbox.js";

/*
 * The restore drill: a shop that sold in TON and in Stars is stopped, backed up with
 * `npm run backup`, restored with `npm run restore` into a Redis that has never seen it, and
 * started there. Every order and payment is back, nothing is delivered twice, the watcher goes
 * on from its cursor (a payment made while the shop was moving is found, older ones are not read
 * again), and the next purchase works.
 */

const HALF_TON = 500_000_000n;
const GOODS = "Your download link";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function commandIo(env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { env, out: (l: string) => out.push(l), err: (l: string) => err.push(l) },
  };
}

describe("the restore drill", () => {
  it("a backup restored into a fresh Redis carries the shop on: nothing lost, nothing twice", async () => {
    const captured = capturedLog();
    const sandbox: Sandbox = await startShop({ log: captured.log });
    cleanups.push(() => sandbox.stop());
    const prefix = sandbox.config.redisPrefix;
    const { redis: original } = testRedis();
    cleanups.push(async () => {
      // The shop ends on the fresh Redis; its keys on the first one are left to clear here.
      for (const key of await keysMatching(original, `${prefix}*`)) await original.unlink(key);
      await original.quit();
    });
    const buyer = sandbox.user();
    const wallet = await sandbox.buyerWallet();

    const ton = await checkoutTon(buyer, "TON Developer");
    await wallet.pay(HALF_TON, ton.comment);
    await buyer.waitForText(GOODS, { after: ton.message.messageId });
    const stars = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    expect((await buyer.payInvoice(stars.invoice)).ok).toBe(true);
    await buyer.waitForText(GOODS, { after: stars.invoice.messageId });
    const paidTon = await orderReaches(sandbox, ton.orderId, "fulfilled");
    const paidStars = await orderReaches(sandbox, stars.orderId, "fulfilled");
    // An order still waiting for its payment when the shop moves.
    const waiting = await checkoutTon(buyer, "TON Developer");

    // Stopped for a point-in-time backup, as the README advises.
    await sandbox.stopShop();
    const file = join(await mkdtemp(join(tmpdir(), "tpb-drill-")), "shop.backup.gz");
    const backup = commandIo(sandbox.env());
    expect(await backupCommand([file], backup.io)).toBe(0);
    expect(backup.out[0]).toMatch(
      /^Backed up \d+ keys under .+: orders \d+, payments \d+, .*cursors 1/,
    );

    // The buyer pays while the shop is on its way to the new Redis.
    await wallet.pay(HALF_TON, waiting.comment);

    const fresh = await startRedisServer();
    cleanups.push(() => fresh.stop());
    const restore = commandIo({ ...sandbox.env(), REDIS_URL: fresh.url });
    expect(await restoreCommand([file], restore.io)).toBe(0);
    expect(restore.err).toEqual([]);
    expect(restore.out[0]).toMatch(
      new RegExp(`^Restored \\d+ keys under ${prefix} from the backup of `),
    );
    // The restored Redis holds the watcher's cursor and each payment's claim as the first did.
    const keys = redisKeys(prefix);
    const cursor = keys.watcherCursor(sandbox.merchant.address.toRawString());
    const moved = new Redis(fresh.url);
    cleanups.push(async () => moved.disconnect());
    expect(await moved.get(cursor)).toEqual(await original.get(cursor));
    expect(await moved.get(cursor)).not.toBeNull();
    for (const order of [paidTon, paidStars]) {
      const [claim] = order.payments.map((payment) => keys.payment(payment.key));
      expect(await moved.get(claim ?? "")).toBe(order.id);
    }
    const appliedBefore = captured.records().filter((r) => r.msg === "payment applied").length;
    const goodsBefore = buyer.fromBot().filter((m) => m.text?.includes(GOODS)).length;
    expect(goodsBefore).toBe(2);

    await sandbox.restart({ redisUrl: fresh.url });

    // Every order and payment is there, as it was.
    expect(await sandbox.app.store.require(ton.orderId)).toEqual(paidTon);
    expect(await sandbox.app.store.require(stars.orderId)).toEqual(paidStars);
    // The watcher went on from its cursor: the payment made during the move is found, and only it.
    await buyer.waitForText("Payment received", { after: waiting.message.messageId });
    await buyer.waitForText(GOODS, { after: waiting.message.messageId });
    const paidWaiting = await orderReaches(sandbox, waiting.orderId, "fulfilled");
    expect(paidWaiting.payments).toHaveLength(1);
    const applied = captured.records().filter((r) => r.msg === "payment applied");
    expect(applied.slice(appliedBefore).map((r) => r.orderId)).toEqual([waiting.orderId]);

    // A new purchase works on the restored shop.
    const next = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
    expect((await buyer.payInvoice(next.invoice)).ok).toBe(true);
    await buyer.waitForText(GOODS, { after: next.invoice.messageId });
    await orderReaches(sandbox, next.orderId, "fulfilled");

    // Nothing was delivered twice: one goods message per order, four orders.
    expect(buyer.fromBot().filter((m) => m.text?.includes(GOODS))).toHaveLength(4);
    expect(await sandbox.app.store.require(ton.orderId)).toEqual(paidTon);
  });
});
