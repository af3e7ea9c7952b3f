/**
 * `npm run explain-tx`: why a TON transaction was (not) counted, for the day a buyer says "I
 * paid". It reads the transaction with the watcher's own decoder and classifier, then asks the
 * shop's Redis which order the payment is on or would go to, and where the watcher stands.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { Address, Cell, loadTransaction, type Transaction } from "@ton/core";
import { Redis } from "ioredis";
import { formatPrice } from "../bot/format.js";
import { type Config, ConfigError, loadConfig } from "../config.js";
import { RECONCILE_WINDOW_MS } from "../jobs/schedule.js";
import { maskSecrets } from "../log.js";
import { normalizeComment } from "../orders/comment.js";
import { redisKeys } from "../orders/keys.js";
import { type Order, outstanding } from "../orders/order.js";
import { OrderStore } from "../orders/store.js";
import {
  type Comment,
  DUST_NANOTONS,
  type IgnoredReason,
  type Incoming,
  readComment,
  unmatchedReason,
} from "../payments/ton/classify.js";
import { ToncenterClient, type TransactionSource } from "../payments/ton/client.js";
import { inlineDecoder, type TransactionDecoder } from "../payments/ton/decoder.js";
import { ToncenterError, ToncenterRateLimited } from "../payments/ton/errors.js";
import { displayAddress, explorerTxLink } from "../payments/ton/links.js";
import { decodeTransactions, type ObservedTransaction } from "../payments/ton/observed.js";
import { paymentKey } from "../payments/ton/watcher.js";
import {
  type UnmatchedPayment,
  UnmatchedPayments,
  type UnmatchedReason,
} from "../payments/unmatched.js";
import { displayUrl } from "./network.js";

/** How far back an online search looks unless told otherwise: 20 pages of 99, ~2,000 transactions. */
const DEFAULT_PAGES = 20;
/** Items per getTransactions call, as the watcher asks (TonClient adds one when paging). */
const PAGE_SIZE = 99;
const MAX_PAGES = 100_000;

export const EXPLAIN_USAGE = `usage: npm run explain-tx -- <transaction hash or explorer URL> [--pages N] [--json]
       npm run -s explain-tx -- --boc <base64 BOC> [--boc …] [--file <path>] [--json] [--testnet]
With a hash: finds the transaction on MERCHANT_ADDRESS through toncenter (newest first, ${DEFAULT_PAGES}
pages of ${PAGE_SIZE} unless --pages says more), says whether the watcher counts it and why, and
which order it pays. With --boc or --file (one BOC per line): needs no configuration, and reads
each transaction as the wallet it belongs to would.`;

/** Where the person's words go. */
export interface Output {
  /** stdout: the answer. */
  line(text: string): void;
  /** stderr: why there is no answer. */
  problem(text: string): void;
}

// ---------------------------------------------------------------------------------------------
// Arguments

export type ExplainArgs =
  | { ok: true; mode: "online"; hash: string; pages: number; json: boolean }
  | {
      ok: true;
      mode: "offline";
      bocs: string[];
      files: string[];
      json: boolean;
      testnet: boolean;
    }
  | { ok: false; error: string };

export function parseExplainArgs(argv: readonly string[]): ExplainArgs {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  const { values, positionals } = parsed;
  const bocs = values.boc ?? [];
  const files = values.file ?? [];
  const json = values.json ?? false;
  if (bocs.length > 0 || files.length > 0) {
    if (positionals.length > 0 || values.pages !== undefined) {
      return { ok: false, error: "give either a transaction hash, or --boc/--file, not both" };
    }
    return { ok: true, mode: "offline", bocs, files, json, testnet: values.testnet ?? false };
  }
  if (values.testnet) return { ok: false, error: "--testnet goes with --boc or --file" };
  if (positionals.length !== 1) {
    return {
      ok: false,
      error:
        positionals.length === 0
          ? "give a transaction hash, or --boc/--file"
          : `expected one transaction hash, got ${positionals.length}`,
    };
  }
  const input = positionals[0] ?? "";
  const hash = parseTransactionHash(input);
  if (hash === undefined) {
    return {
      ok: false,
      error: `"${clip(input, 80)}" is not a transaction hash: give its 64 hex characters or 44 base64 characters, as tonviewer and toncenter show it, or its explorer URL`,
    };
  }
  let pages = DEFAULT_PAGES;
  if (values.pages !== undefined) {
    if (
      !/^\d+$/.test(values.pages) ||
      Number(values.pages) < 1 ||
      Number(values.pages) > MAX_PAGES
    ) {
      return { ok: false, error: `--pages must be a whole number from 1 to ${MAX_PAGES}` };
    }
    pages = Number(values.pages);
  }
  return { ok: true, mode: "online", hash, pages, json };
}

