import type { Message, Update } from "grammy/types";
import { ChatView } from "./chat-view.js";
import type { ChatMessage, EmulatorState, GroupChat } from "./state.js";
import { type EmulatedUser, textContent } from "./user.js";

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
   * meant for it, e.g. `/admin@bot`). Returns the message as the members see it.
   */
  send(from: EmulatedUser, text: string): ChatMessage {
    const stored = this.state.addMessage(
      this.id,
      false,
      (base) => ({
        text,
        edits: 0,
        deleted: false,
        message: { ...base, ...textContent(text) } as Message,
      }),
      from.user,
    );
    if (this.state.botReceives(this.id, stored.message)) {
      this.state.queue.push({ message: stored.message as Message & Update.NonChannel });
    }
    return stored;
  }
}
