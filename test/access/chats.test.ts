import { startTelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { Api, HttpError } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { AccessChats } from "../../src/access/chats.js";
import { parseCatalog } from "../../src/catalog/catalog.js";
import { capturedLog } from "../support/log.js";

/*
 * Which subscriptions' chats the shop offers: asked of Telegram at start-up, for the bot itself,
 * against the Bot API emulator.
 */

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const GOOD = -1_001_000_000_001;
const NO_BANS = -1_001_000_000_002;
const NOT_ADMIN = -1_001_000_000_003;
const CHANNEL = -1_001_000_000_004;
const UNKNOWN = -1_001_000_000_005;

function subscription(id: string, chatId: number) {
  return {
    id,
    kind: "subscription",
    title: id,
    description: `Access to ${id}.`,
    prices: { stars: "100" },
    access: { chatId },
  };
}

async function world() {
  const emulator = await startTelegramEmulator();
  cleanups.push(() => emulator.close());
  emulator.group({ id: GOOD, supergroup: true, botIsAdmin: true });
  emulator.group({ id: NO_BANS, supergroup: true, botRights: { can_restrict_members: false } });
  emulator.group({ id: NOT_ADMIN, supergroup: true });
  emulator.channel({ id: CHANNEL });
  const catalog = parseCatalog(
    {
      products: [
        subscription("lounge", GOOD),
        subscription("lounge-plus", GOOD),
        subscription("backroom", NO_BANS),
        subscription("hall", NOT_ADMIN),
        subscription("notes", CHANNEL),
        subscription("nowhere", UNKNOWN),
        {
          id: "club",
          kind: "subscription",
          title: "Club",
          description: "Monthly notes.",
          prices: { stars: "250" },
          delivery: { type: "text", text: "Welcome" },
        },
      ],
    },
    { fiatCurrency: "USD" },
  );
  const { log, records } = capturedLog();
  const chats = new AccessChats(catalog, log);
  const api = new Api(emulator.token, { apiRoot: emulator.apiRoot });
  const offered = () => catalog.products.filter((p) => chats.grants(p)).map((p) => p.id);
  return { emulator, api, chats, records, offered };
}

describe("AccessChats", () => {
  it("offers access only where the bot is an administrator that may invite and ban users", async () => {
    const w = await world();
    // Before Telegram was asked, no chat is granted.
    expect(w.offered()).toEqual(["club"]);

    await w.chats.check(w.api, w.emulator.bot.id);

    expect(w.offered()).toEqual(["lounge", "lounge-plus", "notes", "club"]);
    const warnings = w.records().filter((r) => r.level === 40);
    expect(warnings.map((r) => [r.productId, r.chatId])).toEqual([
      ["backroom", NO_BANS],
      ["hall", NOT_ADMIN],
      ["nowhere", UNKNOWN],
    ]);
    expect(warnings[0]).toMatchObject({
      msg: "this subscription's chat does not have the bot as an administrator that may invite and ban users: it is not offered",
      status: "administrator",
      can_invite_users: true,
      can_restrict_members: false,
    });
    expect(warnings[1]).toMatchObject({ status: "member" });
    expect(warnings[2]).toMatchObject({ description: "Bad Request: chat not found" });
  });

  it("throws while Telegram is away, for start-up to wait, and offers nothing meanwhile", async () => {
    const w = await world();
    w.emulator.faults.outage = "bad-gateway";

    await expect(w.chats.check(w.api, w.emulator.bot.id)).rejects.toBeInstanceOf(HttpError);

    expect(w.offered()).toEqual(["club"]);
  });
});
