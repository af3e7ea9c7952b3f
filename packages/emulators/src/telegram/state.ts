import { randomBytes } from "node:crypto";
import type {
  BotCommand,
  Chat,
  ForceReply,
  InlineKeyboardMarkup,
  LabeledPrice,
  MenuButton,
  Message,
  OrderInfo,
  ReplyKeyboardMarkup,
  ReplyKeyboardRemove,
  StarTransaction,
  User,
  UserFromGetMe,
} from "grammy/types";
import { EmulatorClock } from "./clock.js";
import { badRequest, forbidden } from "./errors.js";
import { ChatAccess } from "./invites.js";
import { BotStars } from "./stars.js";
import { StarSubscriptions } from "./subscriptions.js";
import { UpdateQueue } from "./updates.js";

export type AnyReplyMarkup =
  | InlineKeyboardMarkup
  | ReplyKeyboardMarkup
  | ReplyKeyboardRemove
  | ForceReply;

/** An invoice as the bot created it, including what the Message object does not show. */
export interface SentInvoice {
  title: string;
  description: string;
  payload: string;
  currency: string;
  prices: LabeledPrice[];
  totalAmount: number;
  /** "" for Telegram Stars. */
  providerToken: string;
  startParameter?: string;
  photoUrl?: string;
  /** What the buyer must fill in; Telegram ignores these for Stars. */
  needName: boolean;
  needPhoneNumber: boolean;
  needEmail: boolean;
  /** Also true when `isFlexible` is, as Telegram sets it. */
  needShippingAddress: boolean;
  /** The price depends on the shipping option, so Telegram asks the bot with a shipping_query. */
  isFlexible: boolean;
  /** 0 when the invoice takes no tips. */
  maxTipAmount: number;
  suggestedTipAmounts: number[];
  /** The `https://t.me/$…` link, for invoices made by createInvoiceLink. */
  link?: string;
  /** Seconds between payments of a Stars subscription; 0 for a one-off invoice. */
  subscriptionPeriod: number;
}

/** A file the emulator holds, by file_id. */
export interface StoredFile {
  fileId: string;
  fileUniqueId: string;
  /** Bytes for uploads; undefined when the bot passed a URL. */
  bytes?: Buffer;
  filename?: string;
  url?: string;
}

/** One message in a chat, as a test sees it. */
export interface ChatMessage {
  messageId: number;
  chatId: number;
  /** True for what the bot sent, false for what the user sent (including payment messages). */
  fromBot: boolean;
  date: number;
  /** Plain text as Telegram stores it (markup is not rendered). */
  text?: string;
  caption?: string;
  parseMode?: string;
  /** Whatever markup the bot attached, including reply keyboards (Message shows inline only). */
  replyMarkup?: AnyReplyMarkup;
  photo?: StoredFile;
  document?: StoredFile;
  invoice?: SentInvoice;
  /** How many times the bot edited it. */
  edits: number;
  deleted: boolean;
  /** The Bot API object as Telegram would return it now, edits applied. */
  message: Message;
}

export interface Payment {
  chargeId: string;
  providerChargeId: string;
  userId: number;
  currency: string;
  totalAmount: number;
  payload: string;
  refunded: boolean;
  date: number;
  shippingOptionId?: string;
  orderInfo?: OrderInfo;
  /** Seconds a Stars subscription lasts per payment; 0 for a one-off payment. */
  subscriptionPeriod: number;
}

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

/** A callback, shipping or pre-checkout query waiting for the bot's answer. */
export interface PendingQuery {
  kind: "callback_query" | "shipping_query" | "pre_checkout_query";
  /** Receives the bot's answer parameters. */
  answer(params: Record<string, unknown>): void;
}

/** A group or supergroup the bot is a member of. */
export type GroupChat = Chat.GroupChat | Chat.SupergroupChat;

interface ChatRecord {
  chat: Chat.PrivateChat | GroupChat;
  /** The person at the other end of a private chat; undefined for a group. */
  user: User | undefined;
  /** A group's members, the bot aside; empty for a private chat. */
  members: Map<number, User>;
  /** An administrator bot receives every message of its group, whatever its privacy mode. */
  botIsAdmin: boolean;
  blocked: boolean;
  nextMessageId: number;
  messages: ChatMessage[];
}

