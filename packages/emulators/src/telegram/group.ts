import type { Message, Update, User } from "grammy/types";
import { ChatView } from "./chat-view.js";
import type { AdminRights, BotStanding, Standing } from "./invites.js";
import { addPersonMessage, type PersonContent, type SendOptions } from "./people.js";
import type { ChatMessage, EmulatorState, GroupChat } from "./state.js";
import type { EmulatedUser } from "./user.js";

export interface EmulatedGroupOptions {
  /** The chat id, e.g. one a shop is configured with; a fresh one of the right form by default. */
  id?: number;
  title?: string;
  /** A supergroup (id -100…), as every group becomes once it grows or gets settings. */
  supergroup?: boolean;
  members?: readonly EmulatedUser[];
  /** An administrator bot receives every message; otherwise privacy mode applies. */
  botIsAdmin?: boolean;
  /** The bot is an administrator with these rights (the usual ones otherwise). */
  botRights?: Partial<AdminRights>;
  /** Who created the group: a member with the status "creator". */
  owner?: EmulatedUser;
  /** Members a person made administrators, with the usual rights. */
  admins?: readonly EmulatedUser[];
}

let nextGroup = 1;

/**
 * A group the bot was added to: its members write in it and press buttons on the bot's messages
 * there (with `EmulatedUser.pressData`), and the bot gets the updates Telegram would send it.
 */
export class EmulatedGroup extends ChatView {
  readonly chat: GroupChat;

  constructor(state: EmulatorState, options: EmulatedGroupOptions = {}) {
    const n = nextGroup++;
    const title = options.title ?? `Group ${n}`;
    // Telegram's forms: a basic group is a negative number, a supergroup -100 and ten digits.
    const id = options.id ?? (options.supergroup ? -(1_002_000_000_000 + n) : -(4_000_000_000 + n));
    if (!Number.isSafeInteger(id) || id >= 0) throw new Error("a group's chat id is negative");
    const chat: GroupChat = options.supergroup
      ? { id, type: "supergroup", title }
      : { id, type: "group", title };
    super(state, chat.id);
    this.chat = chat;
    const botIsAdmin = options.botIsAdmin ?? options.botRights !== undefined;
    const people = [...(options.members ?? []), ...(options.admins ?? [])];
    if (options.owner) people.push(options.owner);
    state.addGroup(
      chat,
      people.map((member) => member.user),
      botIsAdmin,
    );
    state.access.addChat(chat, {
      members: (options.members ?? []).map((member) => member.user),
      owner: options.owner?.user,
      admins: options.admins?.map((admin) => admin.user),
      bot: botIsAdmin
        ? { status: "administrator", rights: options.botRights }
        : { status: "member" },
    });
  }

  get id(): number {
    return this.chat.id;
  }

  /**
   * A member writes in the group; the bot gets it only as its privacy mode allows (a command
   * meant for it, e.g. `/admin@bot`, or a reply to one of its messages). Returns the message as
   * the members see it.
   */
  send(from: EmulatedUser, text: string, options: SendOptions = {}): ChatMessage {
    return this.write(from, { kind: "text", text }, options);
  }

  /** A member sends a photo, with a caption if given. */
  sendPhoto(
    from: EmulatedUser,
    photo: { bytes: Buffer; caption?: string },
    options: SendOptions = {},
  ): ChatMessage {
    return this.write(from, { kind: "photo", ...photo }, options);
  }

  /** A member sends a file as a document. */
  sendDocument(
    from: EmulatedUser,
    document: { bytes: Buffer; filename: string; caption?: string },
    options: SendOptions = {},
  ): ChatMessage {
    return this.write(from, { kind: "document", ...document }, options);
  }

  /** Who is in the group now, the bot aside: members, administrators and the owner. */
  members(): User[] {
    return this.state.access.members(this.id);
  }

  /** Where someone stands in the group: "member", "left", "kicked", "administrator", "creator". */
  statusOf(user: EmulatedUser): Standing["status"] {
    return this.state.access.standingOf(this.id, user.id).status;
  }

  /** A person promotes, demotes, removes or bans the bot. */
  setBot(standing: BotStanding): void {
    this.state.access.setBot(this.id, standing);
  }

  /** A member leaves the group. */
  leave(user: EmulatedUser): void {
    this.state.access.leave(this.id, user.user);
  }

  private write(from: EmulatedUser, content: PersonContent, options: SendOptions): ChatMessage {
    const stored = addPersonMessage(this.state, this.id, content, {
      ...options,
      sender: from.user,
    });
    if (this.state.botReceives(this.id, stored.message)) {
      this.state.queue.push({ message: stored.message as Message & Update.NonChannel });
    }
    return stored;
  }
}
