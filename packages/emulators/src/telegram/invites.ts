import { randomBytes } from "node:crypto";
import type { Chat, Message, Update, User } from "grammy/types";
import type { EmulatorState } from "./state.js";

/** A chat people join by invite link: a group or supergroup the bot is in, or a channel. */
export type AccessChatInfo = Chat.GroupChat | Chat.SupergroupChat | Chat.ChannelChat;

/** What an administrator may do, by the names the Bot API gives the rights. */
export interface AdminRights {
  can_manage_chat: boolean;
  can_change_info: boolean;
  /** Channels only. */
  can_post_messages: boolean;
  can_edit_messages: boolean;
  can_delete_messages: boolean;
  can_invite_users: boolean;
  can_restrict_members: boolean;
  /** Groups and supergroups only. */
  can_pin_messages: boolean;
  can_manage_topics: boolean;
  can_promote_members: boolean;
  can_manage_video_chats: boolean;
  can_post_stories: boolean;
  can_edit_stories: boolean;
  can_delete_stories: boolean;
  can_manage_direct_messages: boolean;
  can_manage_tags: boolean;
  is_anonymous: boolean;
}

/** The rights a bot gets when a person adds it as an administrator and changes nothing. */
export const DEFAULT_BOT_RIGHTS: AdminRights = {
  can_manage_chat: true,
  can_change_info: true,
  can_post_messages: true,
  can_edit_messages: true,
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
  can_manage_direct_messages: false,
  can_manage_tags: false,
  is_anonymous: false,
};

/** Someone's place in a chat, as getChatMember names it ("kicked" is a ban). */
export type Standing =
  | { status: "creator" }
  | { status: "administrator"; rights: AdminRights }
  | { status: "member" }
  | { status: "left" }
  | { status: "kicked"; untilDate: number };

/** The bot's own place: an administrator with some rights, a plain member, gone or banned. */
export type BotStanding =
  | { status: "administrator"; rights?: Partial<AdminRights> }
  | { status: "member" | "left" | "kicked" };

interface Person {
  user: User;
  standing: Standing;
  /** The invite link they joined through, while they stay: it counts against its member_limit. */
  via?: string;
}

/** An invite link the bot made, as Telegram keeps it. */
export interface InviteLink {
  hash: string;
  chatId: number;
  creator: User;
  /** Shown to administrators only; "" for none. */
  name: string;
  /** Unix time it stops admitting anyone; 0 for never. */
  expireDate: number;
  /** How many who joined through it may be members at once; 0 for no limit. */
  memberLimit: number;
  createsJoinRequest: boolean;
  revoked: boolean;
  /** People waiting for an administrator to approve their request through it. */
  requests: Set<number>;
}

/**
 * What opening an invite link does for a person: they are in the chat, or the app shows the
 * error Telegram's importChatInvite answered.
 */
export type JoinResult =
  | { ok: true; chatId: number }
  | {
      ok: false;
      error:
        | "INVITE_HASH_INVALID"
        | "INVITE_HASH_EXPIRED"
        | "USER_ALREADY_PARTICIPANT"
        | "CHANNEL_PRIVATE"
        | "INVITE_REQUEST_SENT";
    };

/** A group or channel as the emulator keeps it: the bot's standing and everyone else's. */
export interface AccessChat {
  chat: AccessChatInfo;
  bot: Standing;
  people: Map<number, Person>;
}

/** A ban shorter than 30 s or longer than 366 days is for ever (until_date 0), as Telegram has it. */
const BAN_MIN_S = 30;
const BAN_MAX_S = 366 * 86_400;

