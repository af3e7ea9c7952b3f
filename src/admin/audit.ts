import type { RedisClient } from "../redis/client.js";
import { redisKeys } from "../redis/keys.js";

export type AuditDetail = Record<string, string | number | boolean>;

/** What an admin did, as the caller reports it. */
export interface AuditRecord {
  adminId: number;
  /** A short verb the merchant reads back: "refund", "attach", "export"… */
  action: string;
  orderId?: string;
  detail?: AuditDetail;
}

/** One line of the log as read back. */
export interface AuditEntry extends AuditRecord {
  /** The stream entry id. */
  id: string;
  /** When it was recorded, ms since epoch. */
  at: number;
}

export interface AuditLogOptions {
  /** The clock; tests move it. */
  now?: () => number;
}

/** Roughly how many entries the stream keeps; older ones are trimmed. */
const MAX_ENTRIES = 100_000;

/** Every admin action, append-only, in a RedisClient Stream: who did what to which order, and when. */
export class AuditLog {
  readonly key: string;
  private readonly now: () => number;

  constructor(
    private readonly redis: RedisClient,
    prefix: string,
    options: AuditLogOptions = {},
  ) {
    this.key = redisKeys(prefix).audit;
    this.now = options.now ?? Date.now;
  }

  /** Appends an entry; returns its stream id. */
  async record(entry: AuditRecord): Promise<string> {
    const fields = [
      "at",
      String(this.now()),
      "adminId",
      String(entry.adminId),
      "action",
      entry.action,
    ];
    if (entry.orderId !== undefined) fields.push("orderId", entry.orderId);
    if (entry.detail !== undefined) fields.push("detail", JSON.stringify(entry.detail));
    const id = await this.redis.xadd(this.key, "MAXLEN", "~", MAX_ENTRIES, "*", ...fields);
    // XADD only answers null with NOMKSTREAM, which we do not pass.
    return id as string;
  }

  /** The latest entries, newest first. */
  async list(limit = 20): Promise<AuditEntry[]> {
    if (limit <= 0) return [];
    const entries = await this.redis.xrevrange(this.key, "+", "-", "COUNT", limit);
    return entries.map(([id, flat]) => parse(id, flat));
  }
}

function parse(id: string, flat: string[]): AuditEntry {
  const fields = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i] as string, flat[i + 1] as string);
  const entry: AuditEntry = {
    id,
    at: Number(fields.get("at") ?? id.split("-")[0]),
    adminId: Number(fields.get("adminId")),
    action: fields.get("action") ?? "",
  };
  const orderId = fields.get("orderId");
  if (orderId !== undefined) entry.orderId = orderId;
  const detail = fields.get("detail");
  if (detail !== undefined) entry.detail = JSON.parse(detail) as AuditDetail;
  return entry;
}
