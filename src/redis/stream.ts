import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import type { RedisClient } from "./client.js";
import { setEntryIdle } from "./scripts.js";

/** One entry read from a stream; `fields` is null when the entry was trimmed away since. */
export interface StreamEntry {
  stream: string;
  id: string;
  fields: string[] | null;
}

export interface StreamGroupOptions {
  redis: RedisClient;
  /** The partitions of one stream (see keys.ts), read as one. */
  streams: readonly string[];
  group: string;
  /** Unique per running process, e.g. the host name and pid. */
  consumer: string;
  /** Where a group made now starts: "0" reads what the stream holds, "$" only what comes after. */
  startAt: "0" | "$";
  /** On a Cluster, how often an idle reader looks again (one blocking read cannot span slots). */
  pollMs?: number;
}

type Reply = [string, [string, string[] | null][]][] | null;

/**
 * One consumer in a consumer group over a partitioned stream: the only code that reads, claims
 * and acknowledges stream entries. On one Redis a blocking read covers every partition at once,
 * on its own connection; on a Cluster each partition sits in its own slot, so an idle reader
 * looks at each partition in turn every `pollMs`.
 */
export class StreamGroup {
  readonly group: string;
  readonly consumer: string;
  private readonly redis: RedisClient;
  private readonly streams: readonly string[];
  private readonly pollMs: number;
  private ready = false;
  private readonly claimCursors = new Map<string, string>();
  private claimNext = 0;
  private blocking: Redis | undefined;
  private blockingId: number | undefined;
  private wake = new AbortController();

  constructor(private readonly options: StreamGroupOptions) {
    this.redis = options.redis;
    this.streams = options.streams;
    this.group = options.group;
    this.consumer = options.consumer;
    this.pollMs = options.pollMs ?? 100;
  }

  /** Creates the group on every partition that lacks it. */
  async ensure(): Promise<void> {
    if (this.ready) return;
    await Promise.all(
      this.streams.map((stream) =>
        this.redis
          .xgroup("CREATE", stream, this.group, this.options.startAt, "MKSTREAM")
          .catch((error: unknown) => {
            if (!(error instanceof Error && error.message.startsWith("BUSYGROUP"))) throw error;
          }),
      ),
    );
    this.ready = true;
  }

  /** After a NOGROUP error (the stream was deleted), the groups are made again on next use. */
  forget(error: unknown): void {
    if (error instanceof Error && error.message.startsWith("NOGROUP")) this.ready = false;
  }

  /** Opens the connection blocking reads use, so they never hold up the shared one. */
  async open(): Promise<void> {
    this.wake = new AbortController();
    if (this.redis.isCluster || this.blocking) return;
    const blocking = (this.redis as Redis).duplicate();
    // A lost connection fails the next read, which the caller logs; the event itself says no more.
    blocking.on("error", () => undefined);
    try {
      this.blockingId = await blocking.client("ID");
    } catch (error) {
      blocking.disconnect();
      throw error;
    }
    this.blocking = blocking;
  }

