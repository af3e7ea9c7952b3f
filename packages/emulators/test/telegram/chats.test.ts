import { startTelegramEmulator, type TelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { Api } from "grammy";
import { afterEach, describe, expect, it, vi } from "vitest";
import { failureOf } from "./failure.js";

/*
 * Invite links and members of a private supergroup and a channel the bot administers, spoken to
 * by grammY's own client, held to what telegram-bot-api's Client.cpp and TDLib answer: the
 * ChatInviteLink and ChatMember objects as the server writes them, its checks of the bot's
 * rights, and its error texts; and a person opening an invite link as the apps do.
 */

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startEmulator() {
  const emulator = await startTelegramEmulator();
  cleanups.push(() => emulator.close());
  return { emulator, api: new Api(emulator.token, { apiRoot: emulator.apiRoot }) };
}

/** A private supergroup (a "lounge") the bot administers with the usual rights. */
function lounge(
  emulator: TelegramEmulator,
  options: Parameters<TelegramEmulator["group"]>[0] = {},
) {
  return emulator.group({ supergroup: true, title: "Lounge", botIsAdmin: true, ...options });
}

const now = () => Math.floor(Date.now() / 1000);

describe("createChatInviteLink", () => {
  it("makes a link as the server writes it: a long name cut, not refused; unset fields left out", async () => {
    const { emulator, api } = await startEmulator();
    const group = lounge(emulator);
    const expires = now() + 3600;

    const link = await api.createChatInviteLink(group.id, {
      name: `  ord_0123456789ab  period 2 and much more  `,
      expire_date: expires,
      member_limit: 1,
    });
    const bare = await api.createChatInviteLink(group.id);

    expect(link.invite_link).toMatch(/^https:\/\/t\.me\/\+[A-Za-z0-9_-]{16}$/);
    expect(link).toStrictEqual({
      invite_link: link.invite_link,
      // Cut to 32 first, then the double space made one, as TDLib's clean_name does.
      name: "ord_0123456789ab period 2 and m",
      creator: {
        id: emulator.bot.id,
        is_bot: true,
        first_name: emulator.bot.first_name,
        username: emulator.bot.username,
      },
      expire_date: expires,
      member_limit: 1,
      creates_join_request: false,
      is_primary: false,
      is_revoked: false,
    });
    expect(Object.keys(bare).sort()).toEqual(
      ["creates_join_request", "creator", "invite_link", "is_primary", "is_revoked"].sort(),
    );
    expect(bare.invite_link).not.toBe(link.invite_link);
  });

  it("refuses what the server and TDLib refuse, with their words", async () => {
    const { emulator, api } = await startEmulator();
    const group = lounge(emulator);
    const alice = emulator.user();
    const shy = lounge(emulator, { botRights: { can_invite_users: false } });
    const plain = emulator.group({ supergroup: true });

    const cases = [
      [api.createChatInviteLink(group.id, { member_limit: 100_000 }), 400, "USAGE_LIMIT_INVALID"],
      [api.createChatInviteLink(group.id, { expire_date: now() - 10 }), 400, "EXPIRE_DATE_INVALID"],
      [
        api.createChatInviteLink(group.id, { member_limit: 1, creates_join_request: true }),
        400,
        "member limit can't be specified for links requiring administrator approval",
      ],
      [api.createChatInviteLink(shy.id), 400, "not enough rights to manage chat invite link"],
      [api.createChatInviteLink(plain.id), 400, "not enough rights to manage chat invite link"],
      [api.createChatInviteLink(alice.id), 400, "can't invite members to a private chat"],
      [api.createChatInviteLink(-1_009_999_999_999), 400, "chat not found"],
    ] as const;
    for (const [call, code, reason] of cases) {
      const error = await failureOf(call);
      expect([error.error_code, error.description]).toEqual([
        code,
        `${code === 400 ? "Bad Request" : "Forbidden"}: ${reason}`,
      ]);
    }

    // A member limit above the range is clamped to 100000 first; below it, to 0: no limit.
    const unlimited = await api.createChatInviteLink(group.id, { member_limit: -5 });
    expect(unlimited.member_limit).toBeUndefined();
  });

  it("tells a bot that was removed or banned from the chat so, with 403", async () => {
    const { emulator, api } = await startEmulator();
    const left = lounge(emulator);
    const banned = lounge(emulator);
    const channel = emulator.channel();
    left.setBot({ status: "left" });
    banned.setBot({ status: "kicked" });
    channel.setBot({ status: "left" });

    const errors = await Promise.all([
      failureOf(api.createChatInviteLink(left.id)),
      failureOf(api.getChatMember(left.id, emulator.bot.id)),
      failureOf(api.unbanChatMember(banned.id, 1)),
      failureOf(api.createChatInviteLink(channel.id)),
    ]);

    expect(errors.map((e) => `${e.error_code} ${e.description}`)).toEqual([
      "403 Forbidden: bot is not a member of the supergroup chat",
      "403 Forbidden: bot is not a member of the supergroup chat",
      "403 Forbidden: bot was kicked from the supergroup chat",
      "403 Forbidden: bot is not a member of the channel chat",
    ]);
  });
});

describe("joining by invite link", () => {
  it("admits one person through a one-person link, and another once that one has left", async () => {
    const { emulator, api } = await startEmulator();
    const group = lounge(emulator);
    const alice = emulator.user({ firstName: "Alice" });
    const bob = emulator.user({ firstName: "Bob" });
    const { invite_link } = await api.createChatInviteLink(group.id, {
      member_limit: 1,
      expire_date: now() + 3600,
    });

    expect(alice.joinChat(invite_link)).toEqual({ ok: true, chatId: group.id });
    expect(alice.joinChat(invite_link)).toEqual({ ok: false, error: "USER_ALREADY_PARTICIPANT" });
    expect(bob.joinChat(invite_link)).toEqual({ ok: false, error: "INVITE_HASH_EXPIRED" });
    expect(group.members().map((u) => u.id)).toEqual([alice.id]);

    // member_limit counts members at once: a seat comes free when its holder leaves.
    group.leave(alice);
    expect(bob.joinChat(invite_link)).toEqual({ ok: true, chatId: group.id });
    expect(group.members().map((u) => u.id)).toEqual([bob.id]);
    expect(group.statusOf(alice)).toBe("left");
    // A member may write in the group; one who left may not.
    group.send(bob, "hello");
    expect(() => group.send(alice, "hello")).toThrow(/no member/);
  });

  it("admits nobody through a revoked, expired, unknown or broken link", async () => {
    const { emulator, api } = await startEmulator();
    const group = lounge(emulator);
    const alice = emulator.user();
    const revoked = await api.createChatInviteLink(group.id);
    const expiring = await api.createChatInviteLink(group.id, { expire_date: now() + 60 });

    const answer = await api.revokeChatInviteLink(group.id, revoked.invite_link);
    expect(answer).toStrictEqual({ ...revoked, is_revoked: true });
    expect(alice.joinChat(revoked.invite_link)).toEqual({
      ok: false,
      error: "INVITE_HASH_EXPIRED",
    });

    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 61_000 });
    expect(alice.joinChat(expiring.invite_link)).toEqual({
      ok: false,
      error: "INVITE_HASH_EXPIRED",
    });
    vi.useRealTimers();

    expect(alice.joinChat("https://t.me/+AAAAAAAAAAAAAAAA")).toEqual({
      ok: false,
      error: "INVITE_HASH_EXPIRED",
    });
    expect(alice.joinChat("https://t.me/+")).toEqual({ ok: false, error: "INVITE_HASH_INVALID" });
    expect(group.members()).toEqual([]);
  });

  it("shows the join in the supergroup, where the administrator bot gets it", async () => {
    const { emulator, api } = await startEmulator();
    const group = lounge(emulator);
    const alice = emulator.user({ firstName: "Alice" });
    const { invite_link } = await api.createChatInviteLink(group.id, { member_limit: 1 });

    alice.joinChat(invite_link);
    const [update] = await api.getUpdates({ timeout: 1 });

    expect(update?.message?.chat).toEqual({ id: group.id, type: "supergroup", title: "Lounge" });
    expect(update?.message?.from?.id).toBe(alice.id);
    expect(update?.message?.new_chat_members).toEqual([alice.user]);
    // The server still writes the old single-member fields beside the list.
    const legacy = update?.message as unknown as Record<string, unknown>;
    expect(legacy.new_chat_member).toEqual(alice.user);
    expect(legacy.new_chat_participant).toEqual(alice.user);
  });

  it("sends a join request instead of admitting through a link that needs approval", async () => {
    const { emulator, api } = await startEmulator();
    const group = lounge(emulator);
    const alice = emulator.user();
    const link = await api.createChatInviteLink(group.id, { creates_join_request: true });

    expect(alice.joinChat(link.invite_link)).toEqual({ ok: false, error: "INVITE_REQUEST_SENT" });
    // The default allowed_updates leave out only chat_member and reactions.
    const [update] = await api.getUpdates({ timeout: 1 });

    expect(update?.chat_join_request?.from.id).toBe(alice.id);
    expect(update?.chat_join_request?.invite_link).toMatchObject({
      invite_link: link.invite_link,
      creates_join_request: true,
      pending_join_request_count: 1,
    });
    expect(group.members()).toEqual([]);
  });
});

