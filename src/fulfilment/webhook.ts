import { createHmac, timingSafeEqual } from "node:crypto";
import { backoff } from "../backoff.js";
import type { Clock } from "../clock.js";
import { type Logger, silentLogger } from "../log.js";
import type { Order } from "../orders/order.js";
import type { RedisClient } from "../redis/client.js";
import { allPartitions, partitionOf, type RedisKeys, redisKeys } from "../redis/keys.js";
import { claimWebhooks, queueWebhook } from "../redis/scripts.js";
import { addDeliveryFailed, type Deliverer, periodStep } from "./deliverer.js";

/** How long the schedule waits after it failed (Redis trouble) before it looks again. */
const LOOP_BACKOFF = backoff(500, 30_000);

/** What the merchant receives. Amounts are base units (nanotons, Stars, cents) as decimal text. */
export interface WebhookEvent {
  /** Stable across retries, so the merchant can drop duplicates. */
  id: string;
  type: "order.paid";
  createdAt: string;
  order: {
    id: string;
    productId: string;
    quantity: number;
    method: string;
    currency: string;
    amount: string;
    paid: string;
    status: string;
    exceptions: string[];
    comment: string | null;
    userId: number;
    paidAt: string | null;
    payments: {
      key: string;
      amount: string;
      currency: string;
      receivedAt: string;
      from: string | null;
    }[];
  };
}

export function webhookEvent(order: Order): WebhookEvent {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    // A subscription's renewal is an event of its own: each period paid is told once.
    id: periodStep(order, `${order.id}:order.paid`),
    type: "order.paid",
    // The payment time rather than the send time: every retry carries the same body.
    createdAt: iso(order.paidAt ?? order.createdAt),
    order: {
      id: order.id,
      productId: order.productId,
      quantity: order.quantity,
      method: order.method,
      currency: order.currency,
      amount: order.amount.toString(),
      paid: order.paid.toString(),
      status: order.status,
      exceptions: order.exceptions,
      comment: order.comment ?? null,
      userId: order.userId,
      paidAt: order.paidAt === undefined ? null : iso(order.paidAt),
      payments: order.payments.map((p) => ({
        key: p.key,
        amount: p.amount.toString(),
        currency: p.currency,
        receivedAt: iso(p.receivedAt),
        from: p.from ?? null,
      })),
    },
  };
}

/** The `X-TPB-Signature` value: "sha256=" + hex HMAC-SHA256(secret, "<timestamp>.<raw body>"). */
export function signWebhook(secret: string, timestamp: number, rawBody: string | Uint8Array) {
  const hmac = createHmac("sha256", secret);
  hmac.update(`${timestamp}.`);
  hmac.update(rawBody);
  return `sha256=${hmac.digest("hex")}`;
}

/** Node's `req.headers` or a Fetch `Headers`. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * For merchants: true when the request was signed with `secret` and sent within
 * `toleranceSeconds` of `now` (ms since epoch). Pass the body exactly as received, unparsed.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: WebhookHeaders,
  rawBody: string | Uint8Array,
  toleranceSeconds = 300,
  now: number = Date.now(),
): boolean {
  const timestampText = header(headers, "x-tpb-timestamp");
  const signature = header(headers, "x-tpb-signature");
  if (!timestampText || !signature || !/^\d{1,15}$/.test(timestampText)) return false;
  const timestamp = Number(timestampText);
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface MerchantWebhookOptions {
  url: string;
  secret: string;
  redis: RedisClient;
  prefix: string;
  /** HTTP attempts per event before it is given up and the admins are told. */
  attempts?: number;
  /** The wait after failed attempt n is random in [½, 1] × min(maxDelayMs, baseDelayMs · 2^(n-1)). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
  /** Events sent at once. */
  concurrency?: number;
  /** How often the schedule looks for events that are due. */
  pollMs?: number;
  log?: Logger;
  clock?: Clock;
}

/** An event due for sending, and the partition it sits in. */
interface Due {
  p: number;
  id: string;
}

interface AttemptResult {
  status?: number;
  error?: string;
  ms: number;
}

const LOG_MAXLEN = 10_000;
/** A delivered event's state is kept this long, so queueing it again is refused. */
const DELIVERED_TTL_SECONDS = 30 * 86_400;
/** An event being sent is not due again before its timeout plus this, so a dead sender's returns. */
const LEASE_MARGIN_MS = 30_000;

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * The signed `order.paid` event to the merchant's backend, on a schedule of its own. As an
 * order's step it only queues the event, so a slow or failing endpoint never holds up the goods;
 * the schedule (in every process, each event taken by one) sends what is due, retries with
 * backoff, logs every attempt, and tells the admins about an event it gives up on.
 */
