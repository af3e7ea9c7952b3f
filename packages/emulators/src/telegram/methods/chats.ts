import type { User } from "grammy/types";
import { badRequest, forbidden } from "../errors.js";
import {
  type AccessChat,
  type AdminRights,
  type InviteLink,
  isMember,
  type Standing,
} from "../invites.js";
import { chatIdParam, clampedInt, optionalString, tdBool, tdInteger } from "../params.js";
import type { Params } from "../request.js";
import type { EmulatorState } from "../state.js";
import type { Handler } from "./context.js";

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
/** Telegram keeps at most 32 characters of a link's name (TDLib's MAX_INVITE_LINK_TITLE_LENGTH). */
const LINK_NAME_MAX = 32;
/** member_limit is read as 0…100000 and the server takes 1…99999 (0: no limit). */
const MEMBER_LIMIT_MAX = 99_999;

/**
 * Invite links and members of the groups, supergroups and channels the bot is in, answered as
 * the Bot API server (telegram-bot-api's Client.cpp over TDLib) answers them: its parameter
 * reading, its checks of the chat and of the bot's rights, and its error texts.
 */
export function chatMethods(): Record<string, Handler> {
  return {
    createChatInviteLink(params, { state }) {
      const target = chatFor(state, params, "write");
      const name = optionalString(params, "name") ?? "";
      const expireDate = clampedInt(params, "expire_date", 0, 0, INT32_MAX);
      const memberLimit = clampedInt(params, "member_limit", 0, 0, 100_000);
      const createsJoinRequest = tdBool(params, "creates_join_request");
      if (createsJoinRequest && memberLimit > 0) {
        throw badRequest(
          "member limit can't be specified for links requiring administrator approval",
        );
      }
      const chat = mayManageLinks(target);
      // What TDLib passes on, the server judges.
      if (memberLimit > MEMBER_LIMIT_MAX) throw badRequest("USAGE_LIMIT_INVALID");
      if (expireDate !== 0 && expireDate <= state.access.now())
        throw badRequest("EXPIRE_DATE_INVALID");
      const link = state.access.createLink(chat.chat.id, {
        name: cleanName(name, LINK_NAME_MAX),
        expireDate,
        memberLimit,
        createsJoinRequest,
      });
      return state.access.linkObject(link);
    },

    revokeChatInviteLink(params, { state }) {
      const chat = mayManageLinks(chatFor(state, params, "write"));
      const url = optionalString(params, "invite_link") ?? "";
      if (url === "") throw badRequest("invite link must be non-empty");
      const link: InviteLink | undefined = state.access.linkOf(chat.chat.id, url);
      if (link === undefined) throw badRequest("INVITE_HASH_EXPIRED");
      link.revoked = true;
      return state.access.linkObject(link);
    },

    getChatMember(params, { state }) {
      const userId = userIdParam(params);
      const self = userId === state.bot.id;
      const target = chatFor(state, params, self ? "read" : "members");
      if (target.type === "private") {
        if (self) return { user: state.botAsSender(), status: "member" };
        if (userId === target.user.id) return { user: target.user, status: "member" };
        throw badRequest("member not found");
      }
      const user = participant(state, target.chat, userId);
      return memberObject(user, state.access.standingOf(target.chat.chat.id, userId), target.type);
    },

    banChatMember(params, { state }) {
      const userId = userIdParam(params);
      const untilDate = clampedInt(params, "until_date", 0, INT32_MIN, INT32_MAX);
      const target = chatFor(state, params, "write");
      if (target.type === "private") throw badRequest("can't ban members in private chats");
      if (target.type === "group") return removeFromBasicGroup(state, target.chat, userId);
      // TDLib keeps a negative or endless until_date as 0; the server makes a ban shorter than
      // 30 s or longer than 366 days endless too.
      const until = untilDate < 0 || untilDate === INT32_MAX ? 0 : untilDate;
      return setStanding(state, target.chat, userId, {
        status: "kicked",
        untilDate: until === 0 ? 0 : state.access.banUntil(until),
      });
    },

    unbanChatMember(params, { state }) {
      const userId = userIdParam(params);
      const target = chatFor(state, params, "write");
      if (target.type === "private" || target.type === "group") {
        throw badRequest("method is available for supergroup and channel chats only");
      }
      if (tdBool(params, "only_if_banned")) {
        participant(state, target.chat, userId);
        if (state.access.standingOf(target.chat.chat.id, userId).status !== "kicked") return true;
      }
      // Without only_if_banned a member is removed too (banned for a moment, then let go), and
      // may join again: "left" is where the user ends up, whatever they were.
      return setStanding(state, target.chat, userId, { status: "left" });
    },
  };
}

