import { GrammyError } from "grammy";
import type { StarTransaction, TransactionPartnerUser } from "grammy/types";
import { describe, expect, it } from "vitest";
import type { Payment } from "../../../src/orders/order.js";
import { OrderStore } from "../../../src/orders/store.js";
import {
  PaymentsCore,
  type RecordedPayment,
  type RecordHints,
} from "../../../src/payments/record.js";
import { paidByBuyer } from "../../../src/payments/telegram/ledger.js";
import { streamEntries } from "../../support/partitions.js";
import { type StarsWorld, starsWorldPerTest } from "../../support/stars-world.js";

let world: StarsWorld;
starsWorldPerTest((fresh) => {
  world = fresh;
});

const DAY_MS = 24 * 60 * 60_000;

/** An order whose buyer paid while the successful_payment update was lost. */
async function lostPayment() {
  const buyer = world.buyer();
  const { order, invoice } = await world.order(buyer);
  const { chargeId, message } = await world.pay(buyer, invoice, "lost");
  return { buyer, order, chargeId, message };
}

/** What the shop knows about an order's money: its status, payments, jobs and payment events. */
async function ledgerOf(orderId: string) {
  const order = await world.store.require(orderId);
  const events = await world.eventsOf(orderId);
  return {
    status: order.status,
    payments: order.payments.map((p) => p.key),
    jobs: await world.jobsOf(orderId),
    events: events.map((e) => e.type),
  };
}

/** PaymentsCore that dies right before or right after it records, as a killed process would. */
class DyingCore extends PaymentsCore {
  constructor(
    store: OrderStore,
    private readonly when: "before" | "after",
  ) {
    super(store, { latePolicy: "fulfil" });
  }

  override async recordPayment(
    orderId: string,
    payment: Payment,
    hints?: RecordHints,
  ): Promise<RecordedPayment> {
    if (this.when === "before") throw new Error("killed before recordPayment");
    await super.recordPayment(orderId, payment, hints);
    throw new Error("killed after recordPayment");
  }
}

