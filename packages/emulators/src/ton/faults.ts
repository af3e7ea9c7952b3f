/** What can go wrong on the way to toncenter, decided per request. */
export interface FaultPlan {
  /** Seed of the PRNG behind every random decision; changing it restarts the sequence. */
  seed: number;
  /** Probability (0..1) that a request is answered 429. */
  rateLimitRate: number;
  /** Probability (0..1) that a request is answered 500 LITE_SERVER_UNKNOWN. */
  serverErrorRate: number;
  /** Delay added before every answer. */
  latencyMs: number;
  /** 0 = off; otherwise getTransactions returns at most this many items even when more exist. */
  shortPageMax: number;
  /** Probability that an anchored getTransactions page starts one or more items newer than its anchor. */
  duplicateRate: number;
  /** 0 = off; otherwise a token bucket allowing this many requests per second, 429 beyond it. */
  rps: number;
  /** Scripted failures for the next requests, consumed in order. */
  failNext: InjectedFault[];
}

export type InjectedFault = "429" | "500" | "timeout";

export function noFaults(): FaultPlan {
  return {
    seed: 1,
    rateLimitRate: 0,
    serverErrorRate: 0,
    latencyMs: 0,
    shortPageMax: 0,
    duplicateRate: 0,
    rps: 0,
    failNext: [],
  };
}

/** Small, fast, seedable PRNG (mulberry32); returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Allows `rate` requests per second with bursts of up to one second's worth. */
class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly rate: number,
    nowMs: number,
  ) {
    this.tokens = rate;
    this.refilledAt = nowMs;
  }

  take(nowMs: number): boolean {
    const elapsed = Math.max(0, nowMs - this.refilledAt) / 1000;
    this.tokens = Math.min(this.rate, this.tokens + elapsed * this.rate);
    this.refilledAt = nowMs;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Turns a FaultPlan into decisions. The plan object is shared with the caller and may be edited
 * at any time; every decision reads it afresh.
 */
export class FaultInjector {
  private random: () => number;
  private seededWith: number;
  private bucket: TokenBucket | undefined;

  constructor(readonly plan: FaultPlan) {
    this.seededWith = plan.seed;
    this.random = mulberry32(plan.seed);
  }

  /** Starts the random sequence over from `plan.seed`, so a run can be repeated exactly. */
  restart(): void {
    this.seededWith = this.plan.seed;
    this.random = mulberry32(this.plan.seed);
  }

  /** The fault, if any, that the next request suffers. */
  nextFault(nowMs: number): InjectedFault | undefined {
    this.reseedIfChanged();
    const scripted = this.plan.failNext.shift();
    if (scripted !== undefined) return scripted;
    if (!this.withinRateLimit(nowMs)) return "429";
    if (this.plan.rateLimitRate > 0 && this.random() < this.plan.rateLimitRate) return "429";
    if (this.plan.serverErrorRate > 0 && this.random() < this.plan.serverErrorRate) return "500";
    return undefined;
  }

  /** How many items a getTransactions page may hold at most, beyond the client's own limit. */
  pageCap(): number {
    return this.plan.shortPageMax > 0 ? this.plan.shortPageMax : Number.POSITIVE_INFINITY;
  }

  /** How many already-seen items (of `available` newer than the anchor) to repeat on a page. */
  repeatNewer(available: number): number {
    this.reseedIfChanged();
    if (available <= 0 || this.plan.duplicateRate <= 0) return 0;
    if (this.random() >= this.plan.duplicateRate) return 0;
    return 1 + Math.floor(this.random() * Math.min(3, available));
  }

  private withinRateLimit(nowMs: number): boolean {
    const rps = this.plan.rps;
    if (rps <= 0) {
      this.bucket = undefined;
      return true;
    }
    if (this.bucket?.rate !== rps) this.bucket = new TokenBucket(rps, nowMs);
    return this.bucket.take(nowMs);
  }

  private reseedIfChanged(): void {
    if (this.plan.seed !== this.seededWith) this.restart();
  }
}