type Target =
  | { type: "private"; user: User }
  | { type: "group" | "supergroup" | "channel"; chat: AccessChat };

/**
 * The chat a call names, checked as the server's check_chat does for what the call needs: a
 * supergroup or channel the bot was banned from, or is not in (for a private one, whatever the
 * call), is refused with 403; so is a basic group it left, for calls that write or list members.
 */
function chatFor(state: EmulatorState, params: Params, need: "read" | "members" | "write"): Target {
  const id = chatIdParam(params);
  const chat = state.access.find(id);
  if (chat === undefined) {
    if (typeof id === "number" && id > 0) {
      try {
        return { type: "private", user: state.userOf(id) };
      } catch {
        // Not someone with a chat with the bot: unknown, like any other id.
      }
    }
    throw badRequest("chat not found");
  }
  const { type } = chat.chat;
  const bot = chat.bot.status;
  if (type === "group") {
    const write = need !== "read";
    if (bot === "kicked" && write) throw forbidden("bot was kicked from the group chat");
    if (bot === "left" && write) throw forbidden("bot is not a member of the group chat");
    return { type, chat };
  }
  const kind = type === "channel" ? "channel" : "supergroup";
  if (bot === "kicked") throw forbidden(`bot was kicked from the ${kind} chat`);
  const isPublic = "username" in chat.chat && chat.chat.username !== undefined;
  if (bot === "left" && (need === "write" || !isPublic)) {
    throw forbidden(`bot is not a member of the ${kind} chat`);
  }
  return { type, chat };
}

/** TDLib's can_manage_dialog_invite_links: an administrator explicitly given can_invite_users. */
function mayManageLinks(target: Target): AccessChat {
  if (target.type === "private") throw badRequest("can't invite members to a private chat");
  const bot = target.chat.bot;
  const allowed =
    bot.status === "creator" || (bot.status === "administrator" && bot.rights.can_invite_users);
  if (!allowed) throw badRequest("not enough rights to manage chat invite link");
  return target.chat;
}

/**
 * The user a member call is about, as TDLib's get_channel_participant finds them: someone the
 * bot has never met is "member not found", and a channel lists its members only to its
 * administrators.
 */
function participant(state: EmulatorState, chat: AccessChat, userId: number): User {
  const user = state.access.knownUser(userId);
  if (user === undefined) throw badRequest("member not found");
  if (chat.chat.type === "channel" && chat.bot.status !== "administrator") {
    throw badRequest("member list is inaccessible");
  }
  return user;
}

/**
 * TDLib's set_channel_participant_status for a ban or a removal: nothing to do when the user
 * stands there already; never the owner nor, by the server's word, an administrator; the bot
 * needs can_restrict_members; the bot "removing" itself leaves the chat.
 */
function setStanding(
  state: EmulatorState,
  chat: AccessChat,
  userId: number,
  next: Extract<Standing, { status: "left" | "kicked" }>,
): true {
  const chatId = chat.chat.id;
  const self = userId === state.bot.id;
  const user = self ? state.botAsSender() : participant(state, chat, userId);
  const old = self ? chat.bot : state.access.standingOf(chatId, userId);
  if (sameStanding(old, next)) return true;
  if (old.status === "creator") throw badRequest("can't remove chat owner");
  if (!isMember(chat.bot)) {
    if (self) return true;
    throw badRequest("not in the chat");
  }
  if (self) {
    if (next.status === "kicked") throw badRequest("can't restrict self");
    state.access.setBot(chatId, { status: "left" });
    return true;
  }
  const bot = chat.bot;
  const allowed =
    bot.status === "creator" || (bot.status === "administrator" && bot.rights.can_restrict_members);
  if (!allowed) throw badRequest("not enough rights to restrict/unrestrict chat member");
  // USER_ADMIN_INVALID: an administrator the bot did not promote is not the bot's to restrict.
  if (old.status === "administrator") throw badRequest("user is an administrator of the chat");
  state.access.setStanding(chatId, user, next);
  if (isMember(old)) state.access.announce(chatId, user, "removed by the bot");
  return true;
}

