import { describe, expect, it } from "vitest";
import { ShopMetrics } from "../../src/http/metrics.js";
import { paymentLogFields } from "../../src/payments/log-fields.js";
import { capturedLog } from "../support/log.js";
import { TON } from "../support/shop.js";
import { type TonWorld, tonWorldPerTest } from "../support/ton-world.js";

let world: TonWorld;
tonWorldPerTest((fresh) => {
  world = fresh;
});

describe("a payment's log fields", () => {
  it("are txHash and lt for TON and USDT, chargeId for Stars and cards", () => {
    expect(paymentLogFields({ key: "ton:ab12", reference: { lt: "77", hash: "ab12" } })).toEqual({
      txHash: "ab12",
      lt: "77",
    });
    expect(paymentLogFields({ key: "usdt:cd34", reference: { lt: "78", hash: "cd34" } })).toEqual({
      txHash: "cd34",
      lt: "78",
    });
    expect(paymentLogFields({ key: "stars:stxABC" })).toEqual({ chargeId: "stxABC" });
    expect(paymentLogFields({ key: "fiat:ch_1" })).toEqual({ chargeId: "ch_1" });
  });

  it("follow a TON payment from the chain to its order, and money that matched none", async () => {
    const captured = capturedLog();
    const metrics = new ShopMetrics({ defaultMetrics: false });
    const watcher = await world.initialisedWatcher({ log: captured.log, metrics });
    const [order] = await world.payOrders(1, TON);
    await world.chain.injectPayments(world.merchant.address, [{ amount: TON, comment: "nobody" }]);
    await watcher.pollOnce();

    const paid = await world.store.require(order?.id ?? "");
    const reference = paid.payments[0]?.reference;
    const applied = captured.records().find((r) => r.msg === "payment applied");
    expect(applied).toMatchObject({
      orderId: paid.id,
      txHash: reference?.hash,
      lt: reference?.lt,
      outcome: "paid",
    });
    expect(applied).not.toHaveProperty("tx");
    const [kept] = await world.unmatched.list(10);
    const unmatched = captured
      .records()
      .find((r) => r.msg === "unmatched payment recorded for the admin");
    expect(unmatched).toMatchObject({
      txHash: kept?.reference?.hash,
      lt: kept?.reference?.lt,
      reason: kept?.reason,
    });

    // The initialising poll and this one, as Prometheus sees them.
    const { body } = await metrics.text();
    expect(body).toContain('tpb_watcher_polls_total{wallet="merchant"} 2');
    expect(body).toContain('tpb_watcher_poll_errors_total{wallet="merchant"} 0');
  });
});
