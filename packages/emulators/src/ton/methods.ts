import { Address, beginCell, Cell, loadMessage, type Transaction, type TupleItem } from "@ton/core";
import { WalletContractV4, WalletContractV5R1 } from "@ton/ton";
import {
  AccountNotActiveError,
  type AccountState,
  type EmulatedChain,
  MessageRejectedError,
} from "./chain.js";
import type { FaultInjector } from "./faults.js";
import { masterBlockId, stackJson, transactionId, transactionJson, ZERO_HASH } from "./format.js";

/** An answer toncenter gives as `{"ok":false,"error":…,"code":status}` with that HTTP status. */
export class ToncenterError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ToncenterError";
  }
}

export type Params = Record<string, unknown>;
/** A method's `result`, already serialized to JSON. */
type Handler = (params: Params) => Promise<string>;

const MAX_TRANSACTIONS_PER_PAGE = 100;
const DEFAULT_TRANSACTIONS_PER_PAGE = 10;
/** tonlib's exit code for running a get-method on an account without code. */
const EXIT_CODE_NOT_ACTIVE = -13;

const KNOWN_WALLETS = knownWalletCodes();

/**
 * The toncenter v2 methods the emulator answers, by name. getTransactions consults `faults`
 * for short pages and repeated items; everything else is fault-free at this level.
 */