function parseCommandLine(argv: readonly string[]) {
  // A base64url hash may start with "-"; it is an argument, not an option.
  const dashed = (arg: string) => /^-[A-Za-z0-9_-]{42}=?$/.test(arg);
  const args = argv.filter((arg) => !dashed(arg));
  const hashes = argv.filter(dashed);
  return parseArgs({
    args: hashes.length === 0 ? args : [...args, ...(args.includes("--") ? [] : ["--"]), ...hashes],
    allowPositionals: true,
    strict: true,
    options: {
      boc: { type: "string", multiple: true },
      file: { type: "string", multiple: true },
      json: { type: "boolean" },
      pages: { type: "string" },
      testnet: { type: "boolean" },
    },
  });
}

/**
 * A transaction hash as hex, from the forms people copy: 64 hex characters, base64 or base64url
 * (toncenter, tonscan), or an explorer URL that ends in one or carries it as `?hash=`.
 */
export function parseTransactionHash(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^https?:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      return undefined;
    }
    // A query decodes "+" to a space; in a base64 hash it was a "+".
    const fromQuery = url.searchParams.get("hash")?.replace(/ /g, "+");
    const segments = url.pathname.split("/").filter((segment) => segment !== "");
    const candidates = [fromQuery, ...segments.reverse().flatMap((s) => s.split(":"))];
    for (const candidate of candidates) {
      const hash = candidate === undefined ? undefined : hashToHex(decodeURIComponent(candidate));
      if (hash !== undefined) return hash;
    }
    return undefined;
  }
  return hashToHex(trimmed);
}

function hashToHex(text: string): string | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(text)) return text.toLowerCase();
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (bytes.length === 32) return bytes.toString("hex");
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// One transaction, as the watcher reads it

/** The BOC is not a transaction; the message says what went wrong. */
export class NotATransaction extends Error {
  override name = "NotATransaction";
}

/** What the watcher's decoder and classifier make of one transaction, with what a person needs. */
export interface Explained {
  observed: ObservedTransaction;
  /** The account the transaction belongs to: the merchant wallet, for classification. */
  account: Address;
  /** The inbound internal message's sender, when there is one. */
  from: Address | undefined;
  /** The inbound internal message's body as a comment; undefined for any other transaction. */
  comment: Comment | undefined;
}

/**
 * Explains a transaction BOC (base64, as toncenter serves it as `data`) through the watcher's own
 * decoder. `merchant` defaults to the account the transaction belongs to.
 */
export function explainBoc(boc: string, merchant?: Address): Explained {
  const tx = readTransaction(boc);
  const account = merchant ?? accountOf(tx);
  const [observed] = decodeTransactions([boc.trim()], account.toRawString());
  if (observed === undefined) throw new NotATransaction("nothing decoded");
  const inbound = tx.inMessage;
  return {
    observed,
    account,
    from: inbound?.info.type === "internal" ? inbound.info.src : undefined,
    comment: inbound?.info.type === "internal" ? readComment(inbound.body) : undefined,
  };
}

function readTransaction(boc: string): Transaction {
  const text = boc.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    throw new NotATransaction("not base64");
  }
  try {
    const [root] = Cell.fromBoc(Buffer.from(text, "base64"));
    if (!root) throw new Error("no root cell");
    return loadTransaction(root.beginParse());
  } catch (error) {
    throw new NotATransaction((error as Error).message || "unreadable");
  }
}

/**
 * The account a transaction belongs to. A Transaction carries only the account's 256-bit hash;
 * its workchain comes from the messages, and a tick-tock transaction is on the masterchain.
 */
function accountOf(tx: Transaction): Address {
  const hash = Buffer.from(tx.address.toString(16).padStart(64, "0"), "hex");
  const inbound = tx.inMessage?.info;
  if (inbound && inbound.type !== "external-out") return new Address(inbound.dest.workChain, hash);
  for (const out of tx.outMessages.values()) {
    if (out.info.type !== "external-in") return new Address(out.info.src.workChain, hash);
  }
  return new Address(tx.description.type === "tick-tock" ? -1 : 0, hash);
}

