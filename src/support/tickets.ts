import type { Clock } from "../clock.js";
import type { RedisClient } from "../redis/client.js";
import { type RedisKeys, redisKeys } from "../redis/keys.js";
import { closeTicket, openTicket, recordTicketMessage } from "../redis/scripts.js";

/** /support is about anything; /paysupport about a payment or an order. */
export type TicketKind = "support" | "paysupport";

/** open → answered (the shop replied) → open again when the buyer writes → closed. */
export type TicketState = "open" | "answered" | "closed";

/** What a message in a ticket was: its text or caption is kept as an excerpt beside. */
export type TicketContent =
  | "text"
  | "photo"
  | "document"
  | "video"
  | "voice"
  | "audio"
  | "sticker"
  | "other";

export interface Buyer {
  userId: number;
  chatId: number;
  firstName: string;
  username?: string;
}

/** One message of a ticket, as the log keeps it. */
export interface TicketEntry {
  at: number;
  /** The buyer, or the shop (with the admin who answered). */
  from: "buyer" | "shop";
  adminId?: number;
  content: TicketContent;
  /** The text or caption, cut to EXCERPT characters; "" for media without a caption. */
  excerpt: string;
}

export interface Ticket {
  /** Short and sequential: #1, #2… */
  number: number;
  buyer: Buyer;
  kind: TicketKind;
  state: TicketState;
  /** The language the buyer used when the ticket opened: the shop answers in it. */
  lang: string;
  createdAt: number;
  updatedAt: number;
  /** The newest message, for lists. */
  last?: Omit<TicketEntry, "adminId">;
}

/** Characters of a message's text kept in the log and shown in lists. */
export const EXCERPT = 200;
/** Messages a ticket's log keeps; older ones fall off. */
const LOG_LENGTH = 50;
/** How long a closed ticket is kept, for the admin who looks it up afterwards. */
const CLOSED_KEPT_MS = 90 * 86_400_000;
/**
 * How long a message relayed to an admin chat leads back to its ticket: a reply to it after
 * that is answered with "this is no longer linked" rather than lost silently.
 */
export const RELAY_KEPT_MS = 30 * 86_400_000;

