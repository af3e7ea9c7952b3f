import { type Clock, within } from "../clock.js";
import type { WatcherHealthState } from "../payments/ton/health.js";

/** What readiness is judged on, as read from Redis. */
export interface ReadinessState {
  /** PING answered. */
  redis: boolean;
  /** The watcher's shared record; undefined when it could not be read. */
  watcher: Pick<WatcherHealthState, "lastPollAt"> | undefined;
  /**
   * For a shop following our jetton wallet, that watcher's record, as `watcher`. A shop still
   * asking for the wallet, or told USDT_MASTER is not a jetton master, offers no USDT and sells
   * in its other currencies: that is for /admin health to say, not a reason to take it out of
   * service.
   */
  usdt?: { watcher: Pick<WatcherHealthState, "lastPollAt"> | undefined };
  /** The fulfilment queue; undefined when it could not be read. */
  backlog: { depth: number; oldestInHandAt?: number } | undefined;
  /** Whether this process takes updates; undefined counts as taking them. */
  bot?: BotPhase;
}

/** Where this process's bot is: not yet taking updates, taking them, or done taking them. */
export type BotPhase = "starting" | "running" | "stopping";

export interface ReadinessBounds {
  pollIntervalMs: number;
  /**
   * A job still in hand this long after it was queued means the worker is stuck: ten attempts
   * at most 30 s apart are long over, and it was neither delivered nor moved to the dead stream.
   */
  stuckAfterMs?: number;
}

export const STUCK_AFTER_MS = 15 * 60_000;
/** Some process polled within this many intervals: only one leads, any may answer /readyz. */
const POLLS_MISSED = 3;

/** One line per failing check, in plain words; empty when the shop is ready. */
export function readinessFailures(
  state: ReadinessState,
  bounds: ReadinessBounds,
  now: number,
): string[] {
  const failures: string[] = [];
  if (state.bot === "starting") failures.push("bot: starting, not taking updates yet");
  else if (state.bot === "stopping") failures.push("bot: stopping, no longer taking updates");
  if (!state.redis) failures.push("redis: no answer to PING");
  const pollWithin = POLLS_MISSED * bounds.pollIntervalMs;
  const polled = (name: string, record: Pick<WatcherHealthState, "lastPollAt"> | undefined) => {
    const lastPollAt = record?.lastPollAt;
    if (record === undefined) failures.push(`${name}: its health record could not be read`);
    else if (lastPollAt === undefined) failures.push(`${name}: no poll recorded yet`);
    else if (now - lastPollAt > pollWithin) {
      failures.push(
        `${name}: last poll ${Math.round((now - lastPollAt) / 1000)} s ago, more than ${POLLS_MISSED} intervals (${pollWithin} ms)`,
      );
    }
  };
  polled("watcher", state.watcher);
  if (state.usdt) polled("usdt watcher", state.usdt.watcher);
  const stuckAfterMs = bounds.stuckAfterMs ?? STUCK_AFTER_MS;
  const backlog = state.backlog;
  if (backlog === undefined) failures.push("fulfilment: the queue could not be read");
  else if (
    backlog.depth > 0 &&
    backlog.oldestInHandAt !== undefined &&
    now - backlog.oldestInHandAt > stuckAfterMs
  ) {
    failures.push(
      `fulfilment: a job queued ${Math.round((now - backlog.oldestInHandAt) / 1000)} s ago is still in hand (bound ${stuckAfterMs / 1000} s)`,
    );
  }
  return failures;
}

export interface ReadinessSources {
  ping(): Promise<unknown>;
  watcher(): Promise<Pick<WatcherHealthState, "lastPollAt">>;
  /** Our jetton wallet's watcher record, as `watcher`; undefined while there is no such watcher. */
  usdtWatcher?(): Promise<Pick<WatcherHealthState, "lastPollAt">> | undefined;
  backlog(): Promise<{ depth: number; oldestInHandAt?: number }>;
  bot?(): BotPhase;
  clock: Clock;
  /** How long each read may take: with Redis away, commands wait rather than fail. */
  timeoutMs?: number;
}

const READ_WITHIN_MS = 1000;

/** Reads the state and judges it; never rejects. */
export async function checkReadiness(
  sources: ReadinessSources,
  bounds: ReadinessBounds,
): Promise<string[]> {
  const ms = sources.timeoutMs ?? READ_WITHIN_MS;
  const usdt = sources.usdtWatcher?.();
  const [pong, watcher, backlog, usdtWatcher] = await Promise.all([
    within(ms, sources.ping()),
    within(ms, sources.watcher()),
    within(ms, sources.backlog()),
    usdt && within(ms, usdt),
  ]);
  return readinessFailures(
    {
      redis: pong !== undefined,
      watcher,
      ...(usdt !== undefined && { usdt: { watcher: usdtWatcher } }),
      backlog,
      bot: sources.bot?.(),
    },
    bounds,
    sources.clock(),
  );
}