const LINK = /^(?:https?:\/\/)?(?:t\.me|telegram\.me)\/(?:\+|joinchat\/)([^/?#]*)$/;

/**
 * Who is in which group, supergroup and channel, with what rights, and the invite links that
 * admit people: the state behind createChatInviteLink, revokeChatInviteLink, getChatMember,
 * banChatMember and unbanChatMember, and behind a person opening an invite link.
 */
export class ChatAccess {
  private readonly chats = new Map<number, AccessChat>();
  private readonly links = new Map<string, InviteLink>();

  constructor(
    private readonly state: EmulatorState,
    /** Unix time now. */
    readonly now: () => number,
  ) {}

  /** Registers a chat with its members; the owner and administrators are members too. */
  addChat(
    chat: AccessChatInfo,
    options: {
      members?: readonly User[];
      owner?: User;
      admins?: readonly User[];
      bot: BotStanding;
    },
  ): void {
    if (this.chats.has(chat.id)) throw new Error(`chat ${chat.id} exists already`);
    const people = new Map<number, Person>();
    for (const user of options.members ?? []) people.set(user.id, { user, standing: member() });
    for (const user of options.admins ?? []) {
      people.set(user.id, { user, standing: { status: "administrator", rights: adminRights() } });
    }
    if (options.owner) people.set(options.owner.id, { user: options.owner, standing: owner() });
    this.chats.set(chat.id, { chat, bot: botStanding(options.bot), people });
  }

  /** The chat by id, or by @username for a public one; undefined when there is none. */
  find(chatId: number | string): AccessChat | undefined {
    if (typeof chatId === "number") return this.chats.get(chatId);
    return [...this.chats.values()].find(
      (c) => "username" in c.chat && `@${c.chat.username}` === chatId,
    );
  }

  /** The chat, for a test that set it up. */
  chat(chatId: number): AccessChat {
    const chat = this.chats.get(chatId);
    if (chat === undefined) throw new Error(`no group or channel ${chatId}`);
    return chat;
  }

  /** Where the bot stands in the chat. */
  botStanding(chatId: number): Standing {
    return this.chat(chatId).bot;
  }

  /** The bot is promoted, demoted, removed or banned by a person; an administrator gets every message. */
  setBot(chatId: number, standing: BotStanding): void {
    const chat = this.chat(chatId);
    chat.bot = botStanding(standing);
    if (chat.chat.type !== "channel") {
      this.state.setBotIsAdmin(chatId, chat.bot.status === "administrator");
    }
  }

  /** Someone's standing now: a ban that ran out reads as gone, as Telegram lifts it. */
  standingOf(chatId: number, userId: number): Standing {
    if (userId === this.state.bot.id) return this.chat(chatId).bot;
    const standing = this.chat(chatId).people.get(userId)?.standing ?? { status: "left" };
    if (standing.status === "kicked" && standing.untilDate !== 0) {
      if (this.now() >= standing.untilDate) return { status: "left" };
    }
    return standing;
  }

  /** The people in the chat now (the bot aside): members, administrators and the owner. */
  members(chatId: number): User[] {
    return [...this.chat(chatId).people.values()]
      .filter((person) => isMember(this.standingOf(chatId, person.user.id)))
      .map((person) => person.user);
  }

  /** A user this emulator knows: someone with a chat with the bot, or in any group or channel. */
  knownUser(userId: number): User | undefined {
    if (userId === this.state.bot.id) return this.state.botAsSender();
    for (const chat of this.chats.values()) {
      const person = chat.people.get(userId);
      if (person) return person.user;
    }
    try {
      return this.state.userOf(userId);
    } catch {
      return undefined;
    }
  }

  /** Puts someone in a new place: joined, removed, banned or unbanned. */
  setStanding(chatId: number, user: User, standing: Standing): void {
    const chat = this.chat(chatId);
    const before = chat.people.get(user.id);
    const staying = isMember(standing) && before !== undefined && isMember(before.standing);
    chat.people.set(user.id, { user, standing, ...(staying ? { via: before?.via } : {}) });
    if (chat.chat.type !== "channel") this.state.setMember(chatId, user, isMember(standing));
  }

  /** A ban's until_date as Telegram keeps it: 0, for ever, when too short or too long. */
  banUntil(untilDate: number): number {
    const now = this.now();
    return untilDate < now + BAN_MIN_S || untilDate > now + BAN_MAX_S ? 0 : untilDate;
  }

  /** Makes an invite link to `chatId` by the bot. */
  createLink(
    chatId: number,
    options: { name: string; expireDate: number; memberLimit: number; createsJoinRequest: boolean },
  ): InviteLink {
    let hash: string;
    do hash = randomBytes(12).toString("base64url");
    while (this.links.has(hash));
    const link: InviteLink = {
      hash,
      chatId,
      creator: this.state.botAsSender(),
      ...options,
      revoked: false,
      requests: new Set(),
    };
    this.links.set(hash, link);
    return link;
  }

  /** The chat's invite link given as `url`, in any of its forms; undefined when there is none. */
  linkOf(chatId: number, url: string): InviteLink | undefined {
    const link = this.linkFor(url);
    return link?.chatId === chatId ? link : undefined;
  }

  /** The Bot API's ChatInviteLink for `link`, as the server writes it. */
  linkObject(link: InviteLink): Record<string, unknown> {
    const requests = link.requests.size;
    return {
      invite_link: `https://t.me/+${link.hash}`,
      ...(link.name === "" ? {} : { name: link.name }),
      creator: link.creator,
      ...(link.expireDate === 0 ? {} : { expire_date: link.expireDate }),
      ...(link.memberLimit === 0 ? {} : { member_limit: link.memberLimit }),
      ...(requests === 0 ? {} : { pending_join_request_count: requests }),
      creates_join_request: link.createsJoinRequest,
      is_primary: false,
      is_revoked: link.revoked,
    };
  }

  /**
   * `user` opens an invite link and asks to join, as Telegram's importChatInvite has it: a link
   * that was revoked, ran out of time or is full admits nobody, and neither does any link a
   * banned person opens. A link that needs approval sends the bot a join request instead.
   */
  join(user: User, url: string): JoinResult {
    const hash = LINK.exec(url.trim())?.[1];
    if (hash === undefined || hash === "" || !/^[A-Za-z0-9_-]+$/.test(hash)) {
      return { ok: false, error: "INVITE_HASH_INVALID" };
    }
    const link = this.links.get(hash);
    // A hash nobody made reads as one that expired: Telegram does not tell the two apart.
    if (link === undefined) return { ok: false, error: "INVITE_HASH_EXPIRED" };
    const chat = this.chat(link.chatId);
    const standing = this.standingOf(link.chatId, user.id);
    if (isMember(standing)) return { ok: false, error: "USER_ALREADY_PARTICIPANT" };
    if (link.revoked || (link.expireDate !== 0 && this.now() >= link.expireDate)) {
      return { ok: false, error: "INVITE_HASH_EXPIRED" };
    }
    if (standing.status === "kicked") return { ok: false, error: "CHANNEL_PRIVATE" };
    if (link.memberLimit !== 0 && this.joinedThrough(link) >= link.memberLimit) {
      return { ok: false, error: "INVITE_HASH_EXPIRED" };
    }
    if (link.createsJoinRequest) {
      if (!link.requests.has(user.id)) {
        link.requests.add(user.id);
        this.state.queue.push({
          chat_join_request: {
            chat: chat.chat as Chat.SupergroupChat | Chat.ChannelChat,
            from: user,
            user_chat_id: user.id,
            date: this.now(),
            invite_link: this.linkObject(link) as never,
          },
        });
      }
      return { ok: false, error: "INVITE_REQUEST_SENT" };
    }
    this.setStanding(link.chatId, user, member());
    const person = chat.people.get(user.id);
    if (person) person.via = hash;
    this.announce(link.chatId, user, "joined");
    return { ok: true, chatId: link.chatId };
  }

  /** `user` leaves the chat of their own accord. */
  leave(chatId: number, user: User): void {
    if (!isMember(this.standingOf(chatId, user.id)))
      throw new Error(`${user.id} is not in ${chatId}`);
    this.setStanding(chatId, user, { status: "left" });
  }

  /**
   * The service message a group or supergroup shows when someone joins by link, or when the bot
   * removes them; an administrator bot gets both, its own removal included. A channel shows none.
   */
  announce(chatId: number, user: User, what: "joined" | "removed by the bot"): void {
    const chat = this.chat(chatId);
    if (
      chat.chat.type === "channel" ||
      chat.bot.status === "left" ||
      chat.bot.status === "kicked"
    ) {
      return;
    }
    const joined = what === "joined";
    const stored = this.state.addMessage(
      chatId,
      !joined,
      (base) => ({
        edits: 0,
        deleted: false,
        message: {
          ...base,
          ...(joined
            ? { new_chat_participant: user, new_chat_member: user, new_chat_members: [user] }
            : { left_chat_participant: user, left_chat_member: user }),
        } as Message,
      }),
      joined ? user : undefined,
    );
    if (!joined || this.state.botReceives(chatId, stored.message)) {
      this.state.queue.push({ message: stored.message as Message & Update.NonChannel });
    }
  }

  private linkFor(url: string): InviteLink | undefined {
    const hash = LINK.exec(url.trim())?.[1];
    return hash === undefined ? undefined : this.links.get(hash);
  }

  /** How many who joined through `link` are members still. */
  private joinedThrough(link: InviteLink): number {
    let count = 0;
    for (const person of this.chat(link.chatId).people.values()) {
      if (person.via === link.hash && isMember(this.standingOf(link.chatId, person.user.id))) {
        count++;
      }
    }
    return count;
  }
}

/** Whether someone with this standing is in the chat. */
export function isMember(standing: Standing): boolean {
  return (
    standing.status === "member" ||
    standing.status === "administrator" ||
    standing.status === "creator"
  );
}

function member(): Standing {
  return { status: "member" };
}

function owner(): Standing {
  return { status: "creator" };
}

/** An administrator a person promoted with the usual rights. */
function adminRights(rights: Partial<AdminRights> = {}): AdminRights {
  return { ...DEFAULT_BOT_RIGHTS, ...rights };
}

function botStanding(standing: BotStanding): Standing {
  return standing.status === "administrator"
    ? { status: "administrator", rights: adminRights(standing.rights) }
    : standing.status === "kicked"
      ? { status: "kicked", untilDate: 0 }
      : { status: standing.status };
}
