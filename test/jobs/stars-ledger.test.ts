import { describe, expect, it } from "vitest";
import { reconcileStars } from "../../src/jobs/stars-ledger.js";
import { capturedLog } from "../support/log.js";
import { type StarsWorld, starsWorldPerTest } from "../support/stars-world.js";

let world: StarsWorld;
starsWorldPerTest((fresh) => {
  world = fresh;
});

describe("reconcileStars", () => {
  it("warns the operator when it recorded what a lost update missed", async () => {
    const buyer = world.buyer();
    const { order, invoice } = await world.order(buyer);
    await world.pay(buyer, invoice, "lost");
    const { records, log } = capturedLog();

    const result = await reconcileStars(world.ledger(), log);

    expect(result).toMatchObject({ recovered: 1 });
    expect((await world.store.require(order.id)).status).toBe("paid");
    expect(records().filter((line) => line.level === 40)).toEqual([
      expect.objectContaining({ recovered: 1, msg: expect.stringContaining("lost updates") }),
    ]);
  });

  it("reports a pass that found nothing at info level", async () => {
    const buyer = world.buyer();
    const { invoice } = await world.order(buyer);
    await world.pay(buyer, invoice, "handled");
    const { records, log } = capturedLog();

    expect(await reconcileStars(world.ledger(), log)).toMatchObject({ scanned: 1, recovered: 0 });
    expect(records().map((line) => line.level)).toEqual([30]);
  });
});