/** Why no money stayed, in the merchant's words. */
const NOT_RECEIVED = {
  "no-inbound-message":
    "no message came in: the network ran this transaction itself (tick-tock or storage)",
  "external-message":
    "it was started by an external message: the wallet's owner sending money out, not a payment in",
  "not-for-merchant": "the incoming message was addressed to another account",
  "from-merchant": "the merchant wallet sent this money to itself, which pays for nothing",
  "bounced-message":
    "the incoming message is a bounce: money the merchant wallet sent out, coming back",
  "not-ordinary":
    "it is not an ordinary transaction (tick-tock, split, merge or storage), which carries no payment",
  "no-value": "the incoming message carried no TON",
  "bounced-back":
    "the wallet sent the money straight back to the sender (bounce phase), so nothing stayed",
} satisfies Record<IgnoredReason, string>;

/** Why a payment matches no order, in the merchant's words. */
const UNMATCHED = {
  "no-comment": "the payment has no comment, so it names no order",
  "unknown-comment": "no order has this comment",
  "encrypted-comment": "the comment is encrypted, which the bot cannot read",
  "binary-comment": "the body is not a text comment",
  "order-not-found": "the comment belongs to an order that no longer exists",
  dust: `the payment is dust: less than ${formatPrice(DUST_NANOTONS, "TON")}, too little to be a purchase`,
} satisfies Record<UnmatchedReason, string>;

function incomingOf(explained: Explained): Incoming | undefined {
  const { classified } = explained.observed;
  return classified.kind === "incoming" ? classified : undefined;
}

/** The JSON line for one transaction: the fields a script relies on. */
function transactionJson(explained: Explained): Record<string, unknown> {
  const { observed, comment, from } = explained;
  const { classified } = observed;
  return {
    hash: observed.hash,
    lt: observed.lt.toString(),
    account: explained.account.toRawString(),
    time: isoTime(observed.now),
    received: classified.kind === "incoming",
    ...(classified.kind === "incoming"
      ? { amount: classified.amount.toString() }
      : { reason: classified.reason }),
    from: from?.toRawString() ?? null,
    comment: comment?.type === "text" ? comment.text : null,
    commentType: comment?.type ?? null,
  };
}

/** The lines every explanation starts with: which transaction, when, from whom, what it says. */
function headerLines(explained: Explained, testnet: boolean): string[] {
  const { observed, from, comment } = explained;
  const lines = [
    `Transaction ${observed.hash}`,
    `  account   ${displayAddress(explained.account, testnet)} (${explained.account.toRawString()})`,
    `  time      ${humanTime(observed.now)} (lt ${observed.lt})`,
  ];
  if (from) lines.push(`  from      ${displayAddress(from, testnet)}`);
  if (comment) lines.push(`  comment   ${describeComment(comment)}`);
  lines.push(`  explorer  ${explorerTxLink(observed.hash, testnet)}`);
  return lines;
}

function receivedLine(explained: Explained): string {
  const { classified } = explained.observed;
  if (classified.kind === "incoming") {
    return `Received: yes, ${formatPrice(classified.amount, "TON")} stayed on the wallet.`;
  }
  return `Received: no (${classified.reason}): ${NOT_RECEIVED[classified.reason]}.`;
}