export function toncenterMethods(
  chain: EmulatedChain,
  faults: FaultInjector,
): ReadonlyMap<string, Handler> {
  // Serialized once per transaction: catch-up readers page through tens of thousands.
  const itemCache = new WeakMap<Transaction, string>();
  const itemJson = (tx: Transaction, account: Address): string => {
    let json = itemCache.get(tx);
    if (json === undefined) {
      json = transactionJson(tx, account);
      itemCache.set(tx, json);
    }
    return json;
  };

  const getTransactions: Handler = async (params) => {
    const address = addressParam(params, "address");
    const limit = limitParam(params.limit);
    const lt = optionalIntParam(params, "lt");
    const hash = optionalHashParam(params.hash);
    const toLt = optionalIntParam(params, "to_lt") ?? 0n;
    if (lt !== undefined && lt < 0n) throw new ToncenterError(422, "lt should be non-negative");
    // Like toncenter's C++ API: lt 0 counts as no lt, and an anchor needs both lt and hash.
    const anchorLt = lt === 0n ? undefined : lt;
    if ((anchorLt === undefined) !== (hash === undefined)) {
      throw new ToncenterError(422, "lt and hash should be used together");
    }
    const ledger = chain.transactions(address);

    // Without an anchor the listing starts at the newest transaction.
    let start = ledger.length - 1;
    if (anchorLt !== undefined && hash !== undefined) {
      const anchor = indexOfLt(ledger, anchorLt);
      if (anchor < 0) {
        throw new ToncenterError(
          500,
          "LITE_SERVER_UNKNOWN: cannot compute block with specified transaction: lt not in db",
        );
      }
      if (!(ledger[anchor] as Transaction).hash().equals(hash)) {
        throw new ToncenterError(500, "LITE_SERVER_UNKNOWN: transaction hash mismatch");
      }
      start = anchor + faults.repeatNewer(ledger.length - 1 - anchor);
    }

    const count = Math.min(limit, faults.pageCap());
    const items: string[] = [];
    for (let i = start; i >= 0 && items.length < count; i--) {
      const tx = ledger[i] as Transaction;
      if (tx.lt <= toLt) break;
      items.push(itemJson(tx, address));
    }
    return `[${items.join(",")}]`;
  };

  const getAddressInformation: Handler = async (params) => {
    const address = addressParam(params, "address");
    const info = await chain.account(address);
    return JSON.stringify({
      "@type": "raw.fullAccountState",
      balance: info.balance.toString(),
      extra_currencies: [],
      code: info.code ? info.code.toBoc().toString("base64") : "",
      data: info.data ? info.data.toBoc().toString("base64") : "",
      last_transaction_id: lastTransactionId(info.lastTransaction),
      block_id: masterBlockId(chain.blockSeqno),
      frozen_hash: info.frozenHash ? info.frozenHash.toString("base64") : "",
      sync_utime: chain.now,
      state: toncenterState(info.state),
      // Set for a handful of listed masterchain accounts; false for every other.
      suspended: false,
    });
  };

  // toncenter reads seqno and wallet id straight from the data of the wallet codes it knows.
  const getWalletInformation: Handler = async (params) => {
    const address = addressParam(params, "address");
    const info = await chain.account(address);
    const walletType = info.code ? KNOWN_WALLETS.get(info.code.hash().toString("hex")) : undefined;
    const answer: Record<string, unknown> = {
      "@type": "ext.accounts.walletInformation",
      wallet: false,
      balance: info.balance.toString(),
      account_state: toncenterState(info.state),
      last_transaction_id: lastTransactionId(info.lastTransaction),
    };
    if (walletType !== undefined && info.data) {
      const data = info.data.beginParse();
      answer.wallet = true;
      answer.wallet_type = walletType;
      if (walletType === "wallet v5 r1") answer.is_signature_allowed = data.loadBit();
      answer.seqno = data.loadInt(32);
      answer.wallet_id = data.loadInt(32);
    }
    return JSON.stringify(answer);
  };

  const getAddressBalance: Handler = async (params) => {
    const info = await chain.account(addressParam(params, "address"));
    return JSON.stringify(info.balance.toString());
  };

  const getAddressState: Handler = async (params) => {
    const info = await chain.account(addressParam(params, "address"));
    return JSON.stringify(toncenterState(info.state));
  };

  const runGetMethod: Handler = async (params) => {
    const address = addressParam(params, "address");
    const method = methodParam(params.method);
    const stack = stackParam(params.stack);
    const info = await chain.account(address);
    let outcome: { exitCode: number; gasUsed: bigint; stack: TupleItem[] };
    try {
      outcome = await chain.runGetMethod(address, method, stack);
    } catch (error) {
      if (!(error instanceof AccountNotActiveError)) throw error;
      outcome = { exitCode: EXIT_CODE_NOT_ACTIVE, gasUsed: 0n, stack: [] };
    }
    return JSON.stringify({
      "@type": "smc.runResult",
      gas_used: Number(outcome.gasUsed),
      stack: stackJson(outcome.stack),
      exit_code: outcome.exitCode,
      block_id: masterBlockId(chain.blockSeqno),
      last_transaction_id: lastTransactionId(info.lastTransaction),
    });
  };

  /** Returns the hash of the accepted message's root cell. */
  const sendBoc = async (params: Params): Promise<Buffer> => {
    const boc = Buffer.from(stringParam(params, "boc"), "base64");
    try {
      await chain.sendBoc(boc);
    } catch (error) {
      if (!(error instanceof MessageRejectedError)) throw error;
      throw new ToncenterError(
        500,
        `LITE_SERVER_UNKNOWN: cannot apply external message to current state : ${error.reason}`,
      );
    }
    return (Cell.fromBoc(boc)[0] as Cell).hash();
  };

  const getMasterchainInfo: Handler = async () => {
    const last = masterBlockId(chain.blockSeqno);
    return JSON.stringify({
      "@type": "blocks.masterchainInfo",
      last,
      state_root_hash: last.root_hash,
      init: masterBlockId(0),
    });
  };

  return new Map<string, Handler>([
    ["getTransactions", getTransactions],
    ["getAddressInformation", getAddressInformation],
    ["getWalletInformation", getWalletInformation],
    ["getAddressBalance", getAddressBalance],
    ["getAddressState", getAddressState],
    ["runGetMethod", runGetMethod],
    [
      "sendBoc",
      async (params) => {
        await sendBoc(params);
        return JSON.stringify({ "@type": "ok" });
      },
    ],
    [
      "sendBocReturnHash",
      async (params) => {
        const hash = await sendBoc(params);
        return JSON.stringify({
          "@type": "raw.extMessageInfo",
          hash: hash.toString("base64"),
          hash_norm: normalizedHash(Buffer.from(stringParam(params, "boc"), "base64")).toString(
            "base64",
          ),
        });
      },
    ],
    ["getMasterchainInfo", getMasterchainInfo],
  ]);
}

/**
 * tonlib's hash_norm of an external message: the same destination and body with no source,
 * no import fee, no state init, and the body in a ref, so re-signed copies hash alike.
 */
function normalizedHash(boc: Buffer): Buffer {
  const message = loadMessage((Cell.fromBoc(boc)[0] as Cell).beginParse());
  if (message.info.type !== "external-in") {
    throw new ToncenterError(500, "CommonMsgInfo tag is not ext_in_msg_info");
  }
  return beginCell()
    .storeUint(0b10, 2)
    .storeUint(0b00, 2)
    .storeAddress(message.info.dest)
    .storeCoins(0)
    .storeBit(false)
    .storeBit(true)
    .storeRef(message.body)
    .endCell()
    .hash();
}

/** toncenter has no "nonexist": an account that is not there reads as uninitialized. */
function toncenterState(state: AccountState): Exclude<AccountState, "nonexist"> {
  return state === "nonexist" ? "uninitialized" : state;
}