export class MerchantWebhook implements Deliverer {
  readonly name = "merchant-webhook";
  private readonly redis: RedisClient;
  private readonly keys: RedisKeys;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly log: Logger;
  private readonly now: Clock;

  private running: Promise<void> | undefined;
  private stopping = false;
  /** One per request under way, so stop() can cut them off. */
  private readonly requests = new Set<AbortController>();
  private readonly inHand = new Set<Promise<void>>();
  private wakeUp: () => void = () => undefined;
  /** The partition the next claim starts at, so every partition gets its turn. */
  private claimNext = 0;

  constructor(private readonly options: MerchantWebhookOptions) {
    const protocol = new URL(options.url).protocol;
    if (protocol !== "https:" && protocol !== "http:") {
      throw new Error("merchant webhook URL must be http or https");
    }
    if (!options.secret) throw new Error("merchant webhook secret is empty");
    this.redis = options.redis;
    this.keys = redisKeys(options.prefix);
    this.attempts = Math.max(1, options.attempts ?? 15);
    this.baseDelayMs = options.baseDelayMs ?? 2_000;
    this.maxDelayMs = options.maxDelayMs ?? 3_600_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.pollMs = options.pollMs ?? 1_000;
    this.log = options.log ?? silentLogger;
    this.now = options.clock ?? Date.now;
  }

  /** The order's step: queues its event, due at once. Queueing it again changes nothing. */
  async deliver(order: Order): Promise<void> {
    const event = webhookEvent(order);
    const p = partitionOf(order.id);
    await queueWebhook.run(
      this.redis,
      [this.keys.webhookEvent(p, event.id), this.keys.webhookDue(p)],
      [event.id, order.id, JSON.stringify(event), this.now()],
    );
    this.wakeUp();
  }

  /** Runs the schedule in the background until stop(). */
  start(): void {
    if (this.running) throw new Error("merchant webhook schedule is already running");
    this.stopping = false;
    this.running = this.loop();
  }

