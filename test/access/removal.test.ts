import { Api } from "grammy";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AccessGrants } from "../../src/access/grants.js";
import { AccessRemoval } from "../../src/access/removal.js";
import { createJobs } from "../../src/jobs/schedule.js";
import { endSubscriptions } from "../../src/jobs/subscriptions.js";
import { silentLogger } from "../../src/log.js";
import { setRenewal } from "../../src/orders/state.js";
import { Subscriptions } from "../../src/payments/telegram/subscriptions.js";
import { capturedLog } from "../support/log.js";
import { loungeWorld } from "../support/lounge.js";
import { streamEntries } from "../support/partitions.js";

/*
 * When a subscription ends, its member leaves the chat: removed (not banned) by the bot, the
 * links made for it revoked, and a removal Telegram refuses kept owed and tried again, with the
 * admins told once — against the Bot API emulator's private supergroup.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LOUNGE_ID = -1_001_234_500_002;
const MINUTE = 60_000;

async function removalWorld(options: { buyerIsAdmin?: boolean } = {}) {
  const world = await loungeWorld({
    loungeId: LOUNGE_ID,
    cleanups,
    buyerIs: options.buyerIsAdmin ? "administrator" : undefined,
    products: [
      {
        id: "lounge-yearbook",
        title: "The Lounge and its yearbook",
        description: "The same private group, and a monthly file.",
        stars: "150",
      },
    ],
  });
  const { emulator, redis, prefix, store, buyer, lounge, catalog, api, paidPeriod } = world;
  const subscriptions = new Subscriptions(redis, prefix, store);
  const grants = new AccessGrants(redis, prefix);
  const { log, records } = capturedLog();
  const removal = new AccessRemoval({
    api,
    redis,
    prefix,
    store,
    catalog,
    grants,
    subscriptions,
    log,
    blockMs: 50,
    // Every removal Telegram refused is due again at once, for the test to retry.
    retryMs: 0,
  });
  await removal.start();
  cleanups.push(() => removal.stop());

  /**
   * A subscription whose last period ran out a minute ago, renewal canceled, given access to the
   * lounge by a one-person link the buyer joined through (or, for an administrator, found in).
   */
  async function subscribed() {
    const until = Date.now() - MINUTE;
    let order = await paidPeriod(undefined, 1, { until });
    ({ order } = await store.update(order.id, (current) => {
      const next = setRenewal(current, "canceled", Date.now());
      return next && { order: next };
    }));
    await subscriptions.track(order);
    if (options.buyerIsAdmin) {
      await grants.keep(order.id, 1, { chatId: LOUNGE_ID, member: true, until });
      return { order, link: undefined };
    }
    const link = await api.createChatInviteLink(LOUNGE_ID, {
      member_limit: 1,
      expire_date: Math.floor(Date.now() / 1000) + 3600,
    });
    await grants.keep(order.id, 1, { chatId: LOUNGE_ID, link: link.invite_link, until });
    expect(buyer.joinChat(link.invite_link)).toEqual({ ok: true, chatId: LOUNGE_ID });
    return { order, link: link.invite_link };
  }

  /** The admins' "could not remove" events of the order. */
  async function notices(orderId: string) {
    const entries = await streamEntries(redis, store.keys.events);
    return entries.filter(
      ([, fields]) =>
        fields[1] === orderId && JSON.parse(fields[3] ?? "{}").type === "order.member_not_removed",
    );
  }

  const warnings = () =>
    records().filter(
      (r) =>
        r.msg === "an ended subscription's member could not be removed from its chat; will retry",
    );

  /** The subscriptions job, as the schedule runs it every minute. */
  const job = () =>
    createJobs({ store, log: silentLogger, redis, prefix, subscriptions, accessRemoval: removal })
      .endSubscriptions;

  return {
    emulator,
    job,
    store,
    subscriptions,
    grants,
    buyer,
    lounge,
    removal,
    subscribed,
    notices,
    warnings,
    records,
    end: () => endSubscriptions(store, subscriptions),
    /** A second subscription of the buyer's, to another product giving the same lounge, paid for a month. */
    async alsoSubscribed() {
      const order = await paidPeriod(undefined, 1, { productId: "lounge-yearbook" });
      await subscriptions.track(order);
      return order;
    },
  };
}

