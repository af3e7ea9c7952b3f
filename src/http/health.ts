import { type Clock, within } from "../clock.js";
import type { WatcherHealthState } from "../payments/ton/health.js";

/** What readiness is judged on, as read from Redis. */
export interface ReadinessState {
  /** PING answered. */
  redis: boolean;
  /** The watcher's shared record; undefined when it could not be read. */
  watcher: Pick<WatcherHealthState, "lastPollAt"> | undefined;
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
  const lastPollAt = state.watcher?.lastPollAt;
  const pollWithin = POLLS_MISSED * bounds.pollIntervalMs;
  if (state.watcher === undefined) failures.push("watcher: its health record could not be read");
  else if (lastPollAt === undefined) failures.push("watcher: no poll recorded yet");
  else if (now - lastPollAt > pollWithin) {
    failures.push(
      `watcher: last poll ${Math.round((now - lastPollAt) / 1000)} s ago, more than ${POLLS_MISSED} intervals (${pollWithin} ms)`,
    );
  }
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
  const [pong, watcher, backlog] = await Promise.all([
    within(ms, sources.ping()),
    within(ms, sources.watcher()),
    within(ms, sources.backlog()),
  ]);
  return readinessFailures(
    { redis: pong !== undefined, watcher, backlog, bot: sources.bot?.() },
    bounds,
    sources.clock(),
  );
}
