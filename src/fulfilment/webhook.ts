import { createHmac, timingSafeEqual } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import { type Logger, silentLogger } from "../log.js";
import { type RedisKeys, redisKeys } from "../orders/keys.js";
import type { Order } from "../orders/order.js";
import { type Deliverer, DeliveryFailed, DeliveryRejected } from "./deliverer.js";

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
    id: `${order.id}:order.paid`,
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
  redis: Redis;
  prefix: string;
  /** HTTP attempts per delivery before the job is handed back to the worker's retries. */
  attempts?: number;
  /** Backoff before attempt n is random in [0, baseDelayMs · 2^(n-2)], at most 30 s. */
  baseDelayMs?: number;
  timeoutMs?: number;
  log?: Logger;
  now?: () => number;
}

interface AttemptResult {
  status?: number;
  error?: string;
  ms: number;
}

const MAX_BACKOFF_MS = 30_000;
const LOG_MAXLEN = 10_000;

const isRetryableStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** POSTs the signed `order.paid` event to the merchant's URL; every attempt goes to a log. */
export class MerchantWebhookDeliverer implements Deliverer {
  readonly name = "merchant-webhook";
  private readonly keys: RedisKeys;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly options: MerchantWebhookOptions) {
    const protocol = new URL(options.url).protocol;
    if (protocol !== "https:" && protocol !== "http:") {
      throw new Error("merchant webhook URL must be http or https");
    }
    if (!options.secret) throw new Error("merchant webhook secret is empty");
    this.keys = redisKeys(options.prefix);
    this.attempts = Math.max(1, options.attempts ?? 5);
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.log = options.log ?? silentLogger;
    this.now = options.now ?? Date.now;
  }

  async deliver(order: Order): Promise<void> {
    const event = webhookEvent(order);
    const body = JSON.stringify(event);
    let last = "";
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) {
        const ceiling = Math.min(MAX_BACKOFF_MS, this.baseDelayMs * 2 ** (attempt - 2));
        await sleep(Math.random() * ceiling); // full jitter: retries from many orders spread out
      }
      const result = await this.post(event.id, body);
      await this.record(event.id, order.id, attempt, result);
      this.log.debug({ orderId: order.id, attempt, ...result }, "merchant webhook attempt");
      if (result.status !== undefined && result.status >= 200 && result.status < 300) return;
      if (result.status !== undefined && !isRetryableStatus(result.status)) {
        throw new DeliveryRejected(`merchant webhook answered ${result.status}`);
      }
      last = result.error ?? `answered ${result.status}`;
    }
    throw new DeliveryFailed(`merchant webhook failed ${this.attempts} times; last: ${last}`);
  }

  private async post(eventId: string, body: string): Promise<AttemptResult> {
    const timestamp = Math.floor(this.now() / 1000);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
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
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await response.body?.cancel();
      return { status: response.status, ms: elapsed() };
    } catch (error) {
      return { error: this.describe(error), ms: elapsed() };
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
      await this.options.redis.xadd(
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