describe("getChatMember", () => {
  it("names each status with the fields the server writes for it", async () => {
    const { emulator, api } = await startEmulator();
    const owner = emulator.user({ firstName: "Olga" });
    const moderator = emulator.user({ firstName: "Mo" });
    const alice = emulator.user({ firstName: "Alice" });
    const bob = emulator.user({ firstName: "Bob" });
    const carol = emulator.user({ firstName: "Carol" });
    const group = lounge(emulator, {
      owner,
      admins: [moderator],
      members: [alice, carol],
    });
    await api.banChatMember(group.id, carol.id);

    const bot = await api.getChatMember(group.id, emulator.bot.id);
    expect(bot).toStrictEqual({
      user: {
        id: emulator.bot.id,
        is_bot: true,
        first_name: emulator.bot.first_name,
        username: emulator.bot.username,
      },
      status: "administrator",
      can_be_edited: false,
      can_manage_chat: true,
      can_change_info: true,
      can_delete_messages: true,
      can_invite_users: true,
      can_restrict_members: true,
      can_pin_messages: true,
      can_manage_topics: false,
      can_promote_members: false,
      can_manage_video_chats: true,
      can_post_stories: false,
      can_edit_stories: false,
      can_delete_stories: false,
      can_manage_tags: false,
      is_anonymous: false,
      can_manage_voice_chats: true,
    });
    expect(await api.getChatMember(group.id, owner.id)).toStrictEqual({
      user: owner.user,
      status: "creator",
      is_anonymous: false,
    });
    expect((await api.getChatMember(group.id, moderator.id)).status).toBe("administrator");
    expect(await api.getChatMember(group.id, alice.id)).toStrictEqual({
      user: alice.user,
      status: "member",
    });
    expect(await api.getChatMember(group.id, bob.id)).toStrictEqual({
      user: bob.user,
      status: "left",
    });
    expect(await api.getChatMember(group.id, carol.id)).toStrictEqual({
      user: carol.user,
      status: "kicked",
      until_date: 0,
    });

    const stranger = await failureOf(api.getChatMember(group.id, 123_456));
    const missing = await failureOf(api.getChatMember(group.id, 0));
    expect(stranger.description).toBe("Bad Request: member not found");
    expect(missing.description).toBe("Bad Request: invalid user_id specified");
  });

  it("writes a channel administrator's rights as a channel has them", async () => {
    const { emulator, api } = await startEmulator();
    const channel = emulator.channel({
      title: "Notes",
      botRights: { can_restrict_members: false },
    });

    const bot = await api.getChatMember(channel.id, emulator.bot.id);

    expect(bot).toMatchObject({
      status: "administrator",
      can_post_messages: true,
      can_edit_messages: true,
      can_manage_direct_messages: false,
      can_restrict_members: false,
    });
    expect(Object.keys(bot)).not.toContain("can_pin_messages");
    expect(Object.keys(bot)).not.toContain("can_manage_tags");
  });
});