describe("AccessRemoval", () => {
  it("removes the member when the subscription ends, without a ban, and revokes its link", async () => {
    const w = await removalWorld();
    const { order, link = "" } = await w.subscribed();
    expect(w.lounge.statusOf(w.buyer)).toBe("member");

    expect(await w.end()).toBe(1);

    await vi.waitFor(() => expect(w.lounge.statusOf(w.buyer)).toBe("left"));
    await vi.waitFor(async () => expect(await w.grants.owed()).toEqual([]));
    expect(w.emulator.state.access.linkOf(LOUNGE_ID, link)?.revoked).toBe(true);
    expect(await w.grants.of(order.id, 1)).toMatchObject({ link, revoked: true });
    // The old link admits nobody, though its one seat is free again.
    expect(w.buyer.joinChat(link)).toEqual({ ok: false, error: "INVITE_HASH_EXPIRED" });
    // Removed, not banned: a new subscription's link would let them in.
    const fresh = await new Api(w.emulator.token, {
      apiRoot: w.emulator.apiRoot,
    }).createChatInviteLink(LOUNGE_ID, { member_limit: 1 });
    expect(w.buyer.joinChat(fresh.invite_link)).toEqual({ ok: true, chatId: LOUNGE_ID });
    expect(await w.notices(order.id)).toEqual([]);
  });

  it("keeps a removal the bot may not do owed, tells the admins once, and does it once it may", async () => {
    const w = await removalWorld();
    const { order } = await w.subscribed();
    w.lounge.setBot({ status: "administrator", rights: { can_restrict_members: false } });

    await w.end();

    await vi.waitFor(() => expect(w.warnings()).toHaveLength(1));
    expect(w.warnings()[0]).toMatchObject({
      level: 40,
      orderId: order.id,
      chatId: LOUNGE_ID,
      userId: w.buyer.id,
      code: 400,
      description: "Bad Request: not enough rights to restrict/unrestrict chat member",
    });
    expect(w.lounge.statusOf(w.buyer)).toBe("member");
    expect((await w.grants.owed()).map((o) => o.orderId)).toEqual([order.id]);

    // Tried again by the job: refused again, one more log line, no second notice.
    expect(await w.removal.retryOwed()).toBe(0);
    expect(w.warnings()).toHaveLength(2);
    const [notice] = await w.notices(order.id);
    expect(await w.notices(order.id)).toHaveLength(1);
    expect(JSON.parse(notice?.[1][3] ?? "{}")).toEqual({
      type: "order.member_not_removed",
      detail: {
        chatId: LOUNGE_ID,
        error: "Bad Request: not enough rights to restrict/unrestrict chat member",
      },
    });

    // Telegram away: the pass stops, and the removal stays owed.
    w.emulator.faults.outage = "bad-gateway";
    expect(await w.removal.retryOwed()).toBe(0);
    expect((await w.grants.owed()).map((o) => o.orderId)).toEqual([order.id]);
    w.emulator.faults.outage = undefined;

    w.lounge.setBot({ status: "administrator" });
    expect(await w.removal.retryOwed()).toBe(1);
    expect(w.lounge.statusOf(w.buyer)).toBe("left");
    expect(await w.grants.owed()).toEqual([]);
  });

  it("is tried again by the subscriptions job, which removes the member once the bot may", async () => {
    const w = await removalWorld();
    await w.subscribed();
    w.lounge.setBot({ status: "administrator", rights: { can_restrict_members: false } });
    expect(await w.job()()).toBe(true);
    await vi.waitFor(() => expect(w.warnings().length).toBeGreaterThan(0));
    expect(w.lounge.statusOf(w.buyer)).toBe("member");

    w.lounge.setBot({ status: "administrator" });
    expect(await w.job()()).toBe(true);

    expect(w.lounge.statusOf(w.buyer)).toBe("left");
    expect(await w.grants.owed()).toEqual([]);
  });

  it("leaves in place a member whose subscription has not ended, or was renewed since", async () => {
    const w = await removalWorld();
    const { order } = await w.subscribed();
    await w.grants.owe(order.id, Date.now());

    expect(await w.removal.remove(order.id)).toBe(true);

    expect(w.lounge.statusOf(w.buyer)).toBe("member");
    expect(await w.grants.owed()).toEqual([]);
  });

  it("leaves in place a member another live subscription gives the same chat, and revokes the ended one's link", async () => {
    const w = await removalWorld();
    const { order, link = "" } = await w.subscribed();
    const other = await w.alsoSubscribed();

    expect(await w.end()).toBe(1);

    await vi.waitFor(() =>
      expect(w.records().map((r) => r.msg)).toContain("ended subscription's access removed"),
    );
    expect(await w.grants.owed()).toEqual([]);
    expect(w.lounge.statusOf(w.buyer)).toBe("member");
    expect(w.emulator.state.access.linkOf(LOUNGE_ID, link)?.revoked).toBe(true);
    expect(w.records().find((r) => r.msg === "ended subscription's access removed")).toMatchObject({
      orderId: order.id,
      keptBy: [LOUNGE_ID],
    });
    expect(await w.notices(order.id)).toEqual([]);
    expect((await w.subscriptions.activeFor(w.buyer.id, "lounge-yearbook"))?.id).toBe(other.id);
  });

  it("leaves an administrator of the chat in place, and owes nothing", async () => {
    const w = await removalWorld({ buyerIsAdmin: true });
    const { order } = await w.subscribed();

    await w.end();

    await vi.waitFor(() =>
      expect(w.records().map((r) => r.msg)).toContain(
        "an administrator of the chat keeps their place after their subscription",
      ),
    );
    expect(w.lounge.statusOf(w.buyer)).toBe("administrator");
    await vi.waitFor(async () => expect(await w.grants.owed()).toEqual([]));
    expect(await w.notices(order.id)).toEqual([]);
  });
});
