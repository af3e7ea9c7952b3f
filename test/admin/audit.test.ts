import { afterAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/admin/audit.js";
import { testRedis } from "../support/redis.js";

const { redis, prefix } = testRedis();
afterAll(() => redis.quit());

describe("AuditLog", () => {
  it("reads back what admins did, newest first, with when they did it", async () => {
    const p = `${prefix}log:`;
    let now = 1_700_000_000_000;
    const audit = new AuditLog(redis, p, { clock: () => now });
    await audit.record({ adminId: 7, action: "export", detail: { from: 1, to: 2 } });
    now += 1000;
    await audit.record({ adminId: 7, action: "refund", orderId: "ord_a" });
    now += 1000;
    await audit.record({
      adminId: 9,
      action: "attach",
      orderId: "ord_b",
      detail: { paymentKey: "ton:ab", outcome: "paid", late: false },
    });

    const entries = await audit.list(10);
    expect(entries.map(({ id: _, ...rest }) => rest)).toEqual([
      {
        at: 1_700_000_002_000,
        adminId: 9,
        action: "attach",
        orderId: "ord_b",
        detail: { paymentKey: "ton:ab", outcome: "paid", late: false },
      },
      { at: 1_700_000_001_000, adminId: 7, action: "refund", orderId: "ord_a" },
      { at: 1_700_000_000_000, adminId: 7, action: "export", detail: { from: 1, to: 2 } },
    ]);
  });

  it("returns only the latest entries up to the limit", async () => {
    const p = `${prefix}limit:`;
    const audit = new AuditLog(redis, p);
    for (let i = 0; i < 5; i++) await audit.record({ adminId: 1, action: `step-${i}` });
    expect((await audit.list(2)).map((e) => e.action)).toEqual(["step-4", "step-3"]);
  });

  it("keeps the log in the prefix's audit stream", async () => {
    const p = `${prefix}key:`;
    const id = await new AuditLog(redis, p).record({ adminId: 3, action: "resolve" });
    const entries = await redis.xrange(`${p}stream:audit`, "-", "+");
    expect(entries.map(([entryId]) => entryId)).toEqual([id]);
  });

  it("reads an empty log as no entries", async () => {
    expect(await new AuditLog(redis, `${prefix}none:`).list(5)).toEqual([]);
  });
});
