/** The command line: which mode, which transaction, and the hash in the forms people copy. */
import { parseArgs } from "node:util";
import { PAGE_SIZE } from "./search.js";

/** How far back an online search looks unless told otherwise: 20 pages of 99, ~2,000 transactions. */
const DEFAULT_PAGES = 20;
export const MAX_PAGES = 100_000;

export const EXPLAIN_USAGE = `usage: npm run explain-tx -- <transaction hash or explorer URL> [--pages N] [--json]
       npm run -s explain-tx -- --boc <base64 BOC> [--boc …] [--file <path>] [--json] [--testnet]
With a hash: finds the transaction on MERCHANT_ADDRESS through toncenter (newest first, ${DEFAULT_PAGES}
pages of ${PAGE_SIZE} unless --pages says more), says whether the watcher counts it and why, and
which order it pays. With --boc or --file (one BOC per line): needs no configuration, and reads
each transaction as the wallet it belongs to would.`;

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

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