export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}

/** Everything the emulated Telegram knows about one bot: its chats, updates and money. */
export class EmulatorState {
  readonly queue = new UpdateQueue();
  readonly files = new Map<string, StoredFile>();
  readonly invoiceLinks = new Map<string, SentInvoice>();
  readonly payments = new Map<string, Payment>();
  readonly queries = new Map<string, PendingQuery>();
  /** Commands by `scopeKey|language_code`. */
  readonly commands = new Map<string, BotCommand[]>();
  /** Menu buttons by chat id; key 0 is the default for all private chats. */
  readonly menuButtons = new Map<number, MenuButton>();
  readonly chatActions: Array<{ chatId: number; action: string }> = [];
  /** Telegram's time, which a test can move forward. */
  readonly clock = new EmulatorClock();
  /** The bot's Star balance and the ledger of its Star transactions. */
  readonly stars = new BotStars(this.clock);
  /** Users' Stars subscriptions to the bot, renewed as the clock passes their ends. */
  readonly subscriptions = new StarSubscriptions(this);
  webhook: WebhookConfig | undefined;
  /** Who is in which group and channel, and the invite links that let people in. */
  readonly access: ChatAccess = new ChatAccess(this, () => this.clock.unixNow());
  private readonly chats = new Map<number, ChatRecord>();
  private readonly changeListeners = new Map<number, Set<() => void>>();
  private queryCounter = 0;

  constructor(readonly bot: UserFromGetMe) {}

  /** The bot's Star balance in whole Stars. */
  get starBalance(): number {
    return this.stars.balance;
  }

  /** The bot's Star transactions, oldest first, as getStarTransactions lists them. */
  get starTransactions(): readonly StarTransaction[] {
    return this.stars.transactions;
  }

  /** Registers a user who has opened a private chat with the bot. */
  addUser(user: User): void {
    if (this.chats.has(user.id)) return;
    const chat: Chat.PrivateChat = { id: user.id, type: "private", first_name: user.first_name };
    if (user.last_name !== undefined) chat.last_name = user.last_name;
    if (user.username !== undefined) chat.username = user.username;
    this.chats.set(user.id, {
      chat,
      user,
      members: new Map(),
      botIsAdmin: false,
      blocked: false,
      nextMessageId: 1,
      messages: [],
    });
  }

  /** Registers a group the bot was added to, with its members. */
  addGroup(chat: GroupChat, members: readonly User[], botIsAdmin: boolean): void {
    if (this.chats.has(chat.id)) throw new Error(`chat ${chat.id} exists already`);
    this.chats.set(chat.id, {
      chat,
      user: undefined,
      members: new Map(members.map((member) => [member.id, member])),
      botIsAdmin,
      blocked: false,
      nextMessageId: 1,
      messages: [],
    });
  }

  /** Whether `userId` can see and write in `chatId`: their private chat, or a group they are in. */
  isInChat(chatId: number, userId: number): boolean {
    const record = this.chats.get(chatId);
    return record !== undefined && (record.user?.id === userId || record.members.has(userId));
  }

  /** Someone joins a group or leaves it (see ChatAccess), so they can write in it or not. */
  setMember(chatId: number, user: User, member: boolean): void {
    const { members } = this.record(chatId);
    if (member) members.set(user.id, user);
    else members.delete(user.id);
  }

  /** The bot was promoted or demoted in a group: an administrator gets every message there. */
  setBotIsAdmin(chatId: number, admin: boolean): void {
    this.record(chatId).botIsAdmin = admin;
  }

