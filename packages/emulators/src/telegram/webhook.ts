import type { Update } from "grammy/types";
import type { EmulatorState } from "./state.js";

export interface WebhookStats {
  webhookPushes: number;
}

/** Telegram's longest wait between two attempts at one update (it picks 60–120 s; here 60). */
const MAX_RETRY_DELAY_S = 60;
/** The longest wait a webhook's Retry-After header can ask for. */
const MAX_RETRY_AFTER_S = 3600;
/** A webhook that sends nothing back for this long has failed the attempt. */
const ANSWER_TIMEOUT_MS = 60_000;
/** While Telegram is away, how often the pusher looks whether it is back. */
const OUTAGE_CHECK_MS = 100;

interface Attempts {
  failures: number;
  /** Seconds to wait after the next failure, doubling. */
  delayS: number;
  /** Not sent again before this time. */
  wakeAt: number;
}

/**
 * The queue an update is delivered in, as the Bot API server assigns them: a chat's messages in
 * order, a user's button presses in order, a user's shipping and pre-checkout queries in order;
 * different queues are delivered side by side, up to the webhook's max_connections.
 */
export function webhookQueueOf(update: Update): string {
  const message =
    update.message ?? update.edited_message ?? update.channel_post ?? update.edited_channel_post;
  if (message !== undefined) return `chat:${message.chat.id}`;
  if (update.callback_query !== undefined) return `callback:${update.callback_query.from.id}`;
  const query = update.shipping_query ?? update.pre_checkout_query;
  if (query !== undefined) return `payment-query:${query.from.id}`;
  return `update:${update.update_id}`;
}

/**
 * Pushes pending updates to the webhook as the Bot API server does (telegram-bot-api's
 * WebhookActor): each queue's oldest update first, queues side by side; an update stays pending
 * until the webhook answers 2xx. A failed update is sent again at once the first time, then after
 * 2, 4, 8… seconds up to a minute — or after the seconds of the answer's Retry-After header — and
 * holds up only its own queue meanwhile.
 */
export class WebhookPusher {
  private stopped = false;
  private unsubscribe: (() => void) | undefined;
  /** Update ids being sent now, by queue. */
  private readonly sending = new Map<string, number>();
  private readonly attempts = new Map<number, Attempts>();
  private readonly aborts = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly state: EmulatorState,
    private readonly stats: WebhookStats,
    /** True while Telegram is away: nothing is pushed, and pending updates wait. */
    private readonly away: () => boolean = () => false,
  ) {}

  /** Starts or stops pushing after the webhook setting changed. */
  wake(): void {
    if (this.state.webhook === undefined) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      return;
    }
    this.unsubscribe ??= this.state.queue.onPush(() => this.drain());
    this.drain();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    this.aborts.abort();
  }

  /** Starts every delivery that may start now, and sets a timer for the next retry due. */
  private drain(): void {
    const hook = this.state.webhook;
    if (this.stopped || hook === undefined) return;
    clearTimeout(this.timer);
    if (this.away()) {
      this.timer = setTimeout(() => this.drain(), OUTAGE_CHECK_MS);
      return;
    }
    const now = Date.now();
    let nextWake = Number.POSITIVE_INFINITY;
    const seen = new Set<string>();
    for (const update of this.state.queue.peek(Number.MAX_SAFE_INTEGER)) {
      if (this.sending.size >= hook.maxConnections) break;
      const queue = webhookQueueOf(update);
      if (seen.has(queue)) continue;
      seen.add(queue);
      if (this.sending.has(queue)) continue;
      const wakeAt = this.attempts.get(update.update_id)?.wakeAt ?? 0;
      if (wakeAt > now) {
        nextWake = Math.min(nextWake, wakeAt);
        continue;
      }
      this.sending.set(queue, update.update_id);
      void this.deliver(queue, update);
    }
    if (nextWake !== Number.POSITIVE_INFINITY) {
      this.timer = setTimeout(() => this.drain(), nextWake - now);
    }
  }

  private async deliver(queue: string, update: Update): Promise<void> {
    const hook = this.state.webhook;
    if (hook === undefined) return;
    this.stats.webhookPushes++;
    const outcome = await push(hook.url, hook.secretToken, update, this.aborts.signal);
    this.sending.delete(queue);
    if (this.stopped) return;
    if (outcome.error === undefined) {
      this.attempts.delete(update.update_id);
      this.state.queue.remove(update.update_id);
    } else {
      hook.lastErrorDate = Math.floor(Date.now() / 1000);
      hook.lastErrorMessage = outcome.error;
      this.failed(update.update_id, outcome.retryAfterS);
    }
    this.drain();
  }

  /** telegram-bot-api's on_update_error: at once after the first failure, then doubling. */
  private failed(updateId: number, retryAfterS: number): void {
    const attempts = this.attempts.get(updateId) ?? { failures: 0, delayS: 1, wakeAt: 0 };
    let waitS = Math.min(retryAfterS, MAX_RETRY_AFTER_S);
    if (waitS === 0 && attempts.failures > 0) {
      attempts.delayS = Math.min(MAX_RETRY_DELAY_S, attempts.delayS * 2);
      waitS = attempts.delayS;
    }
    attempts.failures++;
    attempts.wakeAt = Date.now() + waitS * 1000;
    this.attempts.set(updateId, attempts);
  }
}

/** Posts one update; says how it failed in Telegram's words, or nothing on 2xx. */
async function push(
  url: string,
  secret: string | undefined,
  update: Update,
  stop: AbortSignal,
): Promise<{ error?: string; retryAfterS: number }> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret }),
      },
      body: JSON.stringify(update),
      signal: AbortSignal.any([stop, AbortSignal.timeout(ANSWER_TIMEOUT_MS)]),
    });
    await response.arrayBuffer();
    if (response.ok) return { retryAfterS: 0 };
    return {
      error: `Wrong response from the webhook: ${response.status} ${response.statusText}`,
      retryAfterS: retryAfter(response.headers.get("retry-after")),
    };
  } catch (error) {
    return { error: `Connection failed: ${(error as Error).message}`, retryAfterS: 0 };
  }
}

/** A Retry-After header as the server reads it: whole seconds, anything else counts as none. */
function retryAfter(header: string | null): number {
  if (header === null || !/^\d+$/.test(header.trim())) return 0;
  return Number(header.trim());
}
