import { Address } from "@ton/core";
import pLimit from "p-limit";
import { type Clock, systemClock } from "../../clock.js";
import { type Logger, silentLogger } from "../../log.js";
import { type Metrics, noMetrics } from "../../metrics.js";
import type { Order } from "../../orders/order.js";
import { OrderNotFound, type OrderStore } from "../../orders/store.js";
import type { RedisClient } from "../../redis/client.js";
import { type RedisKeys, redisKeys } from "../../redis/keys.js";
import { Lease } from "../../redis/lock.js";
import { DUST_USDT_UNITS, type JettonClaim, type JettonClassified } from "../jetton/classify.js";
import type { PaymentsCore, RecordHints } from "../record.js";
import type { UnmatchedPayments, UnmatchedReason } from "../unmatched.js";
import { type Classified, DUST_NANOTONS, type Incoming, unmatchedReason } from "./classify.js";
import type { TransactionSource } from "./client.js";
import { WatcherHealth } from "./health.js";
import type { ObservedTransaction, WalletRole } from "./observed.js";
import { type Cursor, transactionsBackTo, transactionsSince, type WalletPages } from "./paging.js";

/**
 * Money that stayed in the watched wallet, in that wallet's currency: TON or our USDT. `from` is
 * the sender of TON, or the owner who sent the jettons; `amount` is in base units of `currency`.
 */
interface Arrival extends Pick<Incoming, "hash" | "lt" | "time" | "from" | "amount" | "comment"> {
  /** The payment's idempotency key: `ton:<hash>` or `usdt:<hash>`. */
  key: string;
  method: "ton" | "usdt";
  currency: "TON" | "USDT";
}

/** A fetched transaction, as the watcher will apply it. */
type Prepared =
  | { kind: "ignored"; hash: string; lt: bigint; reason: string }
  /** Money to match to an order, whose order is being looked up in the background. */
  | { kind: "arrival"; arrival: Arrival; match?: Promise<Match> }
  /** TON that came with a notification of jettons that never reached our jetton wallet. */
  | { kind: "fake-jetton"; payment: Incoming; claim: JettonClaim }
  /** A jetton notice read while our jetton wallet was not known: judged once it is. */
  | { kind: "held-notice"; hash: string; lt: bigint };

/**
 * Below these, money that matches no order is dust, each in its own base units: a threshold in
 * nanotons would make every USDT payment under a thousand USDT dust.
 */
const DUST: Record<Arrival["currency"], bigint> = { TON: DUST_NANOTONS, USDT: DUST_USDT_UNITS };

/** The order a payment's comment names, as read ahead. */
interface Match {
  orderId: string | undefined;
  order: Order | undefined;
  /** The payment's key is claimed for that order (see OrderStore.claimPayment). */
  claimed: boolean;
}

/**
 * The watcher lease lapses this long after its holder last renewed it. Its holder renews it every
 * third of that, whatever a poll is doing, so only a dead or stalled process loses it; a process
 * started in place of a dead one waits at most this long, plus one poll interval, to take over.
 */
export const WATCHER_LEASE_TTL_MS = 5000;

export type PollResult =
  | { kind: "not-leader" }
  | { kind: "initialised"; cursor: Cursor | undefined }
  | { kind: "idle" }
  | { kind: "gap"; detail: string }
  | { kind: "lost-lease"; processed: number }
  | {
      kind: "processed";
      transactions: number;
      payments: number;
      unmatched: number;
      ignored: number;
      /** Time spent reading toncenter and applying payments, for health and benchmarks. */
      fetchMs: number;
      applyMs: number;
    };

/** What a reconcile pass found; `recovered` and `unmatched` count only what it newly recorded. */
export interface ReconcileResult {
  /** Transactions in the window that the cursor had already passed. */
  scanned: number;
  /** Payments applied to orders that no earlier poll had applied. */
  recovered: number;
  /** Unmatched payments recorded for the admin that no earlier poll had recorded. */
  unmatched: number;
}

interface ApplyCounts {
  payments: number;
  unmatched: number;
  ignored: number;
  /** Of `payments` and `unmatched`, those recorded now rather than found already recorded. */
  newPayments: number;
  newUnmatched: number;
}