function lastTransactionId(last: { lt: bigint; hash: Buffer } | null) {
  return last
    ? transactionId(last.lt, last.hash)
    : { "@type": "internal.transactionId", lt: "0", hash: ZERO_HASH };
}

/** Binary search of a ledger sorted ascending by lt; -1 when absent. */
function indexOfLt(ledger: readonly Transaction[], lt: bigint): number {
  let low = 0;
  let high = ledger.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const midLt = (ledger[mid] as Transaction).lt;
    if (midLt === lt) return mid;
    if (midLt < lt) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}

function missing(name: string): ToncenterError {
  return new ToncenterError(422, `TypeError: missing required argument '${name}'`);
}

function stringParam(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === null) throw missing(name);
  if (typeof value !== "string") {
    throw new ToncenterError(422, `TypeError: '${name}' must be a string`);
  }
  return value;
}

function addressParam(params: Params, name: string): Address {
  const value = stringParam(params, name);
  try {
    return Address.parse(value);
  } catch {
    throw new ToncenterError(416, "Incorrect address");
  }
}

function optionalIntParam(params: Params, name: string): bigint | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  if ((typeof value === "string" && /^-?\d+$/.test(value)) || Number.isInteger(value)) {
    return BigInt(value as string | number);
  }
  throw new ToncenterError(422, `TypeError: Can't parse integer in parameter ${name}`);
}

function limitParam(value: unknown): number {
  const limit =
    optionalIntParam({ limit: value }, "limit") ?? BigInt(DEFAULT_TRANSACTIONS_PER_PAGE);
  if (limit < 1n || limit > BigInt(MAX_TRANSACTIONS_PER_PAGE)) {
    throw new ToncenterError(
      422,
      `Validation error: limit must be greater than 0 and at most ${MAX_TRANSACTIONS_PER_PAGE}`,
    );
  }
  return Number(limit);
}

/** Transaction hashes arrive as hex (64 chars) or base64, standard or url-safe (44 chars). */
function optionalHashParam(value: unknown): Buffer | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") {
    if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, "hex");
    if (/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) {
      return Buffer.from(value.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    }
  }
  throw new ToncenterError(422, "failed to parse hash");
}

function methodParam(value: unknown): string | number {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isInteger(value)) return value;
  throw missing("method");
}

/** Get-method arguments as TonClient sends them (["num", "5"], ["tvm.Cell", b64], …). */
function stackParam(value: unknown): TupleItem[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ToncenterError(422, "TypeError: stack must be a list");
  return value.map((entry: unknown): TupleItem => {
    if (!Array.isArray(entry) || typeof entry[0] !== "string") {
      throw new ToncenterError(422, `TypeError: bad stack entry ${JSON.stringify(entry)}`);
    }
    const [kind, payload] = entry as [string, unknown];
    switch (kind) {
      case "num":
      case "number":
      case "int":
        return { type: "int", value: parseNumber(payload) };
      case "tvm.Cell":
      case "cell":
        return { type: "cell", cell: parseCell(payload) };
      case "tvm.Slice":
      case "slice":
        return { type: "slice", cell: parseCell(payload) };
      case "tvm.Builder":
      case "builder":
        return { type: "builder", cell: parseCell(payload) };
      default:
        throw new ToncenterError(422, `TypeError: unsupported stack entry type ${kind}`);
    }
  });
}

function parseNumber(payload: unknown): bigint {
  try {
    if (typeof payload === "number" && Number.isInteger(payload)) return BigInt(payload);
    if (typeof payload === "string") {
      return payload.startsWith("-") ? -BigInt(payload.slice(1)) : BigInt(payload);
    }
  } catch {
    // fall through to the error below
  }
  throw new ToncenterError(422, `TypeError: bad number ${JSON.stringify(payload)}`);
}

function parseCell(payload: unknown): Cell {
  const bytes =
    typeof payload === "object" && payload !== null && "bytes" in payload
      ? (payload as { bytes: unknown }).bytes
      : payload;
  try {
    if (typeof bytes === "string") {
      const [cell] = Cell.fromBoc(Buffer.from(bytes, "base64"));
      if (cell) return cell;
    }
  } catch {
    // fall through to the error below
  }
  throw new ToncenterError(422, "TypeError: bad cell in stack");
}

function knownWalletCodes(): ReadonlyMap<string, string> {
  const publicKey = Buffer.alloc(32);
  const v4 = WalletContractV4.create({ workchain: 0, publicKey });
  const v5 = WalletContractV5R1.create({ workchain: 0, publicKey });
  return new Map([
    [v4.init.code.hash().toString("hex"), "wallet v4 r2"],
    [v5.init.code.hash().toString("hex"), "wallet v5 r1"],
  ]);
}
