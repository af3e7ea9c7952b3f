import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { redisKeys } from "../../src/redis/keys.js";
import { type Buyer, excerptOf, RELAY_KEPT_MS, TicketStore } from "../../src/support/tickets.js";
import { keysMatching, testRedis } from "./redis.js";

const { redis, prefix } = testRedis();
let now = 1_000_000;
const clock = () => now;
let tickets: TicketStore;
let run = 0;

const alice: Buyer = { userId: 501, chatId: 501, firstName: "Alice", username: "alice" };
const bob: Buyer = { userId: 502, chatId: 502, firstName: "Bob" };

beforeEach(() => {
  // Each test on a prefix of its own, so ticket numbers start at 1.
  tickets = new TicketStore(redis, `${prefix}${++run}:`, clock);
});
afterAll(async () => {
  for (const key of await keysMatching(redis, `${prefix}*`)) await redis.del(key);
  redis.disconnect();
});

describe("TicketStore", () => {
  it("numbers tickets one after another and gives a buyer back their open ticket", async () => {
    const first = await tickets.open(alice, "support", "en");
    expect(first.opened).toBe(true);
    expect(first.ticket).toMatchObject({
      number: 1,
      buyer: alice,
      kind: "support",
      state: "open",
      lang: "en",
      createdAt: now,
    });
    const second = await tickets.open(bob, "paysupport", "ru");
    expect(second.ticket).toMatchObject({ number: 2, buyer: bob, kind: "paysupport", lang: "ru" });
    now += 1000;
    const again = await tickets.open(alice, "paysupport", "en");
    expect(again.opened).toBe(false);
    expect(again.ticket.number).toBe(1);
    expect(await tickets.current(alice.userId)).toMatchObject({ number: 1 });
  });

  it("opens one ticket when a buyer asks twice at the same moment", async () => {
    const both = await Promise.all([
      tickets.open(alice, "support", "en"),
      tickets.open(alice, "support", "en"),
    ]);
    expect(new Set(both.map((b) => b.ticket.number)).size).toBe(1);
    expect(await tickets.activeCount()).toBe(1);
  });

  it("goes open → answered → open → closed, logging each message in order", async () => {
    const { ticket } = await tickets.open(alice, "support", "en");
    now += 10;
    expect(await tickets.buyerWrote(ticket.number, entry("my mug is broken"))).toBe("ok");
    now += 10;
    expect(
      await tickets.shopAnswered(ticket.number, 900, { ...entry("sorry!"), content: "photo" }),
    ).toBe("ok");
    expect(await tickets.get(ticket.number)).toMatchObject({ state: "answered", updatedAt: now });
    now += 10;
    await tickets.buyerWrote(ticket.number, entry("thanks"));
    expect(await tickets.get(ticket.number)).toMatchObject({
      state: "open",
      last: { from: "buyer", excerpt: "thanks", content: "text" },
    });
    expect((await tickets.log(ticket.number)).map((e) => [e.from, e.excerpt, e.adminId])).toEqual([
      ["buyer", "my mug is broken", undefined],
      ["shop", "sorry!", 900],
      ["buyer", "thanks", undefined],
    ]);

    expect(await tickets.close(ticket.number, alice.userId)).toBe("closed");
    expect(await tickets.close(ticket.number, alice.userId)).toBe("already");
    expect(await tickets.get(ticket.number)).toMatchObject({ state: "closed" });
    expect(await tickets.current(alice.userId)).toBeUndefined();
    expect(await tickets.active(10)).toEqual([]);
    expect(await tickets.closedCount()).toBe(1);
    // A closed ticket is kept a while, then goes.
    const ttl = await redis.pttl(redisKeys(`${prefix}${run}:`).ticket(ticket.number));
    expect(ttl).toBeGreaterThan(80 * 86_400_000);

    // An answer after closing is logged, and the ticket stays closed.
    expect(await tickets.shopAnswered(ticket.number, 900, entry("one more thing"))).toBe("closed");
    expect(await tickets.get(ticket.number)).toMatchObject({ state: "closed" });
    expect(await tickets.log(ticket.number)).toHaveLength(4);

    // The next /support opens a new ticket.
    const next = await tickets.open(alice, "support", "en");
    expect(next).toMatchObject({ opened: true, ticket: { number: 2, state: "open" } });
  });

  it("refuses a buyer's message to a ticket closed meanwhile, and keeps a late log no longer than the ticket", async () => {
    const { ticket } = await tickets.open(alice, "support", "en");
    // Closed before anything was written: the ticket has no log yet.
    expect(await tickets.close(ticket.number, alice.userId)).toBe("closed");
    expect(await tickets.buyerWrote(ticket.number, entry("still there?"))).toBe("closed");
    const keys = redisKeys(`${prefix}${run}:`);
    const ticketTtl = await redis.pttl(keys.ticket(ticket.number));
    const logTtl = await redis.pttl(keys.ticketLog(ticket.number));
    expect(logTtl).toBeGreaterThan(80 * 86_400_000);
    expect(logTtl).toBeLessThanOrEqual(ticketTtl);
    expect(await tickets.buyerWrote(999, entry("nobody"))).toBe("missing");
  });

  it("lists open and answered tickets, the most recently changed first", async () => {
    const a = (await tickets.open(alice, "support", "en")).ticket.number;
    now += 10;
    const b = (await tickets.open(bob, "support", "en")).ticket.number;
    now += 10;
    await tickets.buyerWrote(a, entry("hello?"));
    expect((await tickets.active(10)).map((t) => t.number)).toEqual([a, b]);
    await tickets.close(b, bob.userId);
    expect((await tickets.active(10)).map((t) => t.number)).toEqual([a]);
    expect(await tickets.buyerWrote(999, entry("x"))).toBe("missing");
    expect(await tickets.close(999, bob.userId)).toBe("missing");
  });

  it("leads a relayed message back to its ticket for thirty days", async () => {
    const { ticket } = await tickets.open(alice, "support", "en");
    await tickets.rememberRelay(-100123, 77, ticket.number);
    expect(await tickets.relayedFor(-100123, 77)).toBe(ticket.number);
    expect(await tickets.relayedFor(-100123, 78)).toBeUndefined();
    expect(await tickets.relayedFor(900, 77)).toBeUndefined();
    const ttl = await redis.pttl(redisKeys(`${prefix}${run}:`).ticketRelay(-100123, 77));
    expect(ttl).toBeGreaterThan(RELAY_KEPT_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(RELAY_KEPT_MS);
  });

  it("keeps an excerpt of a long message, on one line", () => {
    expect(excerptOf("a\n\nb   c")).toBe("a b c");
    expect(excerptOf("x".repeat(300))).toHaveLength(200);
    expect(excerptOf("x".repeat(300)).endsWith("…")).toBe(true);
    expect(excerptOf(undefined)).toBe("");
  });
});

function entry(text: string) {
  return { at: now, content: "text" as const, excerpt: excerptOf(text) };
}