export interface WatcherOptions {
  redis: RedisClient;
  prefix: string;
  source: TransactionSource;
  merchant: Address;
  /**
   * Our USDT jetton wallet, when the shop sells in USDT. The merchant's watcher needs it to tell
   * our jetton wallet's notices from fake ones; the jetton wallet's watcher follows it.
   */
  jettonWallet?: Address;
  /**
   * The shop sells in USDT and our jetton wallet is being asked for: until useJettonWallet()
   * names it, or noJettonWallet() says there will be none, a jetton notice on the merchant wallet
   * is held (kept by hash in Redis, the cursor moving on) rather than read before it can be told
   * from a fake; the first poll after that judges the held ones.
   */
  awaitsJettonWallet?: boolean;
  /** The wallet this watcher follows: the merchant's (TON) unless "jetton-wallet" (USDT). */
  role?: WalletRole;
  store: OrderStore;
  payments: PaymentsCore;
  unmatched: UnmatchedPayments;
  /** Items per getTransactions call; toncenter allows 100 and TonClient adds one when paging. */
  pageSize?: number;
  /** Orders applied in parallel; payments to one order stay in chain order. */
  concurrency?: number;
  /** WATCHER_LEASE_TTL_MS by default. */
  leaseTtlMs?: number;
  /** Identifies this process in the lease; random when omitted. */
  owner?: string;
  /** Stamps what the watcher records about its polls. */
  clock?: Clock;
  log?: Logger;
  metrics?: Metrics;
}

/**
 * Polls one of the shop's wallets — the merchant wallet for TON, our jetton wallet for USDT —
 * and applies every incoming payment exactly once (DESIGN §5):
 * page down to the cursor, check the chain is continuous, apply oldest first, and only then move
 * the cursor. A failed page or a gap leaves the cursor where it was, so the next poll retries
 * everything; idempotent payment keys make that retry harmless.
 */
export class PaymentWatcher {
  readonly lease: Lease;
  /** What this wallet's watcher records about its polls, for /admin. */
  readonly health: WatcherHealth;
  private readonly keys: RedisKeys;
  private readonly wallet: string;
  private readonly watched: Address;
  private readonly role: WalletRole;
  /** Our jetton wallet, once known: see useJettonWallet. */
  private jettonWallet: Address | undefined;
  /** See WatcherOptions.awaitsJettonWallet. */
  private awaitsJettonWallet: boolean;
  /** No notice is held any more: set once judgeHeldNotices went through. */
  private heldNoticesJudged = false;
  private readonly pages: WalletPages;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = true;
  /** Renews the lease while start() runs or a poll is under way; see keepLease. */
  private renewal: NodeJS.Timeout | undefined;
  private renewing: Promise<unknown> | undefined;
  private leaseKeepers = 0;
  private stopKeepingLease: (() => void) | undefined;

  private readonly metrics: Metrics;

  constructor(private readonly options: WatcherOptions) {
    this.metrics = options.metrics ?? noMetrics;
    this.keys = redisKeys(options.prefix);
    this.role = options.role ?? "merchant";
    this.jettonWallet = options.jettonWallet;
    this.awaitsJettonWallet = options.awaitsJettonWallet === true && !options.jettonWallet;
    this.watched = this.role === "merchant" ? options.merchant : requireJettonWallet(options);
    // Cursor, lease and health are kept per wallet, so each watched wallet has its own.
    this.wallet = this.watched.toRawString();
    this.pages = {
      source: options.source,
      address: this.watched,
      role: this.role,
      pageSize: Math.min(options.pageSize ?? 99, 99),
    };
    this.health = new WatcherHealth(
      options.redis,
      options.prefix,
      this.wallet,
      options.clock ?? systemClock,
    );
    this.log = (options.log ?? silentLogger).child({ wallet: this.watched.toString() });
    this.lease = new Lease(
      options.redis,
      this.keys.watcherLock(this.wallet),
      options.leaseTtlMs ?? WATCHER_LEASE_TTL_MS,
      options.owner,
    );
  }

  /**
   * Tells the merchant's watcher our jetton wallet once it is known (asked of the master after
   * start): from then on its notices are ignored and any other jetton notification is a fake.
   */
  useJettonWallet(wallet: Address): void {
    this.jettonWallet = wallet;
    this.awaitsJettonWallet = false;
    this.heldNoticesJudged = false;
  }

  /**
   * Our jetton wallet will not be known (USDT_MASTER is not a jetton master): jetton notifications
   * on the merchant wallet are read as the TON they bring, as in a shop that sells no USDT.
   */
  noJettonWallet(): void {
    this.awaitsJettonWallet = false;
    this.heldNoticesJudged = false;
  }