function describeComment(comment: Comment): string {
  switch (comment.type) {
    case "none":
      return "none";
    case "text":
      return JSON.stringify(comment.text);
    case "encrypted":
      return "encrypted (the bot cannot read it)";
    case "binary":
      return comment.op < 0
        ? "binary (too short for an op code)"
        : `binary, op 0x${comment.op.toString(16).padStart(8, "0")}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Offline: BOCs given on the command line or in files

export interface OfflineArgs {
  bocs: string[];
  files: string[];
  json: boolean;
  testnet: boolean;
}

/** Explains each BOC; 0 when every input was a transaction, 1 otherwise. Needs no configuration. */
export async function explainOffline(args: OfflineArgs, out: Output): Promise<number> {
  const inputs: { label: string; boc: string }[] = args.bocs.map((boc, i) => ({
    label: `boc ${i + 1}`,
    boc,
  }));
  for (const path of args.files) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      out.problem(
        `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? describe(error)}`,
      );
      return 1;
    }
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() !== "") inputs.push({ label: `${path}:${i + 1}`, boc: line.trim() });
    });
  }
  if (inputs.length === 0) {
    out.problem("no transaction BOC given: the files hold only blank lines");
    return 1;
  }

  let failed = 0;
  for (const [i, input] of inputs.entries()) {
    let explained: Explained;
    try {
      explained = explainBoc(input.boc);
    } catch (error) {
      if (!(error instanceof NotATransaction)) throw error;
      failed++;
      const problem = `not a transaction BOC (${error.message})`;
      out.line(
        args.json
          ? JSON.stringify({ input: input.label, error: problem })
          : `✗ ${input.label}: ${problem}`,
      );
      continue;
    }
    if (args.json) {
      const incoming = incomingOf(explained);
      // Offline no order is looked up: how the watcher records it if none matches.
      const unmatched = incoming ? { unmatchedReason: unmatchedReason(incoming) } : {};
      out.line(JSON.stringify({ ...transactionJson(explained), ...unmatched }));
      continue;
    }
    if (i > 0) out.line("");
    for (const line of headerLines(explained, args.testnet)) out.line(line);
    out.line(receivedLine(explained));
    const incoming = incomingOf(explained);
    if (incoming) {
      const reason = unmatchedReason(incoming);
      const named = orderCodeOf(explained.comment);
      out.line(
        named
          ? `Order:    its comment is the order code ${named}; offline, orders are not looked up (run with the hash instead).`
          : `Order:    none can match: ${UNMATCHED[reason]}; the watcher records it for the admins as ${reason}.`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}

function orderCodeOf(comment: Comment | undefined): string | undefined {
  return comment?.type === "text" ? normalizeComment(comment.text) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Online: the merchant wallet through toncenter, the shop through Redis

export type Search =
  | { kind: "found"; boc: string; searched: number }
  | {
      kind: "not-found";
      /** Transactions looked at. */
      searched: number;
      /** True when the wallet's first transaction was reached. */
      complete: boolean;
      /** Block time of the oldest transaction looked at, seconds. */
      oldestTime: number | undefined;
    };

/**
 * toncenter cannot look a transaction up by its hash alone, so this pages back through the
 * wallet's history from the newest, as the watcher's reconcile does, for at most `pages` pages.
 * Each page is decoded by the watcher's decoder; the found transaction's BOC comes back.
 */
export async function searchWallet(
  connect: (decoder: TransactionDecoder) => TransactionSource,
  merchant: Address,
  hash: string,
  pages: number,
): Promise<Search> {
  const bocs = new Map<string, string>();
  const source = connect({
    decode: async (page, wallet) => {
      const decoded = await inlineDecoder.decode(page, wallet);
      decoded.forEach((tx, i) => {
        if (tx.hash === hash) bocs.set(tx.hash, page[i] ?? "");
      });
      return decoded;
    },
    close: async () => undefined,
  });
  let anchor: ObservedTransaction | undefined;
  let searched = 0;
  for (let page = 0; page < pages; page++) {
    const fetched = await source.getTransactions(merchant, {
      limit: PAGE_SIZE,
      lt: anchor?.lt.toString(),
      hash: anchor?.hash,
    });
    // A page may repeat newer items; only strictly older ones are new.
    const older = (await fetched.transactions).filter(
      (tx) => anchor === undefined || tx.lt < anchor.lt,
    );
    const found = older.findIndex((tx) => tx.hash === hash);
    const boc = bocs.get(hash);
    if (found >= 0 && boc) return { kind: "found", boc, searched: searched + found + 1 };
    searched += older.length;
    const oldest = older.reduce<ObservedTransaction | undefined>(
      (min, tx) => (min === undefined || tx.lt < min.lt ? tx : min),
      undefined,
    );
    if (oldest === undefined) {
      return { kind: "not-found", searched, complete: true, oldestTime: anchor?.now };
    }
    anchor = oldest;
    if (oldest.prevLt === 0n) {
      return { kind: "not-found", searched, complete: true, oldestTime: oldest.now };
    }
  }
  return { kind: "not-found", searched, complete: false, oldestTime: anchor?.now };
}

/** Where an order stands. */
interface OrderFacts {
  orderId: string;
  /** Undefined when the id is known but the order is gone. */
  order: Order | undefined;
}

/** What the shop's Redis knows about a transaction. */
export interface ShopRecord {
  /** The order the payment was applied to (its `ton:<hash>` key), when it was. */
  appliedTo: OrderFacts | undefined;
  /** The unmatched-payment record, when the watcher kept it for the admins. */
  unmatched: UnmatchedPayment | undefined;
  /** The order the comment names, when it names one. */
  byComment: OrderFacts | undefined;
  /** The watcher's cursor on this wallet and the lt it started at. */
  cursorLt: bigint | undefined;
  startLt: bigint | undefined;
}

export async function readShopRecord(
  redis: Redis,
  prefix: string,
  merchant: Address,
  explained: Explained,
): Promise<ShopRecord> {
  const store = new OrderStore(redis, { prefix });
  const unmatched = new UnmatchedPayments(redis, prefix);
  const keys = redisKeys(prefix);
  const wallet = merchant.toRawString();
  const key = paymentKey(explained.observed);
  const facts = async (orderId: string | undefined): Promise<OrderFacts | undefined> =>
    orderId === undefined ? undefined : { orderId, order: await store.get(orderId) };
  const text = explained.comment?.type === "text" ? explained.comment.text : undefined;
  const [appliedTo, unmatchedRecord, byComment, cursor, startLt] = await Promise.all([
    store.orderIdByPayment(key).then(facts),
    unmatched.get(key),
    text === undefined ? undefined : store.orderIdByComment(text).then(facts),
    redis.get(keys.watcherCursor(wallet)),
    redis.hget(keys.watcherHealth(wallet), "startLt"),
  ]);
  return {
    appliedTo,
    unmatched: unmatchedRecord,
    byComment,
    cursorLt: cursor ? BigInt((JSON.parse(cursor) as { lt: string }).lt) : undefined,
    startLt: startLt === null ? undefined : BigInt(startLt),
  };
}

/** Where the watcher stands with this transaction. */
export type WatcherState =
  /** Applied to an order or kept as an unmatched payment. */
  | "recorded"
  /** No money stayed: nothing to record. */
  | "ignored"
  /** No cursor for this wallet under this REDIS_PREFIX: the watcher never ran here. */
  | "not-started"
  /** Before the lt the watcher started at: history is not replayed. */
  | "before-start"
  /** Newer than the cursor: the next poll applies it. */
  | "not-reached"
  /** The cursor passed it and nothing was recorded: the reconcile job should recover it. */
  | "missed";

export function watcherState(explained: Explained, record: ShopRecord): WatcherState {
  if (record.appliedTo || record.unmatched) return "recorded";
  if (!incomingOf(explained)) return "ignored";
  const lt = explained.observed.lt;
  if (record.cursorLt === undefined) return "not-started";
  if (record.startLt !== undefined && lt <= record.startLt) return "before-start";
  if (lt > record.cursorLt) return "not-reached";
  return "missed";
}

/** Where the watcher puts a received payment it has not recorded yet. */
type Destination =
  | { kind: "order"; orderId: string }
  | { kind: "unmatched"; reason: UnmatchedReason };

function destinationOf(incoming: Incoming, record: ShopRecord): Destination {
  const byComment = record.byComment;
  if (!byComment) return { kind: "unmatched", reason: unmatchedReason(incoming) };
  if (!byComment.order) return { kind: "unmatched", reason: "order-not-found" };
  return { kind: "order", orderId: byComment.orderId };
}

function orderLine(facts: OrderFacts): string {
  const order = facts.order;
  if (!order) return `${facts.orderId}, which no longer exists`;
  const named = order.comment ? `${order.id} (${order.comment})` : order.id;
  const exceptions = order.exceptions.length > 0 ? `, ${order.exceptions.join(", ")}` : "";
  const money = `price ${formatPrice(order.amount, order.currency)}, received ${formatPrice(order.paid, order.currency)}`;
  const owed =
    order.status === "pending"
      ? `, owes ${formatPrice(outstanding(order), order.currency)}; expires ${humanTime(order.expiresAt / 1000)}`
      : "";
  return `${named} is ${order.status}${exceptions}: ${money}${owed}`;
}

function orderJson(facts: OrderFacts | undefined): Record<string, unknown> | null {
  if (!facts) return null;
  const order = facts.order;
  if (!order) return { id: facts.orderId, exists: false };
  return {
    id: order.id,
    exists: true,
    comment: order.comment ?? null,
    status: order.status,
    exceptions: order.exceptions,
    currency: order.currency,
    amount: order.amount.toString(),
    paid: order.paid.toString(),
    owed: outstanding(order).toString(),
  };
}

function attachCommand(hash: string): string {
  return `/attach ${paymentKey({ hash })} <order id or comment>`;
}

/** What the shop makes of the transaction: the order it pays and where the watcher stands. */
function shopLines(explained: Explained, record: ShopRecord): string[] {
  const hash = explained.observed.hash;
  const incoming = incomingOf(explained);
  const state = watcherState(explained, record);
  const lines: string[] = [];
  const order = record.appliedTo ?? record.byComment;
  if (order) lines.push(`Order:    ${orderLine(order)}.`);
  else if (incoming) {
    const named = orderCodeOf(explained.comment);
    const why = named ? `no order has the comment ${named}` : UNMATCHED[unmatchedReason(incoming)];
    lines.push(`Order:    none: ${why}.`);
  }

  const unmatched = record.unmatched;
  switch (state) {
    case "recorded":
      if (record.appliedTo) {
        lines.push(`Watcher:  recorded; this payment is on order ${record.appliedTo.orderId}.`);
      } else if (unmatched?.resolved?.orderId) {
        lines.push(
          `Watcher:  recorded as an unmatched payment (${unmatched.reason}), since attached to order ${unmatched.resolved.orderId} by an admin.`,
        );
      } else if (unmatched?.resolved) {
        lines.push(
          `Watcher:  recorded as an unmatched payment (${unmatched.reason}), since closed by an admin.`,
        );
      } else if (unmatched) {
        lines.push(
          `Watcher:  already recorded as an unmatched payment (${unmatched.reason}).`,
          `          To put it on an order, send the bot: ${attachCommand(hash)}`,
        );
      }
      break;
    case "ignored":
      lines.push("Watcher:  ignores it: no money stayed, so there is nothing to record.");
      break;
    case "not-started":
      lines.push(
        "Watcher:  has never run on this wallet with this REDIS_URL and REDIS_PREFIX (no cursor): is the bot running with this configuration?",
      );
      break;
    case "before-start":
      lines.push(
        `Watcher:  will not record it: it came before the watcher started on this wallet (lt ${record.startLt}), and history is not replayed.`,
      );
      break;
    case "not-reached":
    case "missed": {
      if (!incoming) break;
      const reconcilable = incoming.time * 1000 >= Date.now() - RECONCILE_WINDOW_MS;
      const window = `${RECONCILE_WINDOW_MS / 3_600_000} hours`;
      if (state === "missed" && !reconcilable) {
        lines.push(
          `Watcher:  passed it without a record, which should not happen, and it is older than the reconcile job's ${window}: nothing will record it by itself. Look for ${hash} in the bot's log.`,
        );
        break;
      }
      const where =
        state === "not-reached"
          ? `not recorded yet: its cursor (lt ${record.cursorLt}) is before this transaction, so the next poll`
          : `passed it without a record, which should not happen; the reconcile job, which re-reads the last ${window}, soon`;
      const destination = destinationOf(incoming, record);
      if (destination.kind === "order") {
        lines.push(`Watcher:  ${where} applies it to order ${destination.orderId}.`);
        break;
      }
      lines.push(
        `Watcher:  ${where} records it for the admins as an unmatched payment (${destination.reason}).`,
        `          Then put it on an order with: ${attachCommand(hash)}`,
      );
      break;
    }
  }
  return lines;
}

function shopJson(explained: Explained, record: ShopRecord): Record<string, unknown> {
  const incoming = incomingOf(explained);
  const unmatched = record.unmatched;
  return {
    order: orderJson(record.appliedTo ?? record.byComment),
    recorded: record.appliedTo ? "order" : unmatched ? "unmatched" : null,
    unmatched: unmatched
      ? {
          reason: unmatched.reason,
          resolved: unmatched.resolved !== undefined,
          attachedTo: unmatched.resolved?.orderId ?? null,
        }
      : null,
    watcher: watcherState(explained, record),
    ...(incoming && !record.appliedTo && !unmatched
      ? { destination: destinationOf(incoming, record) }
      : {}),
  };
}

export interface OnlineArgs {
  hash: string;
  pages: number;
  json: boolean;
}

/**
 * Finds the transaction on the configured merchant wallet and says how the watcher classifies it
 * and which order it pays. 0 when found, 1 when not found or the setup is not usable.
 */
export async function explainOnline(
  args: OnlineArgs,
  env: Record<string, string | undefined>,
  out: Output,
): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out.problem(`Configuration error: ${error.message}`);
    return 1;
  }
  const merchant = config.merchantAddress;
  if (!merchant) {
    out.problem(
      "MERCHANT_ADDRESS is not set: set it to the wallet that receives payments, where the transaction is looked up.",
    );
    return 1;
  }
  const redis = await connectRedis(config.redisUrl);
  if (!(redis instanceof Redis)) {
    out.problem(
      `Redis unreachable at ${displayUrl(config.redisUrl)} (${redis.cause}): start redis-server, or set REDIS_URL to the shop's Redis.`,
    );
    return 1;
  }
  try {
    let search: Search;
    try {
      search = await searchWallet(
        (decoder) =>
          new ToncenterClient({
            endpoint: config.toncenterEndpoint,
            apiKey: config.toncenterApiKey,
            rps: config.toncenterRps,
            retries: 3,
            maxBackoffMs: 2_000,
            decoder,
          }),
        merchant,
        args.hash,
        args.pages,
      );
    } catch (error) {
      out.problem(toncenterProblem(error, config));
      return 1;
    }
    const testnet = config.tonNetwork === "testnet";
    if (search.kind === "not-found") {
      printNotFound(args, search, displayAddress(merchant, testnet), out);
      return 1;
    }
    const explained = explainBoc(search.boc, merchant);
    const record = await readShopRecord(redis, config.redisPrefix, merchant, explained);
    if (args.json) {
      out.line(
        JSON.stringify({
          ...transactionJson(explained),
          explorer: explorerTxLink(explained.observed.hash, testnet),
          ...shopJson(explained, record),
        }),
      );
      return 0;
    }
    for (const line of headerLines(explained, testnet)) out.line(line);
    out.line(receivedLine(explained));
    for (const line of shopLines(explained, record)) out.line(line);
    return 0;
  } finally {
    redis.disconnect();
  }
}

