import { describe, expect, it } from "vitest";
import { type StarsWorld, starsWorldPerTest } from "../../support/stars-world.js";

/*
 * A Stars refund is one call to Telegram that moves money, then one write of the order: killed
 * (or cut off) right before the call, and right after it before the write, a second try gives
 * the money back exactly once and marks the order once.
 */

let world: StarsWorld;
starsWorldPerTest((fresh) => {
  world = fresh;
});

async function paidOrder() {
  const buyer = world.buyer();
  const { order, invoice } = await world.order(buyer);
  const { chargeId } = await world.pay(buyer, invoice, "handled");
  return { order, chargeId };
}

/** How often Telegram gave this charge's Stars back: its outgoing ledger entries. */
function refundsOf(chargeId: string): number {
  return world.emulator.state.starTransactions.filter((tx) => tx.id === chargeId && tx.receiver)
    .length;
}

describe("refundStars", () => {
  it("gives nothing back and marks nothing when the call fails, and refunds once on the next try", async () => {
    const { order, chargeId } = await paidOrder();
    world.emulator.faults.serverError = { methods: ["refundStarPayment"], times: 1, status: 502 };

    await expect(world.service.refundStars(world.api, order.id)).rejects.toThrow();
    expect(refundsOf(chargeId)).toBe(0);
    expect((await world.store.require(order.id)).status).toBe("paid");

    const after = await world.service.refundStars(world.api, order.id);
    expect(after.status).toBe("refunded");
    expect(refundsOf(chargeId)).toBe(1);
  });

  it("marks the order on the next try when the refund went through but its answer was lost", async () => {
    const { order, chargeId } = await paidOrder();
    world.emulator.faults.lostAnswer = { methods: ["refundStarPayment"], times: 1 };
    // The process dies with the call: its refunded_payment update is never handled either.
    world.updates("lost");

    await expect(world.service.refundStars(world.api, order.id)).rejects.toThrow();
    expect(refundsOf(chargeId)).toBe(1);
    expect((await world.store.require(order.id)).status).toBe("paid");

    // Telegram answers CHARGE_ALREADY_REFUNDED now: the money is back, so the order is marked.
    const after = await world.service.refundStars(world.api, order.id);
    expect(after.status).toBe("refunded");
    expect(after.payments.map((p) => p.refundedAt)).toEqual([after.refundedAt]);
    expect(refundsOf(chargeId)).toBe(1);
    const events = await world.eventsOf(order.id);
    expect(events.filter((e) => e.type === "order.refunded")).toHaveLength(1);
  });
});