  /**
   * Judges the jetton notices held while our jetton wallet was awaited, now that it is known or
   * known never to be: each is read again from toncenter and applied as any transaction is, then
   * let go. Runs inside a poll, under the lease, apart from it: a failure is logged and leaves
   * the notices held for the next poll, which goes on regardless.
   */
  private async judgeHeldNotices(): Promise<void> {
    if (this.awaitsJettonWallet || this.heldNoticesJudged) return;
    const key = this.keys.watcherHeldNotices(this.wallet);
    try {
      const held = await this.options.redis.hgetall(key);
      for (const [hash, lt] of Object.entries(held)) {
        // From the notice itself, newest first: a few, as a lite server may start a little newer.
        const page = await this.options.source.getTransactions(this.watched, {
          role: this.role,
          limit: 10,
          lt,
          hash,
          inclusive: true,
        });
        const tx = (await page.transactions).find((found) => found.hash === hash);
        if (!tx) throw new Error(`held jetton notice ${hash} was not where its lt ${lt} says`);
        await this.apply([this.prepare(tx)]);
        await this.options.redis.hdel(key, hash);
      }
      this.heldNoticesJudged = true;
    } catch (error) {
      this.log.warn({ err: error }, "held jetton notices not judged yet; next poll tries again");
    }
  }

  async cursor(): Promise<Cursor | undefined> {
    const json = await this.options.redis.get(this.keys.watcherCursor(this.wallet));
    return json ? (JSON.parse(json) as Cursor) : undefined;
  }

  /** One poll. Throws only when toncenter or Redis failed; the cursor then stays put. */
  async pollOnce(): Promise<PollResult> {
    // A long catch-up keeps the lease however long it pages.
    const release = this.keepLease();
    try {
      const result = await this.poll();
      if (result.kind !== "not-leader")
        this.metrics.watcherPolled(result.kind === "gap", this.role);
      return result;
    } catch (error) {
      this.metrics.watcherPolled(true, this.role);
      throw error;
    } finally {
      release();
    }
  }