/** A text cut to `max` characters, with an ellipsis when it was longer. */
export function excerptOf(text: string | undefined, max = EXCERPT): string {
  const flat = (text ?? "").replace(/\s+/g, " ").trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

export type RecordResult = "ok" | "closed" | "missing";
export type CloseResult = "closed" | "already" | "missing";

/**
 * Support tickets in Redis, under one hash tag (see keys.ts): each transition is one script, so
 * a buyer writing while an admin answers or closes cannot leave a ticket half changed.
 */
export class TicketStore {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    private readonly clock: Clock,
  ) {
    this.keys = redisKeys(prefix);
  }

  /** The buyer's ticket that is not closed, or a new one; `opened` says which. */
  async open(
    buyer: Buyer,
    kind: TicketKind,
    lang: string,
  ): Promise<{ ticket: Ticket; opened: boolean }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const held = await this.redis.get(this.keys.buyerTicket(buyer.userId));
      const current = held === null ? undefined : await this.get(Number(held));
      if (current !== undefined && current.state !== "closed") {
        return { ticket: current, opened: false };
      }
      const number = await this.redis.incr(this.keys.ticketSeq);
      const now = this.clock();
      const got = await openTicket.run(
        this.redis,
        [this.keys.ticket(number), this.keys.buyerTicket(buyer.userId), this.keys.activeTickets],
        [
          number,
          buyer.userId,
          buyer.chatId,
          buyer.firstName,
          buyer.username ?? "",
          kind,
          now,
          held ?? "",
          lang,
        ],
      );
      // Another /support of the same buyer won the race; take theirs (the number is skipped).
      if (Number(got) !== number) continue;
      const ticket = await this.get(number);
      if (ticket) return { ticket, opened: true };
    }
    throw new Error(`could not open a ticket for user ${buyer.userId}`);
  }

  async get(number: number): Promise<Ticket | undefined> {
    if (!Number.isSafeInteger(number) || number <= 0) return undefined;
    const row = await this.redis.hgetall(this.keys.ticket(number));
    return row.state === undefined ? undefined : ticketFrom(row);
  }

  /** The buyer's ticket that is open or answered, if any. */
  async current(userId: number): Promise<Ticket | undefined> {
    const held = await this.redis.get(this.keys.buyerTicket(userId));
    if (held === null) return undefined;
    const ticket = await this.get(Number(held));
    return ticket?.state === "closed" ? undefined : ticket;
  }

  /** Adds what the buyer wrote; the ticket is open again. */
  buyerWrote(number: number, entry: Omit<TicketEntry, "from" | "adminId">): Promise<RecordResult> {
    return this.record(number, { ...entry, from: "buyer" }, "open");
  }

  /** Adds the shop's answer; the ticket is answered. */
  shopAnswered(
    number: number,
    adminId: number,
    entry: Omit<TicketEntry, "from" | "adminId">,
  ): Promise<RecordResult> {
    return this.record(number, { ...entry, from: "shop", adminId }, "answered");
  }

  async close(number: number, userId: number): Promise<CloseResult> {
    return closeTicket.run(
      this.redis,
      [
        this.keys.ticket(number),
        this.keys.ticketLog(number),
        this.keys.buyerTicket(userId),
        this.keys.activeTickets,
        this.keys.closedTickets,
      ],
      [number, this.clock(), CLOSED_KEPT_MS],
    );
  }

  /** A ticket's messages, oldest first (the newest LOG_LENGTH). */
  async log(number: number): Promise<TicketEntry[]> {
    const rows = await this.redis.lrange(this.keys.ticketLog(number), 0, -1);
    return rows.map((row) => JSON.parse(row) as TicketEntry);
  }

  /** Notes that `messageId` in an admin chat carries ticket `number`. */
  async rememberRelay(chatId: number, messageId: number, number: number): Promise<void> {
    await this.redis.set(this.keys.ticketRelay(chatId, messageId), number, "PX", RELAY_KEPT_MS);
  }

  /** The ticket a message in an admin chat was relayed for, while the link is kept. */
  async relayedFor(chatId: number, messageId: number): Promise<number | undefined> {
    const number = await this.redis.get(this.keys.ticketRelay(chatId, messageId));
    return number === null ? undefined : Number(number);
  }

  /** Open and answered tickets, the most recently changed first. */
  async active(limit: number): Promise<Ticket[]> {
    const numbers = await this.redis.zrevrange(this.keys.activeTickets, 0, limit - 1);
    const tickets = await Promise.all(numbers.map((n) => this.get(Number(n))));
    return tickets.filter((t): t is Ticket => t !== undefined);
  }

  async activeCount(): Promise<number> {
    return this.redis.zcard(this.keys.activeTickets);
  }

  async closedCount(): Promise<number> {
    return Number((await this.redis.get(this.keys.closedTickets)) ?? 0);
  }

  private async record(
    number: number,
    entry: TicketEntry,
    state: Exclude<TicketState, "closed">,
  ): Promise<RecordResult> {
    return recordTicketMessage.run(
      this.redis,
      [this.keys.ticket(number), this.keys.ticketLog(number), this.keys.activeTickets],
      [JSON.stringify(entry), entry.at, state, LOG_LENGTH, number],
    );
  }
}

function ticketFrom(row: Record<string, string>): Ticket {
  const ticket: Ticket = {
    number: Number(row.number),
    buyer: {
      userId: Number(row.userId),
      chatId: Number(row.chatId),
      firstName: row.firstName ?? "",
      ...(row.username ? { username: row.username } : {}),
    },
    kind: row.kind === "paysupport" ? "paysupport" : "support",
    state: row.state as TicketState,
    lang: row.lang || "en",
    createdAt: Number(row.createdAt),
    updatedAt: Number(row.updatedAt),
  };
  if (row.last !== undefined) {
    const { adminId: _, ...last } = JSON.parse(row.last) as TicketEntry;
    ticket.last = last;
  }
  return ticket;
}

/** How long ago something was, in the largest whole unit: 59 min, 23 h, 3 d. */
export function ageOf(ms: number): { unit: "minutes" | "hours" | "days"; n: number } {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return { unit: "minutes", n: minutes };
  if (minutes < 24 * 60) return { unit: "hours", n: Math.floor(minutes / 60) };
  return { unit: "days", n: Math.floor(minutes / (24 * 60)) };
}