  /**
   * Whether the bot gets a group member's message as an update. In privacy mode (the default,
   * unless the bot is the group's administrator) it gets only commands meant for it — /cmd@bot,
   * or a bare /cmd when it was the last bot to write in the group (here the only bot) — and
   * replies to its own messages; in a private chat it gets everything.
   */
  botReceives(chatId: number, message: Message): boolean {
    const record = this.record(chatId);
    if (record.chat.type === "private" || record.botIsAdmin) return true;
    if (this.bot.can_read_all_group_messages) return true;
    if (message.reply_to_message?.from?.id === this.bot.id) return true;
    const command = /^\/[A-Za-z0-9_]+(?:@([A-Za-z0-9_]+))?/.exec(message.text ?? "");
    if (command === null) return false;
    const addressee = command[1];
    if (addressee !== undefined) return addressee.toLowerCase() === this.bot.username.toLowerCase();
    return record.messages.some((m) => m.fromBot);
  }

  setBlocked(userId: number, blocked: boolean): void {
    this.record(userId).blocked = blocked;
  }

  /** The chat the bot wants to write to, or the error Telegram gives. */
  chatForBot(chatId: number | string): ChatRecord {
    const record =
      typeof chatId === "number"
        ? this.chats.get(chatId)
        : [...this.chats.values()].find(
            (c) =>
              `@${c.user?.username ?? (c.chat.type === "supergroup" ? c.chat.username : "")}` ===
              chatId,
          );
    if (record === undefined) throw badRequest("chat not found");
    if (record.blocked) throw forbidden("bot was blocked by the user");
    return record;
  }

  /** The person of a private chat. */
  userOf(chatId: number): User {
    const { user } = this.record(chatId);
    if (user === undefined) throw badRequest("user not found");
    return user;
  }

  chatOf(chatId: number): Chat.PrivateChat | GroupChat {
    return this.record(chatId).chat;
  }

  messages(chatId: number): readonly ChatMessage[] {
    return this.chats.get(chatId)?.messages ?? [];
  }

  findMessage(chatId: number, messageId: number): ChatMessage | undefined {
    return this.messages(chatId).find((m) => m.messageId === messageId && !m.deleted);
  }

  /**
   * Stores a new message; `build` gets the id and sender fields and adds the content. A message
   * not from the bot is from the private chat's user, or from `sender`, a member of the group.
   */
  addMessage(
    chatId: number,
    fromBot: boolean,
    build: (base: Message) => Omit<ChatMessage, "messageId" | "chatId" | "fromBot" | "date">,
    sender?: User,
  ): ChatMessage {
    const record = this.record(chatId);
    const from = fromBot ? this.botAsSender() : (sender ?? record.user);
    if (from === undefined || (!fromBot && !this.isInChat(chatId, from.id))) {
      throw new Error(`no member of chat ${chatId} to send this message`);
    }
    const date = this.clock.unixNow();
    const base = {
      message_id: record.nextMessageId++,
      date,
      chat: record.chat,
      from,
    } as Message;
    const stored: ChatMessage = {
      messageId: base.message_id,
      chatId,
      fromBot,
      date,
      ...build(base),
    };
    record.messages.push(stored);
    this.changed(chatId);
    return stored;
  }

  /** The bot as the sender of its messages: the Bot API returns its can_* fields only in getMe. */
  botAsSender(): User {
    const { id, is_bot, first_name, last_name, username } = this.bot;
    return { id, is_bot, first_name, ...(last_name === undefined ? {} : { last_name }), username };
  }

  /** Call after mutating a stored message so waiting tests look again. */
  changed(chatId: number): void {
    for (const listener of [...(this.changeListeners.get(chatId) ?? [])]) listener();
  }

  onChange(chatId: number, listener: () => void): () => void {
    let set = this.changeListeners.get(chatId);
    if (set === undefined) {
      set = new Set();
      this.changeListeners.set(chatId, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  nextQueryId(): string {
    // Telegram's query ids are decimal strings of 64-bit numbers.
    return `${4_000_000_000_000_000 + ++this.queryCounter * 7919}`;
  }

  storeFile(file: Omit<StoredFile, "fileId" | "fileUniqueId">): StoredFile {
    const stored = { fileId: `BQAC${randomToken(24)}`, fileUniqueId: randomToken(8), ...file };
    this.files.set(stored.fileId, stored);
    return stored;
  }

  private record(chatId: number): ChatRecord {
    const record = this.chats.get(chatId);
    if (record === undefined) throw badRequest("chat not found");
    return record;
  }
}