  /**
   * Renews the lease every third of its TTL while anyone asked for it, until each has called the
   * function returned. A renewal that finds the lease lapsed drops it; the next poll takes it
   * again, with a new fencing token, if nobody else did.
   */
  private keepLease(): () => void {
    if (this.leaseKeepers++ === 0) {
      this.renewal = setInterval(
        () => this.renewLease(),
        Math.max(10, Math.floor(this.lease.ttlMs / 3)),
      );
      this.renewal.unref();
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.leaseKeepers === 0) clearInterval(this.renewal);
    };
  }

  private renewLease(): void {
    // One at a time: with Redis away, renewals would queue up behind each other.
    if (this.renewing !== undefined || this.lease.fence === undefined) return;
    this.renewing = this.lease
      .renew()
      .then((held) => {
        // After a Redis outage, say; the next poll takes the lease again if nobody else has.
        if (!held) this.log.info("watcher lease lapsed before it was renewed");
      })
      .catch(() => undefined)
      .finally(() => {
        this.renewing = undefined;
      });
  }

  private async poll(): Promise<PollResult> {
    if (!(await this.lease.acquire())) return { kind: "not-leader" };
    const cursor = await this.cursor();
    if (!cursor) {
      // First start: begin at the wallet's newest transaction; history is not replayed. A wallet
      // with none yet (our jetton wallet before its first credit, which is the transaction that
      // creates it) starts at lt 0, so that first transaction is applied, not skipped.
      const last = await this.options.source.getLastTransaction(this.watched);
      const start: Cursor = last ?? { lt: "0", hash: "" };
      // Where processing began, so reconcile does not replay what came before either.
      await this.health.markStart(start.lt);
      await this.lease.fencedSet(this.keys.watcherCursor(this.wallet), JSON.stringify(start));
      this.log.info({ cursor: start }, "watcher cursor initialised");
      return { kind: "initialised", cursor: last };
    }

    await this.judgeHeldNotices();
    const fetchStarted = performance.now();
    // Look orders up as pages are decoded, so the work overlaps the wait for the next page.
    const prepared = new Map<string, Prepared>();
    const fetched = await transactionsSince(this.pages, cursor, (tx) => {
      if (!prepared.has(tx.hash)) prepared.set(tx.hash, this.prepare(tx));
    });
    const fetchMs = performance.now() - fetchStarted;
    if (fetched.kind === "gap") {
      this.log.error(
        { cursor, detail: fetched.detail },
        "transaction chain has a gap; poll abandoned",
      );
      await this.health.polled(this.lease.owner, { lastError: fetched.detail });
      return fetched;
    }
    const newestFirst = fetched.transactions;
    const newest = newestFirst[0];
    if (newest === undefined) {
      await this.health.polled(this.lease.owner);
      return { kind: "idle" };
    }

    const oldestFirst = [...newestFirst].reverse();
    const applyStarted = performance.now();
    const { payments, unmatched, ignored } = await this.apply(
      oldestFirst.map((tx) => prepared.get(tx.hash) ?? this.prepare(tx)),
    );
    const applyMs = performance.now() - applyStarted;
    const next: Cursor = { lt: newest.lt.toString(), hash: newest.hash };
    if (!(await this.lease.fencedSet(this.keys.watcherCursor(this.wallet), JSON.stringify(next)))) {
      this.log.warn("lost the watcher lease mid-poll; another process will move the cursor");
      return { kind: "lost-lease", processed: oldestFirst.length };
    }
    await this.health.polled(this.lease.owner, { lastTxAt: newest.now });
    return {
      kind: "processed",
      transactions: oldestFirst.length,
      payments,
      unmatched,
      ignored,
      fetchMs,
      applyMs,
    };
  }

  /**
   * The safety net (DESIGN §9): reads the wallet's transactions from the newest back to
   * `sinceMs` and applies, through the same path as a poll, any that the cursor has passed but
   * that left no record. Normally it finds nothing. Transactions newer than the cursor are left
   * to the poll about to see them, so a recovery always means the cursor path missed something;
   * those from before the watcher's first poll are left alone, as history is not replayed.
   * Needs no lease and never moves the cursor.
   */
  async reconcile(sinceMs: number): Promise<ReconcileResult> {
    const [cursor, startLt] = await Promise.all([this.cursor(), this.health.startLt()]);
    if (!cursor) return { scanned: 0, recovered: 0, unmatched: 0 };
    const cursorLt = BigInt(cursor.lt);
    // No marker: initialised before markers were written, so no lower bound but the window.
    const passed = (await transactionsBackTo(this.pages, sinceMs, startLt ?? -1n)).filter(
      (tx) => tx.lt <= cursorLt,
    );
    const counts = await this.apply(passed.map((tx) => this.prepare(tx)));
    return {
      scanned: passed.length,
      recovered: counts.newPayments,
      unmatched: counts.newUnmatched,
    };
  }

  /** Sorts a transaction out; for money with a text comment, starts looking its order up. */
  private prepare(tx: ObservedTransaction): Prepared {
    const prepared = this.sort(tx.classified);
    if (prepared.kind !== "arrival" || prepared.arrival.comment.type !== "text") return prepared;
    const { arrival } = prepared;
    const { store } = this.options;
    const comment = prepared.arrival.comment.text;
    // The payment key is claimed here too, while later pages are still being read, so the
    // commit that applies the payment need not wait for a claim of its own.
    const match = (async (): Promise<Match> => {
      const orderId = await store.orderIdByComment(comment);
      const order = orderId ? await store.get(orderId) : undefined;
      const claimed =
        orderId !== undefined &&
        !isSpam(arrival, order) &&
        (await store.claimPayment(arrival.key, orderId));
      return { orderId, order, claimed };
    })();
    // Awaited in apply(); a poll abandoned before then must not leave an unhandled rejection.
    match.catch(() => undefined);
    return { kind: "arrival", arrival, match };
  }

  /**
   * What a classified transaction means to the shop. A jetton notification on the merchant
   * wallet is never a TON payment: from our jetton wallet it is a genuine notice (the credit is
   * counted on the jetton wallet's side, which also sees transfers that send no notice at all);
   * from anyone else, while the shop sells in USDT, it is a fake-jetton attempt.
   */
  private sort(classified: Classified | JettonClassified): Prepared {
    if (classified.kind === "ignored") return classified;
    if (classified.kind === "jetton-credit") {
      return { kind: "arrival", arrival: usdtArrival(classified) };
    }
    const { jettonWallet } = this;
    if (classified.claim !== undefined && this.awaitsJettonWallet) {
      return { kind: "held-notice", hash: classified.hash, lt: classified.lt };
    }
    if (classified.claim === undefined || jettonWallet === undefined) {
      return { kind: "arrival", arrival: tonArrival(classified) };
    }
    if (Address.parseRaw(classified.from).equals(jettonWallet)) {
      return { kind: "ignored", hash: classified.hash, lt: classified.lt, reason: "jetton-notice" };
    }
    return { kind: "fake-jetton", payment: classified, claim: classified.claim };
  }

  /** Applies transactions oldest first; orders in parallel, each order's payments in order. */
  private async apply(oldestFirst: Prepared[]): Promise<ApplyCounts> {
    const counts = { payments: 0, unmatched: 0, ignored: 0, newPayments: 0, newUnmatched: 0 };
    const byOrder = new Map<
      string,
      { payments: { payment: Arrival; claimed: boolean }[]; known: Order | undefined }
    >();
    const unmatched: Arrival[] = [];
    const fakes: Extract<Prepared, { kind: "fake-jetton" }>[] = [];
    const held: Extract<Prepared, { kind: "held-notice" }>[] = [];
    for (const prepared of oldestFirst) {
      if (prepared.kind === "ignored") {
        counts.ignored++;
        this.log.debug(
          { txHash: prepared.hash, lt: prepared.lt.toString(), reason: prepared.reason },
          "transaction ignored",
        );
        continue;
      }
      if (prepared.kind === "fake-jetton") {
        fakes.push(prepared);
        continue;
      }
      if (prepared.kind === "held-notice") {
        held.push(prepared);
        continue;
      }
      const { arrival, match } = prepared;
      const found = match ? await match : undefined;
      if (found?.orderId === undefined || isSpam(arrival, found.order)) {
        unmatched.push(arrival);
        continue;
      }
      const entry = { payment: arrival, claimed: found.claimed };
      const group = byOrder.get(found.orderId);
      if (group) group.payments.push(entry);
      else byOrder.set(found.orderId, { payments: [entry], known: found.order });
    }

    const limit = pLimit(this.options.concurrency ?? 32);
    await Promise.all([
      ...[...byOrder].map(([orderId, group]) =>
        limit(async () => {
          // Only the first payment can use the order read ahead; later ones must see its effect.
          let known = group.known;
          for (const { payment, claimed } of group.payments) {
            const { matched, recorded } = await this.applyToOrder(orderId, payment, {
              known,
              claimed,
            });
            known = undefined;
            if (matched) {
              counts.payments++;
              if (recorded) counts.newPayments++;
            } else {
              counts.unmatched++;
              if (recorded) counts.newUnmatched++;
            }
          }
        }),
      ),
      ...unmatched.map((payment) =>
        limit(async () => {
          const reason = unmatchedReason(payment, DUST[payment.currency]);
          if (await this.recordUnmatched(payment, reason)) counts.newUnmatched++;
          counts.unmatched++;
        }),
      ),
      ...fakes.map(({ payment, claim }) =>
        limit(async () => {
          if (await this.recordFakeJetton(payment, claim)) counts.newUnmatched++;
          counts.unmatched++;
        }),
      ),
    ]);
    if (held.length > 0) {
      // Before the cursor moves past them: judged by the first poll once our wallet is known.
      await this.options.redis.hset(
        this.keys.watcherHeldNotices(this.wallet),
        Object.fromEntries(held.map(({ hash, lt }) => [hash, lt.toString()])),
      );
      this.heldNoticesJudged = false;
      counts.ignored += held.length;
      this.log.info(
        { txHashes: held.map(({ hash }) => hash) },
        "jetton notices held until our jetton wallet is known",
      );
    }
    return counts;
  }

  /** `recorded`: false when this payment had already been recorded (a duplicate). */
  private async applyToOrder(
    orderId: string,
    payment: Arrival,
    hints: RecordHints,
  ): Promise<{ matched: boolean; recorded: boolean }> {
    try {
      const { outcome } = await this.options.payments.recordPayment(
        orderId,
        {
          key: payment.key,
          method: payment.method,
          currency: payment.currency,
          amount: payment.amount,
          receivedAt: payment.time * 1000,
          from: payment.from,
          reference: { lt: payment.lt.toString(), hash: payment.hash },
        },
        hints,
      );
      if (outcome.kind !== "duplicate") {
        this.log.info(
          {
            orderId,
            txHash: payment.hash,
            lt: payment.lt.toString(),
            currency: payment.currency,
            outcome: outcome.kind,
          },
          "payment applied",
        );
      }
      return { matched: true, recorded: outcome.kind !== "duplicate" };
    } catch (error) {
      if (!(error instanceof OrderNotFound)) throw error;
      return { matched: false, recorded: await this.recordUnmatched(payment, "order-not-found") };
    }
  }

  /** False when this payment was recorded before. */
  private async recordUnmatched(payment: Arrival, reason: UnmatchedReason): Promise<boolean> {
    const added = await this.options.unmatched.record({
      key: payment.key,
      method: payment.method,
      currency: payment.currency,
      amount: payment.amount,
      receivedAt: payment.time * 1000,
      reason,
      from: payment.from,
      comment: payment.comment.type === "text" ? payment.comment.text : undefined,
      reference: { lt: payment.lt.toString(), hash: payment.hash },
    });
    if (added)
      this.log.warn(
        { txHash: payment.hash, lt: payment.lt.toString(), reason },
        "unmatched payment recorded for the admin",
      );
    return added;
  }

  /**
   * A fake-jetton attempt, kept under the TON it brought with what it claimed beside it, so the
   * admin sees which "USDT" was promised and from whom. False when recorded before.
   */
  private async recordFakeJetton(payment: Incoming, claim: JettonClaim): Promise<boolean> {
    const added = await this.options.unmatched.record({
      key: paymentKey(payment),
      method: "ton",
      currency: "TON",
      amount: payment.amount,
      receivedAt: payment.time * 1000,
      reason: "fake-jetton",
      from: payment.from,
      comment: claim.comment.type === "text" ? claim.comment.text : undefined,
      reference: {
        lt: payment.lt.toString(),
        hash: payment.hash,
        claimedAmount: claim.amount.toString(),
        claimedSender: claim.sender,
      },
    });
    if (added)
      this.log.warn(
        { txHash: payment.hash, lt: payment.lt.toString(), claimedAmount: claim.amount.toString() },
        "fake jetton notification recorded for the admin",
      );
    return added;
  }

  /** Polls every `intervalMs` until stop(); a failed poll is logged and retried next time. */
  start(intervalMs: number): void {
    if (!this.stopped) return;
    this.stopped = false;
    // Between polls too, so a poll interval longer than the lease does not give it up.
    this.stopKeepingLease = this.keepLease();
    const tick = async () => {
      try {
        await this.pollOnce();
      } catch (error) {
        this.log.error({ err: error }, "watcher poll failed; the cursor did not move");
        await this.health.failed(this.lease.owner, error as Error);
      }
      if (!this.stopped) this.timer = setTimeout(run, intervalMs);
    };
    const run = () => {
      this.running = tick();
    };
    run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.stopKeepingLease?.();
    this.stopKeepingLease = undefined;
    await this.renewing;
    await this.lease.release().catch(() => undefined);
  }
}