describe("StarsLedger", () => {
  it("records a Stars payment whose update never reached the bot, once however often it runs", async () => {
    const { order, chargeId } = await lostPayment();
    expect((await world.store.require(order.id)).status).toBe("pending");

    const first = await world.ledger().reconcile();
    const second = await world.ledger().reconcile();

    expect(first).toEqual({ scanned: 1, recovered: 1, unmatched: 0, refunded: 0 });
    expect(second).toEqual({ scanned: 1, recovered: 0, unmatched: 0, refunded: 0 });
    expect(await ledgerOf(order.id)).toEqual({
      status: "paid",
      payments: [`stars:${chargeId}`],
      jobs: 1,
      events: ["order.paid"],
    });
    const [event] = await world.eventsOf(order.id);
    expect(event?.detail).toMatchObject({
      recovered: "stars-ledger",
      amount: { units: "150", currency: "XTR" },
    });
    const paid = await world.store.require(order.id);
    const [transaction] = (await world.api.getStarTransactions()).transactions;
    expect(paid.payments[0]).toMatchObject({
      amount: 150n,
      from: String(order.userId),
      recovered: "stars-ledger",
      receivedAt: (transaction?.date ?? 0) * 1000,
      reference: { telegramChargeId: chargeId },
    });
  });

  it("records nothing twice when the update was handled too, before the pass or after it", async () => {
    const buyer = world.buyer();
    const handled = await world.order(buyer);
    const handledCharge = await world.pay(buyer, handled.invoice, "handled");
    const late = await lostPayment();

    expect(await world.ledger().reconcile()).toMatchObject({ recovered: 1 });
    // Telegram retries the lost update after all, and the bot handles it this time.
    await world.redeliver(late.buyer, late.message);
    expect(await world.ledger().reconcile()).toMatchObject({ recovered: 0 });

    expect(await ledgerOf(handled.order.id)).toEqual({
      status: "paid",
      payments: [`stars:${handledCharge.chargeId}`],
      jobs: 1,
      events: ["order.paid"],
    });
    expect(await ledgerOf(late.order.id)).toEqual({
      status: "paid",
      payments: [`stars:${late.chargeId}`],
      jobs: 1,
      events: ["order.paid"],
    });
    const [handledEvent] = await world.eventsOf(handled.order.id);
    expect(handledEvent?.detail?.recovered).toBeUndefined();
  });

  it("marks an order refunded whose refund was made while the bot was not listening", async () => {
    const buyer = world.buyer();
    const { order, invoice } = await world.order(buyer);
    const { chargeId } = await world.pay(buyer, invoice, "handled");
    await world.refund(buyer, chargeId, "lost");
    expect((await world.store.require(order.id)).status).toBe("paid");

    const first = await world.ledger().reconcile();
    const second = await world.ledger().reconcile();

    expect(first).toEqual({ scanned: 2, recovered: 0, unmatched: 0, refunded: 1 });
    expect(second).toMatchObject({ refunded: 0 });
    expect(await ledgerOf(order.id)).toMatchObject({
      status: "refunded",
      jobs: 1,
      events: ["order.paid", "order.refunded"],
    });
  });

  it("counts as missed no refund of a second charge the bot heard of, which leaves the order paid", async () => {
    const buyer = world.buyer();
    const { order, invoice } = await world.order(buyer);
    // Paid twice: the first update lost, so the order still took the second payment.
    const first = await world.pay(buyer, invoice, "lost");
    await world.pay(buyer, invoice, "handled");
    expect(await world.ledger().reconcile()).toMatchObject({ recovered: 1 });
    // The extra charge given back, and the bot told of it.
    await world.refund(buyer, first.chargeId, "handled");

    expect(await world.ledger().reconcile()).toMatchObject({ recovered: 0, refunded: 0 });
    const after = await world.store.require(order.id);
    expect(after.status).toBe("paid");
    expect(after.payments.map((p) => [p.key, p.refundedAt !== undefined])).toContainEqual([
      `stars:${first.chargeId}`,
      true,
    ]);
  });

  it("does not record a payment that was refunded before anything recorded it", async () => {
    const { buyer, order, chargeId } = await lostPayment();
    await world.refund(buyer, chargeId, "lost");

    expect(await world.ledger().reconcile()).toEqual({
      scanned: 2,
      recovered: 0,
      unmatched: 0,
      refunded: 0,
    });
    expect(await ledgerOf(order.id)).toEqual({
      status: "pending",
      payments: [],
      jobs: 0,
      events: [],
    });
  });

  it("finds an old payment across pages, then reads on from where it stopped", async () => {
    const buyer = world.buyer();
    const lost = await lostPayment();
    for (let i = 0; i < 24; i++) {
      const { invoice } = await world.order(buyer);
      await world.pay(buyer, invoice, "handled");
    }
    const calls = () => world.emulator.stats.byMethod.getStarTransactions ?? 0;

    expect(await world.ledger({ pageSize: 5 }).reconcile()).toMatchObject({
      scanned: 25,
      recovered: 1,
    });
    const firstPass = calls();
    const later = await lostPayment();
    const second = await world.ledger({ pageSize: 5 }).reconcile();

    expect(firstPass).toBe(6);
    // From ten before the cursor: 15–19, 20–24, 25 and the end.
    expect(second).toEqual({ scanned: 11, recovered: 1, unmatched: 0, refunded: 0 });
    expect(calls() - firstPass).toBe(3);
    expect((await ledgerOf(lost.order.id)).status).toBe("paid");
    expect((await ledgerOf(later.order.id)).status).toBe("paid");
  });

  it("keeps a payment whose order is gone as unmatched, once", async () => {
    const { buyer, order, chargeId } = await lostPayment();
    // Redis was restored from a backup taken before the order was made.
    await world.redis.del(world.keys.order(order.id));

    expect(await world.ledger().reconcile()).toMatchObject({ recovered: 0, unmatched: 1 });
    expect(await world.ledger().reconcile()).toMatchObject({ unmatched: 0 });

    expect(await world.unmatched.get(`stars:${chargeId}`)).toMatchObject({
      reason: "order-not-found",
      amount: 150n,
      from: String(buyer.id),
      recovered: "stars-ledger",
    });
    expect(await world.unmatched.count()).toBe(1);
    const events = await streamEntries(world.redis, world.keys.events);
    const unmatchedEvents = events.filter(([, fields]) => fields[3]?.includes("payment.unmatched"));
    expect(unmatchedEvents.map(([, fields]) => JSON.parse(fields[3] ?? "{}"))).toEqual([
      {
        type: "payment.unmatched",
        detail: { reason: "order-not-found", recovered: "stars-ledger" },
      },
    ]);
  });

  it("gives a shared invoice link's order to whoever paid it", async () => {
    const payer = world.buyer();
    const { order, invoice } = await world.order(payer, { userId: 0, chatId: 0 });
    await world.pay(payer, invoice, "lost");

    expect(await world.ledger().reconcile()).toMatchObject({ recovered: 1 });
    const paid = await world.store.require(order.id);
    expect(paid).toMatchObject({ status: "paid", userId: payer.id, chatId: payer.id });
    expect((await world.store.listByUser(payer.id)).map((o) => o.id)).toEqual([order.id]);
  });

  it.each([
    ["500", () => ({ serverError: { methods: ["getStarTransactions"], times: 1 } })],
    [
      "429",
      () => ({
        rateLimit: { methods: ["getStarTransactions"], times: 1, retryAfterSeconds: 3 },
      }),
    ],
  ] as const)(
    "leaves everything as it was when getStarTransactions answers %s, and the next pass recovers",
    async (status, faults) => {
      const { order } = await lostPayment();
      Object.assign(world.emulator.faults, faults());

      const failure = await world
        .ledger()
        .reconcile()
        .catch((error: unknown) => error);

      expect(failure).toBeInstanceOf(GrammyError);
      expect((failure as GrammyError).error_code).toBe(Number(status));
      expect(await ledgerOf(order.id)).toEqual({
        status: "pending",
        payments: [],
        jobs: 0,
        events: [],
      });
      expect(await world.redis.keys(`${world.keys.starsLedgerCursor("*")}`)).toEqual([]);
      expect(await world.ledger().reconcile()).toMatchObject({ recovered: 1 });
      expect((await ledgerOf(order.id)).status).toBe("paid");
    },
  );

  it("records nothing when a later page fails, and everything on the next pass", async () => {
    const buyer = world.buyer();
    const first = await lostPayment();
    const { invoice } = await world.order(buyer);
    await world.pay(buyer, invoice, "handled");
    const second = await lostPayment();
    // Two a page: the second call fails. Every page is read before anything is recorded.
    let calls = 0;
    world.api.config.use((prev, method, payload, signal) => {
      if (method === "getStarTransactions" && ++calls === 2) {
        throw new Error("connection reset");
      }
      return prev(method, payload, signal);
    });

    await expect(world.ledger({ pageSize: 2 }).reconcile()).rejects.toThrow("connection reset");
    expect((await world.store.require(first.order.id)).status).toBe("pending");
    expect(await world.ledger({ pageSize: 2 }).reconcile()).toMatchObject({ recovered: 2 });
    expect((await ledgerOf(first.order.id)).jobs).toBe(1);
    expect((await ledgerOf(second.order.id)).jobs).toBe(1);
  });

  it.each(["before", "after"] as const)(
    "completes a pass that died right %s recordPayment without recording twice",
    async (when) => {
      const { order, chargeId } = await lostPayment();
      const dying = world.ledger({
        telegramPayments: world.telegramPayments(new DyingCore(world.store, when)),
      });

      await expect(dying.reconcile()).rejects.toThrow(`killed ${when} recordPayment`);
      expect(await ledgerOf(order.id)).toEqual(
        when === "before"
          ? { status: "pending", payments: [], jobs: 0, events: [] }
          : { status: "paid", payments: [`stars:${chargeId}`], jobs: 1, events: ["order.paid"] },
      );

      const next = await world.ledger().reconcile();
      expect(next.recovered).toBe(when === "before" ? 1 : 0);
      expect(await ledgerOf(order.id)).toEqual({
        status: "paid",
        payments: [`stars:${chargeId}`],
        jobs: 1,
        events: ["order.paid"],
      });
    },
  );

  it("leaves the history before its first pass alone", async () => {
    const { order } = await lostPayment();
    // The first pass ever runs eight days later: the payment is a week past the window.
    const later = new OrderStore(world.redis, {
      prefix: world.prefix,
      clock: () => Date.now() + 8 * DAY_MS,
    });

    expect(await world.ledger({ store: later }).reconcile()).toMatchObject({
      scanned: 1,
      recovered: 0,
    });
    expect((await world.store.require(order.id)).status).toBe("pending");
    // The window is kept with the cursor, so a later pass does not widen it.
    expect(await world.ledger().reconcile()).toMatchObject({ recovered: 0 });
  });
});

describe("paidByBuyer", () => {
  const user = { id: 1, is_bot: false, first_name: "A" };
  const partner = (affiliate?: TransactionPartnerUser["affiliate"]): TransactionPartnerUser => ({
    type: "user",
    transaction_type: "invoice_payment",
    user,
    ...(affiliate ? { affiliate } : {}),
  });
  const tx = (amount: number, nanostar_amount?: number): StarTransaction => ({
    id: "x",
    amount,
    date: 0,
    ...(nanostar_amount ? { nanostar_amount } : {}),
  });

  it("is the bot's share when no affiliate took a commission", () => {
    expect(paidByBuyer(tx(150), partner())).toBe(150);
  });

  it("adds back an affiliate's commission, nanostars included", () => {
    const affiliate = { commission_per_mille: 100, amount: 10, affiliate_user: user };
    expect(paidByBuyer(tx(90), partner(affiliate))).toBe(100);
    expect(
      paidByBuyer(
        tx(134, 850_000_000),
        partner({ ...affiliate, amount: 15, nanostar_amount: 150_000_000 }),
      ),
    ).toBe(150);
  });
});
