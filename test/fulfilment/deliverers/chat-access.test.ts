import { afterAll, afterEach, describe, expect, it } from "vitest";
import { AccessGrants } from "../../../src/access/grants.js";
import { createI18n } from "../../../src/bot/i18n.js";
import { ChatAccessDelivery } from "../../../src/fulfilment/deliverers/chat-access.js";
import { TelegramDelivery } from "../../../src/fulfilment/deliverers/telegram.js";
import { StockPool } from "../../../src/fulfilment/stock.js";
import { silentLogger } from "../../../src/log.js";
import { redisKeys } from "../../../src/redis/keys.js";
import { loungeWorld } from "../../support/lounge.js";
import { streamEntries } from "../../support/partitions.js";
import { closeConnections, hookedWorkers } from "../helpers.js";

/*
 * A subscription's chat access as steps of each paid period — the period's access decided and
 * kept (a link made, or the buyer found in the chat), then the message that carries it — run by
 * the real worker against the Bot API emulator's private supergroup, with workers killed right
 * before and right after each step.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(closeConnections);

const LOUNGE_ID = -1_001_234_500_001;
const _DAY = 86_400_000;

async function accessWorld(options: { buyerInChat?: boolean } = {}) {
  const world = await loungeWorld({
    loungeId: LOUNGE_ID,
    cleanups,
    buyerIs: options.buyerInChat ? "member" : undefined,
    products: [
      {
        id: "club",
        title: "Club",
        description: "Notes and the group.",
        stars: "250",
        delivery: { type: "text", text: "Welcome to the club: https://example.com/club" },
      },
    ],
  });
  const { emulator, redis, prefix, store, buyer, lounge, catalog, api, paidPeriod } = world;
  const i18n = createI18n();
  const chat = new TelegramDelivery(api, catalog, new StockPool(redis, { prefix }), i18n);
  const grants = new AccessGrants(redis, prefix);
  const access = new ChatAccessDelivery(api, catalog, grants, i18n, silentLogger);

  const { worker, finish, killedAt } = hookedWorkers({
    redis,
    store,
    prefix,
    steps: async (order, done) => [
      ...(await chat.steps(order, done)),
      ...(await access.steps(order, done)),
    ],
  });

  /** What the buyer received, in order: goods, receipts, invites and "access goes on". */
  function received(): string[] {
    return buyer.fromBot().map((m) => {
      const text = m.text ?? "";
      if (text.startsWith("Welcome")) return "goods";
      if (text.startsWith("Receipt")) return "receipt";
      if (text.startsWith("Your invite to")) return "invite";
      if (text.startsWith("You are in")) return "goes on";
      return `unexpected: ${text}`;
    });
  }

  /** The invite link of every invite the buyer got, in order. */
  function invites(): string[] {
    return buyer
      .fromBot()
      .filter((m) => m.text?.startsWith("Your invite to"))
      .map((m) => buyer.link("Join The Lounge", m));
  }

  async function steps(orderId: string): Promise<string[]> {
    return (await redis.hkeys(redisKeys(prefix).delivery(orderId))).sort();
  }

  return {
    emulator,
    redis,
    prefix,
    store,
    grants,
    buyer,
    lounge,
    paidPeriod,
    worker,
    finish,
    killedAt,
    received,
    invites,
    steps,
    linksMade: () => emulator.stats.byMethod.createChatInviteLink ?? 0,
  };
}

/** The order of a fresh world, its worker A killed at `step` and worker B finishing it. */
async function killedAt(when: "before" | "after", step: string) {
  const world = await accessWorld();
  const order = await world.paidPeriod(undefined, 1);
  await world.killedAt(order.id, when, step);
  return { world, order };
}