/** A paid order's comment is public on chain: dust sent with it later is spam, kept as dust. */
function isSpam(payment: Arrival, order: Order | undefined): boolean {
  return payment.amount < DUST[payment.currency] && order?.status !== "pending";
}

/** The idempotency key of a payment found on chain: its method and its transaction's hash. */
export function paymentKey(
  payment: Pick<Incoming, "hash">,
  method: "ton" | "usdt" = "ton",
): string {
  return `${method}:${payment.hash}`;
}

/** TON that stayed on the merchant wallet, as the watcher applies it. */
function tonArrival(payment: Incoming): Arrival {
  return arrival(payment, "ton", "TON");
}

/** USDT credited to our jetton wallet; `from` is the owner who sent it, not their jetton wallet. */
function usdtArrival(credit: Extract<JettonClassified, { kind: "jetton-credit" }>): Arrival {
  return arrival(credit, "usdt", "USDT");
}

function arrival(
  money: Omit<Arrival, "key" | "method" | "currency">,
  method: Arrival["method"],
  currency: Arrival["currency"],
): Arrival {
  const { hash, lt, time, from, amount, comment } = money;
  return {
    key: paymentKey(money, method),
    method,
    currency,
    hash,
    lt,
    time,
    from,
    amount,
    comment,
  };
}

/** The jetton wallet a watcher in that role follows; a watcher without one is a wiring mistake. */
function requireJettonWallet(options: WatcherOptions): Address {
  if (!options.jettonWallet) throw new Error("a jetton wallet watcher needs our jetton wallet");
  return options.jettonWallet;
}
