import type { AdminRights, EmulatedGroup } from "@ton-payment-bot/emulators/telegram";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buyData } from "../../src/bot/callback-data.js";
import { endSubscriptions } from "../../src/jobs/subscriptions.js";
import type { Logger } from "../../src/log.js";
import { writeCatalogFile } from "../../src/sandbox/catalog.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { capturedLog } from "../support/log.js";
import { orderReaches, startShop } from "../support/sandbox.js";

/*
 * A subscription that gives access to a private supergroup, bought through the bot: a one-person
 * invite link for the period, the buyer in through it, and out again when the subscription ends;
 * and a group where the bot may not do that, whose subscription is not offered.
 */

const ADMIN_ID = 900_021;
const LOUNGE_ID = -1_001_777_000_001;

let sandbox: Sandbox | undefined;
let removeCatalog: (() => Promise<void>) | undefined;
afterEach(async () => {
  await sandbox?.stop();
  await removeCatalog?.();
  sandbox = undefined;
});

/** The shop selling the Lounge, with the lounge group set up before the shop starts. */
async function loungeShop(
  options: { botRights?: Partial<AdminRights>; log?: Logger } = {},
): Promise<{ shop: Sandbox; lounge: EmulatedGroup }> {
  const file = await writeCatalogFile({
    products: [
      {
        id: "lounge",
        kind: "subscription",
        title: "The Lounge",
        description: "A private group for members.",
        prices: { stars: "100" },
        access: { chatId: LOUNGE_ID },
      },
    ],
  });
  removeCatalog = file.remove;
  const shop = await startShop({ log: options.log });
  sandbox = shop;
  const lounge = shop.telegram.group({
    id: LOUNGE_ID,
    supergroup: true,
    title: "The Lounge",
    botIsAdmin: true,
    botRights: options.botRights,
  });
  await shop.restart({ catalogPath: file.path, adminIds: [ADMIN_ID] });
  return { shop, lounge };
}

/** Ends the subscription now, as its last period running out with renewal off does. */
async function endNow(shop: Sandbox, orderId: string) {
  const { store, subscriptions } = shop.app;
  const { order } = await store.update(orderId, (current) => {
    const subscription = current.subscription;
    if (!subscription) return undefined;
    return {
      order: {
        ...current,
        subscription: { ...subscription, paidUntil: Date.now() - 1000, renewal: "canceled" },
        version: current.version + 1,
      },
    };
  });
  await subscriptions.track(order);
  expect(await endSubscriptions(store, subscriptions)).toBe(1);
}

/** A buyer subscribes from the product card and pays the subscription invoice link. */
async function subscribe(shop: Sandbox, firstName: string) {
  const buyer = shop.user({ firstName });
  buyer.send("/start buy_lounge");
  const card = await buyer.waitForButton("Subscribe for 100 ⭐ / 30 days");
  await buyer.press("Subscribe for 100 ⭐ / 30 days", card);
  const offer = await buyer.waitForButton("⭐ Subscribe", { after: card.messageId });
  const orderId = /^Order (\S+)/.exec(offer.text ?? "")?.[1] ?? "";
  const paid = await buyer.payInvoiceLink(buyer.link("⭐ Subscribe", offer));
  expect(paid.ok).toBe(true);
  const invite = await buyer.waitForText("Your invite to The Lounge", { after: offer.messageId });
  return { buyer, orderId, invite, link: buyer.link("Join The Lounge", invite) };
}

describe("a subscription that gives access to a private group", () => {
  it("lets the subscriber in with a one-person link, and removes them when it ends", async () => {
    const { shop, lounge } = await loungeShop();
    const { buyer, orderId, invite, link } = await subscribe(shop, "Lou");

    expect(invite.text).toContain(`Your invite to The Lounge: ${link}`);
    await buyer.waitForText("The Lounge, period 1, until ");
    const order = await orderReaches(shop, orderId, "fulfilled");
    expect(shop.telegram.state.access.linkOf(LOUNGE_ID, link)).toMatchObject({
      name: `${orderId} period 1`,
      memberLimit: 1,
      expireDate: Math.ceil((order.subscription?.paidUntil ?? 0) / 1000),
    });

    expect(buyer.joinChat(link)).toEqual({ ok: true, chatId: LOUNGE_ID });
    expect(lounge.members().map((u) => u.id)).toEqual([buyer.id]);
    const member = await shop.app.bot.api.getChatMember(LOUNGE_ID, buyer.id);
    expect(member.status).toBe("member");
    // The link was for one: passed on, it admits nobody else.
    const friend = shop.user({ firstName: "Fred" });
    expect(friend.joinChat(link)).toEqual({ ok: false, error: "INVITE_HASH_EXPIRED" });

    await endNow(shop, orderId);

    await buyer.waitForText(`Your subscription (order ${orderId}) has ended`);
    await vi.waitFor(() => expect(lounge.statusOf(buyer)).toBe("left"));
    expect(lounge.members()).toEqual([]);
    // Out, and the old link lets them in no more; removed, not banned.
    expect(buyer.joinChat(link)).toEqual({ ok: false, error: "INVITE_HASH_EXPIRED" });
    expect((await shop.app.bot.api.getChatMember(LOUNGE_ID, buyer.id)).status).toBe("left");
    // The bot got the join and its own removal as group messages, and said nothing there.
    expect(lounge.fromBot().filter((m) => m.text !== undefined)).toEqual([]);
  });

  it("tells the admins when the bot can no longer remove the subscriber, who stays until it can", async () => {
    const { shop, lounge } = await loungeShop();
    const admin = shop.user({ id: ADMIN_ID, firstName: "Mira" });
    const { buyer, orderId, link } = await subscribe(shop, "Lou");
    await orderReaches(shop, orderId, "fulfilled");
    buyer.joinChat(link);
    lounge.setBot({ status: "administrator", rights: { can_restrict_members: false } });

    await endNow(shop, orderId);

    const notice = await admin.waitForText("could not remove them from its chat");
    expect(notice.text).toContain(`The subscription of Lou to The Lounge ended (order ${orderId})`);
    expect(notice.text).toContain(
      `chat ${LOUNGE_ID}: Bad Request: not enough rights to restrict/unrestrict chat member`,
    );
    expect(lounge.statusOf(buyer)).toBe("member");
  });

  it("is not offered while the bot may not ban users in the group, and start-up says so", async () => {
    const { log, records } = capturedLog();
    const { shop } = await loungeShop({ botRights: { can_restrict_members: false }, log });
    const buyer = shop.user({ firstName: "Lou" });

    buyer.send("/shop");
    const list = await buyer.waitForText("The shop has nothing for sale right now.");
    buyer.send("/start buy_lounge");
    const refused = await buyer.waitForText("This product is not on sale any more", {
      after: list.messageId,
    });
    const forged = await buyer.pressData(
      buyData.pack({ id: "lounge", quantity: 1, method: "stars" }),
      refused,
    );

    expect(forged?.text).toBe("This product cannot be paid that way. Tap /shop to choose again.");
    expect(shop.telegram.state.invoiceLinks.size).toBe(0);
    const warnings = records().filter((r) => r.productId === "lounge" && r.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({
        chatId: LOUNGE_ID,
        status: "administrator",
        can_invite_users: true,
        can_restrict_members: false,
        msg: "this subscription's chat does not have the bot as an administrator that may invite and ban users: it is not offered",
      }),
    ]);
  });
});