describe("ChatAccessDelivery run by the worker", () => {
  it("sends a one-person link naming the order and period and expiring with it, which lets the buyer in", async () => {
    const world = await accessWorld();
    const order = await world.paidPeriod(undefined, 1);
    const { worker } = world.worker("worker-a");

    await world.finish(worker, order.id);

    expect(world.received()).toEqual(["receipt", "invite"]);
    expect(await world.steps(order.id)).toEqual(["access", "access-link", "receipt"]);
    const [link = ""] = world.invites();
    const invite = world.buyer.fromBot().at(-1);
    expect(invite?.text).toContain(`Your invite to The Lounge: ${link}`);
    expect(invite?.text).toContain("It lets one person in, you, and works until ");
    const made = world.emulator.state.access.linkOf(LOUNGE_ID, link);
    expect(made).toMatchObject({
      name: `${order.id} period 1`,
      memberLimit: 1,
      expireDate: Math.ceil((order.subscription?.paidUntil ?? 0) / 1000),
      revoked: false,
    });
    expect(await world.grants.of(order.id, 1)).toEqual({
      chatId: LOUNGE_ID,
      link,
      until: order.subscription?.paidUntil,
    });

    expect(world.buyer.joinChat(link)).toEqual({ ok: true, chatId: LOUNGE_ID });
    expect(world.lounge.members().map((u) => u.id)).toEqual([world.buyer.id]);
    const friend = world.emulator.user();
    expect(friend.joinChat(link)).toEqual({ ok: false, error: "INVITE_HASH_EXPIRED" });
  });

  it("tells a buyer who is in the chat already that their access goes on, and makes no link", async () => {
    const world = await accessWorld({ buyerInChat: true });
    const order = await world.paidPeriod(undefined, 1);
    const { worker } = world.worker("worker-a");

    await world.finish(worker, order.id);

    expect(world.received()).toEqual(["receipt", "goes on"]);
    expect(world.buyer.fromBot().at(-1)?.text).toMatch(
      /^You are in The Lounge already: your access goes on until \d{4}-\d\d-\d\d \d\d:\d\d \(UTC\)/,
    );
    expect(world.linksMade()).toBe(0);
  });

  it("gives each renewal access of its own: a member is told it goes on, one who left gets a new link", async () => {
    const world = await accessWorld();
    const first = await world.paidPeriod(undefined, 1);
    const { worker } = world.worker("worker-a");
    await world.finish(worker, first.id);
    const [one = ""] = world.invites();
    world.buyer.joinChat(one);

    await world.paidPeriod(first.id, 2);
    await world.finish(worker, first.id);
    world.lounge.leave(world.buyer);
    const third = await world.paidPeriod(first.id, 3);
    await world.finish(worker, first.id);

    expect(world.received()).toEqual([
      "receipt",
      "invite",
      "receipt",
      "goes on",
      "receipt",
      "invite",
    ]);
    expect(await world.steps(first.id)).toEqual(
      [
        "receipt",
        "access-link",
        "access",
        "receipt@2",
        "access-link@2",
        "access@2",
        "receipt@3",
        "access-link@3",
        "access@3",
      ].sort(),
    );
    const [, three = ""] = world.invites();
    expect(three).not.toBe(one);
    expect(world.emulator.state.access.linkOf(LOUNGE_ID, three)).toMatchObject({
      name: `${first.id} period 3`,
      expireDate: Math.ceil((third.subscription?.paidUntil ?? 0) / 1000),
    });
    expect(world.buyer.joinChat(three)).toEqual({ ok: true, chatId: LOUNGE_ID });
  });

  it("delivers both the goods and the access of a subscription that gives both", async () => {
    const world = await accessWorld();
    const order = await world.paidPeriod(undefined, 1, { productId: "club" });
    const { worker } = world.worker("worker-a");

    await world.finish(worker, order.id);

    expect(world.received()).toEqual(["goods", "receipt", "invite"]);
  });

  it.each(["access-link", "access"])(
    "sends one invite, with one link made, when the worker is killed right before %s",
    async (step) => {
      const { world, order } = await killedAt("before", step);

      expect(world.received()).toEqual(["receipt", "invite"]);
      expect(world.linksMade()).toBe(1);
      const kept = await world.grants.of(order.id, 1);
      expect(world.invites()).toEqual([kept && "link" in kept ? kept.link : "?"]);
    },
  );

  it("sends the link it made, and makes no other, when the worker is killed right after making it", async () => {
    const { world, order } = await killedAt("after", "access-link");

    expect(world.received()).toEqual(["receipt", "invite"]);
    expect(world.linksMade()).toBe(1);
    const kept = await world.grants.of(order.id, 1);
    expect(world.invites()).toEqual([kept && "link" in kept ? kept.link : "?"]);
  });

  it("repeats only the invite, with the same link, when the worker is killed after sending it", async () => {
    const { world } = await killedAt("after", "access");

    // The worker's one repeat: the message sent and not yet recorded. Never a second link.
    expect(world.received()).toEqual(["receipt", "invite", "invite"]);
    expect(world.linksMade()).toBe(1);
    const [first, second] = world.invites();
    expect(second).toBe(first);
  });

  it("sends only a second link when Telegram made the first but its answer was lost", async () => {
    const world = await accessWorld();
    const order = await world.paidPeriod(undefined, 1);
    world.emulator.faults.lostAnswer = { methods: ["createChatInviteLink"], times: 1 };
    const { worker } = world.worker("worker-a");

    await world.finish(worker, order.id);

    expect(world.emulator.stats.lostAnswers).toBe(1);
    expect(world.linksMade()).toBe(2);
    expect(world.received()).toEqual(["receipt", "invite"]);
    const [link = ""] = world.invites();
    expect(world.buyer.joinChat(link)).toEqual({ ok: true, chatId: LOUNGE_ID });
  });

  it("gives up, naming the chat and why, when the bot may not invite users there", async () => {
    const world = await accessWorld();
    world.lounge.setBot({ status: "administrator", rights: { can_invite_users: false } });
    const order = await world.paidPeriod(undefined, 1);
    const { worker } = world.worker("worker-a");

    expect(await worker.processOnce()).toBe(1);

    expect(world.received()).toEqual(["receipt"]);
    const dead = await streamEntries(world.redis, redisKeys(world.prefix).fulfilmentDead);
    expect(dead).toHaveLength(1);
    const fields = dead[0]?.[1] ?? [];
    expect(fields).toEqual(expect.arrayContaining(["deliverer", "access-link"]));
    expect(fields[fields.indexOf("error") + 1]).toBe(
      `the bot cannot give access to chat ${LOUNGE_ID}: Bad Request: not enough rights to manage chat invite link; it must be an administrator there who may invite users`,
    );
    expect((await world.store.get(order.id))?.status).toBe("paid");
  });
});