  /** Stops the schedule; a request under way is cut off and its event is due again at once. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    for (const request of this.requests) request.abort();
    this.wakeUp();
    await this.running;
    this.running = undefined;
  }

  /** One pass: sends the events due now, up to `concurrency`; returns how many. */
  async sendDue(): Promise<number> {
    const due = await this.claim(this.concurrency);
    await Promise.all(due.map((event) => this.send(event)));
    return due.length;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let full = false;
      try {
        const room = this.concurrency - this.inHand.size;
        const due = room > 0 ? await this.claim(room) : [];
        for (const event of due) {
          const task: Promise<void> = this.send(event).finally(() => {
            this.inHand.delete(task);
            this.wakeUp();
          });
          this.inHand.add(task);
        }
        full = room > 0 && due.length === room;
        failures = 0;
      } catch (error) {
        failures++;
        this.log.error({ err: error, failures }, "merchant webhook schedule failed; pausing");
      }
      // More may be due at once when every free slot was filled; else wait to be woken.
      if (!full) await this.nap(failures > 0 ? LOOP_BACKOFF(failures) : this.pollMs);
    }
    await Promise.all(this.inHand);
  }

  private nap(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** Up to `count` events due now, taken from the partitions in turn, each leased to us. */
  private async claim(count: number): Promise<Due[]> {
    const now = this.now();
    const due: Due[] = [];
    for (let visited = 0; visited < allPartitions.length && due.length < count; visited++) {
      const p = this.claimNext;
      this.claimNext = (p + 1) % allPartitions.length;
      const ids = await claimWebhooks.run(
        this.redis,
        [this.keys.webhookDue(p)],
        [now, now + this.timeoutMs + LEASE_MARGIN_MS, count - due.length],
      );
      for (const id of ids) due.push({ p, id });
    }
    return due;
  }

  /** One attempt at one event, and what follows from it: done, due again later, or given up. */
  private async send({ p, id: eventId }: Due): Promise<void> {
    const key = this.keys.webhookEvent(p, eventId);
    const dueKey = this.keys.webhookDue(p);
    try {
      const [orderId, body, sent, state] = await this.redis.hmget(
        key,
        "orderId",
        "body",
        "attempts",
        "state",
      );
      if (!orderId || !body || state !== "queued") {
        await this.redis.zrem(dueKey, eventId);
        return;
      }
      const attempt = Number(sent ?? 0) + 1;
      const result = await this.post(eventId, body);
      if (result === "stopped") {
        // Not an attempt: the next process sends it at once.
        await this.redis.zadd(dueKey, "XX", this.now(), eventId);
        return;
      }
      await this.record(eventId, orderId, attempt, result);
      const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
      const final = result.status !== undefined && !ok && !isRetryableStatus(result.status);
      const error = result.error ?? `answered ${result.status}`;
      if (ok) {
        await this.redis
          .multi()
          .hset(key, "state", "delivered", "attempts", attempt, "deliveredAt", this.now())
          .hdel(key, "body")
          .expire(key, DELIVERED_TTL_SECONDS)
          .zrem(dueKey, eventId)
          .exec();
        this.log.info({ orderId, eventId, attempt }, "merchant webhook delivered");
      } else if (final || attempt >= this.attempts) {
        // A 4xx other than 408 and 429 says the request itself is wrong: sending it again won't help.
        await this.giveUp({ p, id: eventId }, orderId, attempt, error);
      } else {
        const delay = this.delayAfter(attempt);
        await this.redis
          .multi()
          .hset(key, "attempts", attempt, "lastError", error)
          .zadd(dueKey, "XX", this.now() + delay, eventId)
          .exec();
        this.log.warn(
          { orderId, eventId, attempt, error, delay },
          "merchant webhook failed; will retry",
        );
      }
    } catch (error) {
      // Redis trouble: the lease runs out and the event is due again.
      this.log.error({ eventId, err: error }, "merchant webhook attempt not recorded");
    }
  }

  private delayAfter(attempt: number): number {
    return backoff(this.baseDelayMs, this.maxDelayMs, { jitter: true })(attempt);
  }

  private async giveUp({ p, id: eventId }: Due, orderId: string, attempt: number, error: string) {
    const reason =
      attempt < this.attempts
        ? `merchant webhook ${error}; not retried`
        : `merchant webhook failed ${attempt} times; last: ${error}`;
    const multi = this.redis
      .multi()
      .hset(
        this.keys.webhookEvent(p, eventId),
        "state",
        "failed",
        "attempts",
        attempt,
        "lastError",
        error,
      )
      .zrem(this.keys.webhookDue(p), eventId);
    // The event, its due index and the admins' events stream share the order's partition.
    await addDeliveryFailed(multi, this.keys.events(p), {
      orderId,
      deliverer: this.name,
      error: reason,
    }).exec();
    this.log.error({ orderId, eventId, attempt, error }, "merchant webhook given up");
  }

  private async post(eventId: string, body: string): Promise<AttemptResult | "stopped"> {
    const timestamp = Math.floor(this.now() / 1000);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    // One controller held here rather than AbortSignal.any(): on Node 20 a combined signal handed
    // to fetch stops reaching it after a garbage collection, and the timeout would never fire.
    const request = new AbortController();
    const timer = setTimeout(
      () => request.abort(new DOMException("timed out", "TimeoutError")),
      this.timeoutMs,
    );
    this.requests.add(request);
    try {
      const response = await fetch(this.options.url, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "X-TPB-Event-Id": eventId,
          "X-TPB-Timestamp": String(timestamp),
          "X-TPB-Signature": signWebhook(this.options.secret, timestamp, body),
        },
        body,
        // A redirected POST would turn into a GET; a moved endpoint is a configuration error.
        redirect: "manual",
        signal: request.signal,
      });
      await response.body?.cancel();
      return { status: response.status, ms: elapsed() };
    } catch (error) {
      if (this.stopping) return "stopped";
      return { error: this.describe(error), ms: elapsed() };
    } finally {
      clearTimeout(timer);
      this.requests.delete(request);
    }
  }

  // Names the failure without the URL, which may carry a token.
  private describe(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    if (error.name === "TimeoutError") return `timed out after ${this.timeoutMs} ms`;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`;
  }

  // The log is for the admin; losing a line must not turn a delivered webhook into a retry.
  private async record(eventId: string, orderId: string, attempt: number, result: AttemptResult) {
    const outcome =
      result.status !== undefined
        ? (["status", String(result.status)] as const)
        : (["error", result.error ?? "unknown"] as const);
    try {
      await this.redis.xadd(
        this.keys.webhookLog,
        "MAXLEN",
        "~",
        LOG_MAXLEN,
        "*",
        "eventId",
        eventId,
        "orderId",
        orderId,
        "attempt",
        String(attempt),
        ...outcome,
        "ms",
        String(result.ms),
      );
    } catch (error) {
      this.log.warn({ orderId, err: error }, "could not append to the webhook delivery log");
    }
  }
}
