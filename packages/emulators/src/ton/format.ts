import {
  type Address,
  beginCell,
  type Cell,
  type Message,
  storeMessage,
  storeStateInit,
  type Transaction,
  type TransactionDescription,
  type TupleItem,
} from "@ton/core";

/** Shard id of the whole workchain, as toncenter prints it (signed 64-bit). */
const FULL_SHARD = "-9223372036854775808";
export const ZERO_HASH = Buffer.alloc(32).toString("base64");

export function transactionId(lt: bigint, hash: Buffer) {
  return { "@type": "internal.transactionId", lt: lt.toString(), hash: hash.toString("base64") };
}

/** A synthesized masterchain block id; hashes are derived from the seqno so they stay stable. */
export function masterBlockId(seqno: number) {
  const seed = Buffer.alloc(32);
  seed.writeUInt32BE(seqno >>> 0, 28);
  return {
    "@type": "ton.blockIdExt",
    workchain: -1,
    shard: FULL_SHARD,
    seqno,
    root_hash: beginCell().storeBuffer(seed).endCell().hash().toString("base64"),
    file_hash: beginCell().storeUint(1, 8).storeBuffer(seed).endCell().hash().toString("base64"),
  };
}

/** One getTransactions item, serialized, in toncenter's `raw.transaction` shape. */
export function transactionJson(tx: Transaction, account: Address): string {
  const fee = tx.totalFees.coins;
  const storageFee = storageFeeOf(tx.description);
  return JSON.stringify({
    "@type": "raw.transaction",
    address: { "@type": "accountAddress", account_address: account.toString() },
    utime: tx.now,
    data: tx.raw.toBoc().toString("base64"),
    transaction_id: transactionId(tx.lt, tx.hash()),
    fee: fee.toString(),
    storage_fee: storageFee.toString(),
    other_fee: (fee - storageFee).toString(),
    in_msg: tx.inMessage ? messageJson(tx.inMessage) : undefined,
    out_msgs: [...tx.outMessages.values()].map(messageJson),
  });
}

function storageFeeOf(description: TransactionDescription): bigint {
  switch (description.type) {
    case "generic":
      return description.storagePhase?.storageFeesCollected ?? 0n;
    case "storage":
    case "tick-tock":
      return description.storagePhase.storageFeesCollected;
    default:
      return 0n;
  }
}

/** toncenter's `raw.message`: friendly addresses ("" for an external source), raw body, text if any. */
function messageJson(message: Message) {
  const info = message.info;
  const body = message.body;
  return {
    "@type": "raw.message",
    hash: beginCell().store(storeMessage(message)).endCell().hash().toString("base64"),
    source: info.type === "external-in" ? "" : info.src.toString(),
    destination: info.type === "external-out" ? "" : info.dest.toString(),
    value: info.type === "internal" ? info.value.coins.toString() : "0",
    extra_currencies: [],
    fwd_fee: info.type === "internal" ? info.forwardFee.toString() : "0",
    ihr_fee: info.type === "internal" ? info.ihrFee.toString() : "0",
    created_lt: info.type === "external-in" ? "0" : info.createdLt.toString(),
    body_hash: body.hash().toString("base64"),
    msg_data: {
      "@type": "msg.dataRaw",
      body: body.toBoc().toString("base64"),
      init_state: message.init
        ? beginCell().store(storeStateInit(message.init)).endCell().toBoc().toString("base64")
        : "",
    },
    message: textComment(body),
  };
}

/** The text of an op-0 comment body, or undefined for anything else. */
export function textComment(body: Cell): string | undefined {
  const slice = body.beginParse();
  if (slice.remainingBits < 32 || slice.loadUint(32) !== 0) return undefined;
  try {
    return slice.loadStringTail();
  } catch {
    return undefined;
  }
}

/**
 * A get-method result stack the way toncenter prints it: top-level entries as
 * ["num", "0x…"] / ["cell", {bytes}] / ["tuple", {...}], nested ones as tonlib objects.
 * Null is an empty list, which is also how TonClient reads it back.
 */
export function stackJson(items: readonly TupleItem[]): unknown[] {
  return items.map(stackTopJson);
}

function stackTopJson(item: TupleItem): unknown {
  switch (item.type) {
    case "int":
      return ["num", hexNumber(item.value)];
    case "nan":
      return ["num", "NaN"];
    case "null":
      return ["list", { "@type": "tvm.list", elements: [] }];
    case "cell":
    case "slice":
    case "builder":
      return ["cell", { bytes: item.cell.toBoc().toString("base64") }];
    case "tuple":
      return ["tuple", { "@type": "tvm.tuple", elements: item.items.map(stackEntryJson) }];
  }
}

function stackEntryJson(item: TupleItem): unknown {
  switch (item.type) {
    case "int":
      return {
        "@type": "tvm.stackEntryNumber",
        number: { "@type": "tvm.numberDecimal", number: item.value.toString() },
      };
    case "nan":
      return { "@type": "tvm.stackEntryUnsupported" };
    case "null":
      return { "@type": "tvm.stackEntryList", list: { "@type": "tvm.list", elements: [] } };
    case "cell":
    case "builder":
      return {
        "@type": "tvm.stackEntryCell",
        cell: { "@type": "tvm.cell", bytes: item.cell.toBoc().toString("base64") },
      };
    case "slice":
      return {
        "@type": "tvm.stackEntrySlice",
        slice: { "@type": "tvm.slice", bytes: item.cell.toBoc().toString("base64") },
      };
    case "tuple":
      return {
        "@type": "tvm.stackEntryTuple",
        tuple: { "@type": "tvm.tuple", elements: item.items.map(stackEntryJson) },
      };
  }
}

function hexNumber(value: bigint): string {
  return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}
