import { describe, expect, it } from "vitest";
import { reconcilePayments } from "../../src/jobs/reconcile.js";
import { capturedLog } from "../support/log.js";
import { type TonWorld, tonWorldPerTest } from "../support/ton-world.js";

let world: TonWorld;
tonWorldPerTest((fresh) => {
  world = fresh;
});

const WINDOW_MS = 6 * 60 * 60_000;

/** A watcher that has polled once, and payments it will never see: the cursor jumped past them. */
async function missedPayments(count: number) {
  const watcher = await world.initialisedWatcher();
  const orders = await world.payOrders(count);
  await world.skipCursorToNewest();
  return { watcher, orders };
}

const chainClock = () => world.chain.now * 1000;

describe("reconcilePayments", () => {
  it("recovers what the watcher missed within the window and warns the operator", async () => {
    const { watcher, orders } = await missedPayments(2);
    const { records, log } = capturedLog();

    const result = await reconcilePayments(watcher, {
      windowMs: WINDOW_MS,
      clock: chainClock,
      log,
    });
    expect(result).toEqual({ scanned: 2, recovered: 2, unmatched: 0 });
    expect(await world.settlement(orders)).toEqual({ paid: 2, notPaid: 0, doubled: 0, jobs: 2 });
    const warning = records().find((line) => line.level === 40);
    expect(warning).toMatchObject({ recovered: 2 });
  });

  it("reports a pass that found nothing at info level", async () => {
    const watcher = world.watcher();
    await watcher.pollOnce();
    const { records, log } = capturedLog();
    expect(
      await reconcilePayments(watcher, { windowMs: WINDOW_MS, clock: chainClock, log }),
    ).toEqual({ scanned: 0, recovered: 0, unmatched: 0 });
    expect(records().map((line) => line.level)).toEqual([30]);
  });

  it("measures the window back from its clock", async () => {
    const { watcher, orders } = await missedPayments(1);
    world.chain.advance(7 * 60 * 60);
    expect(
      await reconcilePayments(watcher, { windowMs: WINDOW_MS, clock: chainClock }),
    ).toMatchObject({ recovered: 0 });
    expect((await world.settlement(orders)).paid).toBe(0);
  });

  it("does not start a second pass for a watcher while one is running in this process", async () => {
    const { watcher, orders } = await missedPayments(20);
    const options = { windowMs: WINDOW_MS, clock: chainClock };

    const [first, second] = await Promise.all([
      reconcilePayments(watcher, options),
      reconcilePayments(watcher, options),
    ]);
    expect(first).toMatchObject({ recovered: 20 });
    expect(second).toBeUndefined();
    expect(await world.settlement(orders)).toEqual({ paid: 20, notPaid: 0, doubled: 0, jobs: 20 });
    // Once it has finished, the next tick runs again and finds nothing left.
    expect(await reconcilePayments(watcher, options)).toMatchObject({ scanned: 20, recovered: 0 });
  });
});
