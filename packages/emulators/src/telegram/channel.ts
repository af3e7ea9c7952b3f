import type { Chat, User } from "grammy/types";
import type { AdminRights, BotStanding, Standing } from "./invites.js";
import type { EmulatorState } from "./state.js";
import type { EmulatedUser } from "./user.js";

export interface EmulatedChannelOptions {
  /** The chat id, e.g. one a shop is configured with; a fresh -100… one by default. */
  id?: number;
  title?: string;
  /** Subscribers from the start. */
  members?: readonly EmulatedUser[];
  owner?: EmulatedUser;
  /** The bot's rights: a bot is in a channel only as an administrator. */
  botRights?: Partial<AdminRights>;
}

let nextChannel = 1;

/**
 * A private channel the bot administers: people join it by invite link and the bot manages who
 * is in. Posting in it is not emulated; its membership and invite links are.
 */
export class EmulatedChannel {
  readonly chat: Chat.ChannelChat;

  constructor(
    private readonly state: EmulatorState,
    options: EmulatedChannelOptions = {},
  ) {
    const n = nextChannel++;
    const id = options.id ?? -(1_003_000_000_000 + n);
    if (!Number.isSafeInteger(id) || id >= 0) throw new Error("a channel's chat id is negative");
    this.chat = { id, type: "channel", title: options.title ?? `Channel ${n}` };
    state.access.addChat(this.chat, {
      members: options.members?.map((member) => member.user),
      owner: options.owner?.user,
      bot: { status: "administrator", rights: options.botRights },
    });
  }

  get id(): number {
    return this.chat.id;
  }

  /** Who is in the channel now, the bot aside. */
  members(): User[] {
    return this.state.access.members(this.id);
  }

  /** Where someone stands in the channel: "member", "left", "kicked", "administrator", "creator". */
  statusOf(user: EmulatedUser): Standing["status"] {
    return this.state.access.standingOf(this.id, user.id).status;
  }

  /** The owner changes the bot's rights, or removes it. */
  setBot(standing: BotStanding): void {
    this.state.access.setBot(this.id, standing);
  }

  /** A subscriber leaves the channel. */
  leave(user: EmulatedUser): void {
    this.state.access.leave(this.id, user.user);
  }
}