/**
 * banChatMember in a basic group: the user is removed (a basic group keeps no list of banned
 * users), which the server allows only to an administrator.
 */
function removeFromBasicGroup(state: EmulatorState, chat: AccessChat, userId: number): true {
  const user = state.access.knownUser(userId);
  if (user === undefined) throw badRequest("user not found");
  if (!isMember(chat.bot)) throw badRequest("not in the chat");
  if (chat.bot.status !== "administrator" && chat.bot.status !== "creator") {
    throw badRequest("CHAT_ADMIN_REQUIRED");
  }
  const old = state.access.standingOf(chat.chat.id, userId);
  if (!isMember(old)) throw badRequest("USER_NOT_PARTICIPANT");
  if (old.status === "creator") throw badRequest("CHAT_ADMIN_REQUIRED");
  state.access.setStanding(chat.chat.id, user, { status: "left" });
  state.access.announce(chat.chat.id, user, "removed by the bot");
  return true;
}

function sameStanding(a: Standing, b: Standing): boolean {
  if (a.status !== b.status) return false;
  return a.status !== "kicked" || a.untilDate === (b as { untilDate: number }).untilDate;
}

/** The Bot API's ChatMember as the server's JsonChatMember writes it for the chat's type. */
function memberObject(
  user: User,
  standing: Standing,
  type: "group" | "supergroup" | "channel",
): Record<string, unknown> {
  switch (standing.status) {
    case "creator":
      return { user, status: "creator", is_anonymous: false };
    case "administrator":
      return {
        user,
        status: "administrator",
        // Whether the bot may edit this administrator's rights: only those it promoted.
        can_be_edited: false,
        ...rightsObject(standing.rights, type),
        can_manage_voice_chats: standing.rights.can_manage_video_chats,
      };
    case "kicked":
      return { user, status: "kicked", until_date: standing.untilDate };
    default:
      return { user, status: standing.status };
  }
}

/** json_store_administrator_rights: the rights that apply to the chat's type, in its order. */
function rightsObject(rights: AdminRights, type: "group" | "supergroup" | "channel") {
  const channel = type === "channel";
  return {
    can_manage_chat: rights.can_manage_chat,
    can_change_info: rights.can_change_info,
    ...(channel
      ? { can_post_messages: rights.can_post_messages, can_edit_messages: rights.can_edit_messages }
      : {}),
    can_delete_messages: rights.can_delete_messages,
    can_invite_users: rights.can_invite_users,
    can_restrict_members: rights.can_restrict_members,
    ...(channel ? {} : { can_pin_messages: rights.can_pin_messages }),
    ...(type === "supergroup" ? { can_manage_topics: rights.can_manage_topics } : {}),
    can_promote_members: rights.can_promote_members,
    can_manage_video_chats: rights.can_manage_video_chats,
    can_post_stories: rights.can_post_stories,
    can_edit_stories: rights.can_edit_stories,
    can_delete_stories: rights.can_delete_stories,
    ...(channel ? { can_manage_direct_messages: rights.can_manage_direct_messages } : {}),
    ...(channel ? {} : { can_manage_tags: rights.can_manage_tags }),
    is_anonymous: rights.is_anonymous,
  };
}

/** get_user_id: the leading number of user_id; none, or not above 0, is refused. */
function userIdParam(params: Params): number {
  const id = tdInteger(params, "user_id", 64) ?? 0n;
  if (id <= 0n) throw badRequest("invalid user_id specified");
  return Number(id);
}

/** Characters TDLib reads as a space in a name (strip_empty_characters). */
const ODD_SPACES = /[\u1680\u180E\u2000-\u200A\u202F\u205F\u2800\u3000\uFFFC\u{E0000}-\u{E007F}]/gu;

/**
 * TDLib's clean_name: odd spaces become spaces, the name is cut to `max` characters, and runs of
 * spaces and line breaks become one space. A long name is shortened, never refused.
 */
function cleanName(name: string, max: number): string {
  const spaced = name.replace(ODD_SPACES, " ").trim();
  const cut = [...spaced].slice(0, max).join("").trim();
  return cut.replace(/[ \n\u00A0]+/g, " ").trim();
}
