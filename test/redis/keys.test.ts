import { describe, expect, it } from "vitest";
import {
  allPartitions,
  keyKind,
  keyUnder,
  PARTITIONS,
  partitionOf,
  prefixPattern,
  redisKeys,
} from "../../src/redis/keys.js";

const prefix = "tpb:";
const keys = redisKeys(prefix);

/** The part of a key Redis Cluster hashes: the first non-empty {…}, else the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf("{");
  const close = open < 0 ? -1 : key.indexOf("}", open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

describe("redisKeys", () => {
  it("puts an order's keys and everything its transition writes under one hash tag", () => {
    for (const orderId of ["ord_p927p1t6bjps", "ord_0", "ord_zzzzzzzzzzzz"]) {
      const p = partitionOf(orderId);
      const tags = new Set(
        [
          keys.order(orderId),
          keys.delivery(orderId),
          keys.paymentMessage(orderId),
          keys.pending(p),
          keys.allOrders(p),
          keys.fulfilment(p),
          keys.fulfilmentDead(p),
          keys.events(p),
          keys.webhookDue(p),
          keys.webhookEvent(p, `${orderId}:order.paid`),
        ].map(hashTag),
      );
      expect(tags).toEqual(new Set([`p${p}`]));
    }
  });

  it("keeps every support ticket key under the one {support} tag", () => {
    const tags = [
      keys.ticketSeq,
      keys.ticket(17),
      keys.ticketLog(17),
      keys.buyerTicket(501),
      keys.activeTickets,
      keys.closedTickets,
      keys.ticketRelay(-1002000000001, 5),
    ].map(hashTag);
    expect(new Set(tags)).toEqual(new Set(["support"]));
  });

  it("keeps an unmatched payment's record, index and event together", () => {
    const p = partitionOf("ton:abc");
    const tags = [keys.unmatched(p), keys.unmatchedByTime(p), keys.events(p)].map(hashTag);
    expect(new Set(tags).size).toBe(1);
  });

  it("keeps a watcher's, a stock pool's and a lock's keys each under their own tag", () => {
    const wallet = "0:abc";
    expect(
      new Set(
        [keys.watcherCursor(wallet), keys.watcherLock(wallet), keys.watcherHealth(wallet)].map(
          hashTag,
        ),
      ),
    ).toEqual(new Set([`watcher:${wallet}`]));
    expect(hashTag(keys.stock("vpn"))).toBe(hashTag(keys.stockIssued("vpn")));
    expect(hashTag(keys.jobLock("expire"))).toBe(hashTag(`${keys.jobLock("expire")}:fence`));
    expect(hashTag(keys.tonconnectLink(7))).toBe(hashTag(keys.tonconnectConnecting));
  });

  it("spreads orders evenly over the partitions, the same way in every release", () => {
    const counts = new Array<number>(PARTITIONS).fill(0);
    for (let i = 0; i < 16_000; i++) {
      const p = partitionOf(`ord_${i.toString(36).padStart(12, "0")}`);
      counts[p] = (counts[p] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
    // Stored data sits where these say: changing the function would strand it.
    expect([partitionOf("ord_p927p1t6bjps"), partitionOf("ton:abc"), partitionOf("")]).toEqual([
      9, 4, 5,
    ]);
    expect(allPartitions).toHaveLength(PARTITIONS);
  });

  it("tells a backup what each key holds, and leaves out only a process's locks and counters", () => {
    const kindOf = (key: string) => keyKind(key.slice(prefix.length));
    const wallet = "0:abc";
    expect(
      [
        keys.order("ord_1"),
        keys.allOrders(3),
        keys.userOrders(7),
        keys.payment("ton:abc"),
        keys.unmatched(2),
        keys.watcherCursor(wallet),
        keys.starsLedgerCursor("42"),
        keys.stock("vpn"),
        keys.audit,
        keys.ticket(1),
        keys.termsAgreement(7),
        keys.fulfilment(4),
        keys.fulfilmentDead(4),
        keys.events(4),
        keys.webhookLog,
        keys.session(7),
        // The master's answer for our jetton wallet: kept, and checked against the shop on read.
        keys.jettonWallet,
        `${keys.jobLock("expire")}:fence`,
        keys.jobLock("expire"),
        keys.watcherLock(wallet),
        `${keys.rateLimitPrefix}7`,
      ].map(kindOf),
    ).toEqual([
      "orders",
      "orders",
      "orders",
      "payments",
      "unmatched",
      "cursors",
      "cursors",
      "stock",
      "audit",
      "tickets",
      "terms",
      "streams",
      "streams",
      "streams",
      "webhooks",
      "sessions",
      "other",
      "other",
      "transient",
      "transient",
      "transient",
    ]);
  });

  it("moves a key to another prefix with its hash tag, and escapes the prefix in a pattern", () => {
    const order = keys.order("ord_1");
    const moved = keyUnder("other:", order.slice(prefix.length));
    expect(moved.startsWith("other:{p")).toBe(true);
    expect(hashTag(moved)).toBe(hashTag(order));
    expect(prefixPattern("shop[1]*?:")).toBe("shop\\[1\\]\\*\\?:*");
  });
});