describe("unbanChatMember and banChatMember", () => {
  it("removes a member without only_if_banned, who may join again by a new link", async () => {
    const { emulator, api } = await startEmulator();
    const group = lounge(emulator);
    const alice = emulator.user({ firstName: "Alice" });
    const first = await api.createChatInviteLink(group.id, { member_limit: 1 });
    alice.joinChat(first.invite_link);
    const joined = await api.getUpdates({ timeout: 1 });

    expect(await api.unbanChatMember(group.id, alice.id, { only_if_banned: true })).toBe(true);
    expect(group.statusOf(alice)).toBe("member");
    expect(await api.unbanChatMember(group.id, alice.id)).toBe(true);

    expect(group.statusOf(alice)).toBe("left");
    expect(group.members()).toEqual([]);
    // The bot's own removal reaches it as a service message, as the server sends it.
    const offset = (joined.at(-1)?.update_id ?? 0) + 1;
    const [removed] = await api.getUpdates({ offset, timeout: 1 });
    expect(removed?.message?.from?.id).toBe(emulator.bot.id);
    expect(removed?.message?.left_chat_member).toEqual(alice.user);
    // Not banned: a fresh link lets her in again, and so would the old one until revoked.
    await api.revokeChatInviteLink(group.id, first.invite_link);
    expect(alice.joinChat(first.invite_link)).toEqual({ ok: false, error: "INVITE_HASH_EXPIRED" });
    const second = await api.createChatInviteLink(group.id, { member_limit: 1 });
    expect(alice.joinChat(second.invite_link)).toEqual({ ok: true, chatId: group.id });
  });

  it("bans for good or for a while, keeps the banned out, and lifts a ban", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const bob = emulator.user();
    const group = lounge(emulator, { members: [alice, bob] });
    const link = await api.createChatInviteLink(group.id);

    expect(await api.banChatMember(group.id, alice.id)).toBe(true);
    expect(await api.banChatMember(group.id, bob.id, { until_date: now() + 3600 })).toBe(true);
    expect(alice.joinChat(link.invite_link)).toEqual({ ok: false, error: "CHANNEL_PRIVATE" });
    expect(await api.getChatMember(group.id, bob.id)).toMatchObject({
      status: "kicked",
      until_date: now() + 3600,
    });
    // A ban of under 30 seconds is a ban for ever.
    await api.unbanChatMember(group.id, bob.id, { only_if_banned: true });
    await api.banChatMember(group.id, bob.id, { until_date: now() + 5 });
    expect(await api.getChatMember(group.id, bob.id)).toMatchObject({ until_date: 0 });

    expect(await api.unbanChatMember(group.id, alice.id, { only_if_banned: true })).toBe(true);
    expect(group.statusOf(alice)).toBe("left");
    expect(alice.joinChat(link.invite_link)).toEqual({ ok: true, chatId: group.id });
  });

  it("refuses what the server refuses, and does nothing for someone already out", async () => {
    const { emulator, api } = await startEmulator();
    const owner = emulator.user();
    const moderator = emulator.user();
    const alice = emulator.user();
    const bob = emulator.user();
    const group = lounge(emulator, { owner, admins: [moderator], members: [alice] });
    const weak = lounge(emulator, { members: [alice], botRights: { can_restrict_members: false } });
    const basic = emulator.group({ members: [alice], botIsAdmin: true });

    const cases = [
      [api.unbanChatMember(group.id, owner.id), "can't remove chat owner"],
      [api.unbanChatMember(group.id, moderator.id), "user is an administrator of the chat"],
      [
        api.unbanChatMember(weak.id, alice.id),
        "not enough rights to restrict/unrestrict chat member",
      ],
      [
        api.banChatMember(weak.id, alice.id),
        "not enough rights to restrict/unrestrict chat member",
      ],
      [
        api.unbanChatMember(basic.id, alice.id),
        "method is available for supergroup and channel chats only",
      ],
      [
        api.unbanChatMember(alice.id, alice.id),
        "method is available for supergroup and channel chats only",
      ],
      [api.banChatMember(alice.id, alice.id), "can't ban members in private chats"],
      [api.banChatMember(group.id, emulator.bot.id), "can't restrict self"],
    ] as const;
    for (const [call, reason] of cases) {
      const error = await failureOf(call);
      expect([error.error_code, error.description]).toEqual([400, `Bad Request: ${reason}`]);
    }
    expect(weak.statusOf(alice)).toBe("member");

    // Someone who is not in the chat stands there already: nothing to do, rights or not.
    expect(await api.unbanChatMember(weak.id, bob.id)).toBe(true);
  });

  it("removes a channel subscriber, with no service message in a channel", async () => {
    const { emulator, api } = await startEmulator();
    const channel = emulator.channel({ title: "Notes" });
    const alice = emulator.user();
    const { invite_link } = await api.createChatInviteLink(channel.id, { member_limit: 1 });

    expect(alice.joinChat(invite_link)).toEqual({ ok: true, chatId: channel.id });
    expect((await api.getChatMember(channel.id, alice.id)).status).toBe("member");
    expect(await api.unbanChatMember(channel.id, alice.id)).toBe(true);

    expect(channel.statusOf(alice)).toBe("left");
    expect(await api.getUpdates({ timeout: 0 })).toEqual([]);
  });
});