  /** Ends a blocking read under way at once, as if it had timed out; nothing read is lost. */
  async interrupt(): Promise<void> {
    // A read under way holds the signal it started with; the next read gets a fresh one.
    this.wake.abort();
    this.wake = new AbortController();
    if (this.blockingId !== undefined) {
      await (this.redis as Redis).client("UNBLOCK", this.blockingId).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.wake.abort();
    const blocking = this.blocking;
    this.blocking = undefined;
    this.blockingId = undefined;
    // Nothing to flush, and a QUIT would wait out an outage in the offline queue.
    blocking?.disconnect();
  }

  /**
   * Up to about `count` entries never handed out before (each partition gives at most its share),
   * waiting up to `blockMs` for one when none is there; without `blockMs`, no wait.
   */
  async readNew(count: number, blockMs?: number): Promise<StreamEntry[]> {
    const share = Math.max(1, Math.ceil(count / this.streams.length));
    const signal = this.wake.signal;
    await this.ensure();
    if (this.blocking && blockMs !== undefined && !signal.aborted) {
      const reply = (await this.blocking.xreadgroup(
        "GROUP",
        this.group,
        this.consumer,
        "COUNT",
        share,
        "BLOCK",
        blockMs,
        "STREAMS",
        ...this.streams,
        ...this.streams.map(() => ">"),
      )) as Reply;
      return entriesOf(reply);
    }
    const deadline = Date.now() + (blockMs ?? 0);
    for (;;) {
      const replies = await Promise.all(
        this.streams.map(
          (stream) =>
            this.redis.xreadgroup(
              "GROUP",
              this.group,
              this.consumer,
              "COUNT",
              share,
              "STREAMS",
              stream,
              ">",
            ) as Promise<Reply>,
        ),
      );
      const entries = replies.flatMap(entriesOf);
      const left = deadline - Date.now();
      if (entries.length > 0 || left <= 0 || signal.aborted) return entries;
      await sleep(Math.min(this.pollMs, left), undefined, { signal }).catch(() => undefined);
    }
  }

  /**
   * Up to `count` entries other consumers (or this one, before a restart) were handed and left
   * untouched for `minIdleMs`, now this consumer's; partitions are visited in turn.
   */
  async claimStale(minIdleMs: number, count: number): Promise<StreamEntry[]> {
    await this.ensure();
    const claimed: StreamEntry[] = [];
    for (let visited = 0; visited < this.streams.length && claimed.length < count; visited++) {
      const stream = this.streams[this.claimNext] as string;
      this.claimNext = (this.claimNext + 1) % this.streams.length;
      const reply = (await this.redis.xautoclaim(
        stream,
        this.group,
        this.consumer,
        minIdleMs,
        this.claimCursors.get(stream) ?? "0-0",
        "COUNT",
        count - claimed.length,
      )) as [string, [string, string[] | null][], string[]?];
      this.claimCursors.set(stream, typeof reply[0] === "string" ? reply[0] : "0-0");
      // Entries deleted from the stream while pending come back apart (reply[2]), already
      // dropped from the group: nothing is left of them to hand out.
      for (const [id, fields] of reply[1] ?? []) claimed.push({ stream, id, fields });
    }
    return claimed;
  }

  /** This consumer's own pending entry `id` again, read from its history (its idle time resets). */
  async readOwn(stream: string, id: string): Promise<StreamEntry | undefined> {
    const reply = (await this.redis.xreadgroup(
      "GROUP",
      this.group,
      this.consumer,
      "COUNT",
      1,
      "STREAMS",
      stream,
      idBefore(id),
    )) as Reply;
    const entry = reply?.[0]?.[1]?.[0];
    return entry?.[0] === id ? { stream, id, fields: entry[1] } : undefined;
  }

  async ack(entry: Pick<StreamEntry, "stream" | "id">): Promise<void> {
    await this.redis.xack(entry.stream, this.group, entry.id);
  }

  /** See setEntryIdle; `ifCount` and `setCount` only when given. 1 when it was set. */
  async setIdle(
    entry: Pick<StreamEntry, "stream" | "id">,
    idleMs: number,
    ifCount: number | "" = "",
    setCount: number | "" = "",
  ): Promise<number> {
    return setEntryIdle.run(
      this.redis,
      [entry.stream],
      [this.group, this.consumer, entry.id, idleMs, String(ifCount), String(setCount)],
    );
  }

  /** How many times the entry has been handed out, counting this time. */
  async deliveryCount(entry: Pick<StreamEntry, "stream" | "id">): Promise<number> {
    const reply = await this.redis.xpending(entry.stream, this.group, entry.id, entry.id, 1);
    const pending = reply[0];
    const count = Array.isArray(pending) ? Number(pending[3]) : Number.NaN;
    return Number.isFinite(count) && count > 0 ? count : 1;
  }

  /** Entries handed out and not yet acknowledged, over all partitions. */
  async pendingCount(): Promise<number> {
    const replies = await Promise.all(
      this.streams.map((stream) =>
        this.redis.xpending(stream, this.group).catch(() => [0] as unknown[]),
      ),
    );
    return replies.reduce<number>((sum, reply) => sum + Number(reply[0] ?? 0), 0);
  }
}

/** Where a consumer group stands over a partitioned stream. */
export interface GroupBacklog {
  /** Entries not yet handed out, plus those handed out and not acknowledged. */
  depth: number;
  /** When the oldest entry handed out and not acknowledged was added. */
  oldestInHandAt?: number;
}

/**
 * A stream or group nobody has written yet holds nothing: `empty` for it. Any other failure is
 * thrown, so a reader that cannot see the queue does not take it for an empty one.
 */
function notYet<T>(empty: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof Error && /no such key|NOGROUP/i.test(error.message)) return empty;
    throw error;
  };
}

export async function groupBacklog(
  redis: RedisClient,
  streams: readonly string[],
  group: string,
): Promise<GroupBacklog> {
  const partitions = await Promise.all(
    streams.map((stream) =>
      Promise.all([
        redis.xinfo("GROUPS", stream).catch(notYet([])) as Promise<unknown[]>,
        redis.xpending(stream, group).catch(notYet(null)) as Promise<
          [number, string | null, string | null, unknown] | null
        >,
      ]),
    ),
  );
  let depth = 0;
  let oldestInHandAt: number | undefined;
  for (const [groups, pending] of partitions) {
    for (const info of groups) {
      const fields = info as (string | number | null)[];
      if (fields[fields.indexOf("name") + 1] !== group) continue;
      const at = fields.indexOf("lag");
      if (at >= 0) depth += Number(fields[at + 1] ?? 0);
    }
    depth += Number(pending?.[0] ?? 0);
    const oldestId = pending?.[1];
    const at = oldestId ? Number(oldestId.split("-")[0]) : undefined;
    if (at !== undefined && (oldestInHandAt === undefined || at < oldestInHandAt)) {
      oldestInHandAt = at;
    }
  }
  return { depth, oldestInHandAt };
}

/** An entry's identity: ids repeat across a stream's partitions, so the stream is part of it. */
export function entryKey(entry: Pick<StreamEntry, "stream" | "id">): string {
  return `${entry.stream} ${entry.id}`;
}

/** The value of `name` among a stream entry's fields. */
export function fieldOf(fields: readonly string[] | null, name: string): string | undefined {
  if (!fields) return undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function entriesOf(reply: Reply): StreamEntry[] {
  const entries: StreamEntry[] = [];
  for (const [stream, items] of reply ?? []) {
    for (const [id, fields] of items ?? []) entries.push({ stream, id, fields });
  }
  return entries;
}

/** The greatest stream id below `id`, so a history read from it starts at `id`. */
function idBefore(id: string): string {
  const [ms = 0n, seq = 0n] = id.split("-").map(BigInt);
  return seq > 0n ? `${ms}-${seq - 1n}` : `${ms - 1n}-18446744073709551615`;
}
