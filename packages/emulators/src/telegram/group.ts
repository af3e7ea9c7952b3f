import type { Message, Update } from "grammy/types";
import { ChatView } from "./chat-view.js";
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
    state.addGroup(
      chat,
      (options.members ?? []).map((member) => member.user),
      options.botIsAdmin ?? false,
    );
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