function printNotFound(
  args: OnlineArgs,
  search: Extract<Search, { kind: "not-found" }>,
  wallet: string,
  out: Output,
): void {
  if (args.json) {
    out.line(
      JSON.stringify({
        hash: args.hash,
        found: false,
        searched: search.searched,
        complete: search.complete,
      }),
    );
    return;
  }
  const back = search.oldestTime === undefined ? "" : `, back to ${humanTime(search.oldestTime)}`;
  if (search.complete) {
    out.line(
      `Not found: transaction ${args.hash} is not in the whole history of the merchant wallet ${wallet} (${search.searched} transactions${back}). It went to another wallet, or to another network than TON_NETWORK.`,
    );
    return;
  }
  out.line(
    `Not found among the newest transactions of the merchant wallet ${wallet} (${search.searched} transactions${back}). To look further back, run again with --pages ${Math.min(args.pages * 5, MAX_PAGES)} (${PAGE_SIZE} transactions a page).`,
  );
}

/** A connected client, or why there is none. */
async function connectRedis(url: string): Promise<Redis | { cause: string }> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 10_000,
    commandTimeout: 10_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // connect() only says "Connection is closed."; the cause (ECONNREFUSED, auth) comes as an event.
  let cause: unknown;
  redis.on("error", (error: unknown) => {
    cause ??= error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    return { cause: maskSecrets(describe(cause ?? error)) };
  }
}

function toncenterProblem(error: unknown, config: Config): string {
  const at = displayUrl(config.toncenterEndpoint);
  const key = config.toncenterApiKey;
  const masked = maskSecrets(describe(error));
  const detail = key && key.length >= 4 ? masked.split(key).join("<redacted>") : masked;
  if (error instanceof ToncenterRateLimited) {
    return `toncenter at ${at} keeps refusing with 429 (${detail}): set TONCENTER_API_KEY (from @tonapibot) or lower TONCENTER_RPS.`;
  }
  if (error instanceof ToncenterError && (error.status === 401 || error.status === 403)) {
    return `toncenter at ${at} refused the key (${error.status}): check TONCENTER_API_KEY.`;
  }
  return `toncenter unreachable at ${at} (${detail}): check the network and TONCENTER_ENDPOINT (leave it empty for toncenter's own).`;
}

// ---------------------------------------------------------------------------------------------

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function humanTime(seconds: number): string {
  return `${isoTime(seconds).replace("T", " ").replace("Z", "")} UTC`;
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.split("\n")[0] ?? text;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
