import {
  type Address,
  BitBuilder,
  type BitString,
  beginCell,
  type Cell,
  Dictionary,
  loadCommonMessageInfo,
  loadStateInit,
  type Message,
  type Slice,
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

/** The op of an encrypted comment (tonlib's WalletInterface::EncryptedCommentOp). */
export const ENCRYPTED_COMMENT_OP = 0x2167da4b;

/**
 * One getTransactions item, serialized, the way toncenter's API renders tonlib's
 * `raw.transaction`: an `ext.transaction` with the account's raw form beside its address.
 */
export function transactionJson(tx: Transaction, account: Address): string {
  const cells = messageCells(tx);
  // tonlib counts what the out messages carry for forwarding as part of the transaction's fee.
  let fee = tx.totalFees.coins;
  for (const message of tx.outMessages.values()) {
    if (message.info.type === "internal") fee += message.info.forwardFee;
  }
  const storageFee = storageFeeOf(tx.description);
  return JSON.stringify({
    "@type": "ext.transaction",
    address: { "@type": "accountAddress", account_address: account.toString() },
    account: `${account.workChain}:${account.hash.toString("hex").toUpperCase()}`,
    utime: tx.now,
    data: tx.raw.toBoc().toString("base64"),
    transaction_id: transactionId(tx.lt, tx.hash()),
    fee: fee.toString(),
    storage_fee: storageFee.toString(),
    other_fee: (fee - storageFee).toString(),
    in_msg:
      tx.inMessage && cells.inMessage ? messageJson(tx.inMessage, cells.inMessage) : undefined,
    out_msgs: [...tx.outMessages.keys()]
      .sort((a, b) => a - b)
      .map((index) => {
        const cell = cells.outMessages.get(index);
        const message = tx.outMessages.get(index);
        if (!cell || !message) throw new Error(`out message ${index} is missing`);
        return messageJson(message, cell);
      }),
  });
}

/** The transaction's own message cells: hashes and init states are taken from them as stored. */
function messageCells(tx: Transaction): {
  inMessage: Cell | undefined;
  outMessages: Dictionary<number, Cell>;
} {
  const messages = (tx.raw.refs[0] as Cell).beginParse();
  const inMessage = messages.loadBit() ? messages.loadRef() : undefined;
  return {
    inMessage,
    outMessages: messages.loadDict(Dictionary.Keys.Uint(15), Dictionary.Values.Cell()),
  };
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

/**
 * toncenter's `ext.message`: tonlib's `raw.message` with friendly addresses ("" where there is
 * none), ihr_fee always 0, the body decoded as tonlib does, and `message` beside it.
 */
function messageJson(message: Message, cell: Cell) {
  const info = message.info;
  const { msgData, text } = messageData(message.body, initStateOf(cell));
  return {
    "@type": "ext.message",
    hash: cell.hash().toString("base64"),
    source: info.type === "external-in" ? "" : info.src.toString(),
    destination: info.type === "external-out" ? "" : info.dest.toString(),
    value: info.type === "internal" ? info.value.coins.toString() : "0",
    extra_currencies: [],
    fwd_fee: info.type === "internal" ? info.forwardFee.toString() : "0",
    ihr_fee: "0",
    created_lt: info.type === "external-in" ? "0" : info.createdLt.toString(),
    body_hash: message.body.hash().toString("base64"),
    msg_data: msgData,
    message: text,
  };
}

/** The message's StateInit cell as stored: its own ref, or built from the inline bits. */
function initStateOf(cell: Cell): Cell | undefined {
  const slice = cell.beginParse();
  loadCommonMessageInfo(slice);
  if (!slice.loadBit()) return undefined;
  if (slice.loadBit()) return slice.loadRef();
  return beginCell()
    .store(storeStateInit(loadStateInit(slice)))
    .endCell();
}

/**
 * tonlib's msg.Data for a body: a text comment (op 0) is `msg.dataText`, an encrypted one
 * `msg.dataEncryptedText` (no key to open it), each with its bytes in base64; anything else,
 * or a comment whose bytes do not come out whole, is `msg.dataRaw`. `text` is what toncenter
 * puts in `message`: the comment itself, or the root cell's data bytes in base64 and a newline.
 */
export function messageData(
  body: Cell,
  init?: Cell,
): { msgData: Record<string, string>; text: string } {
  const slice = body.beginParse();
  if (slice.remainingBits >= 32) {
    const op = slice.loadUint(32);
    if (op === 0 || op === ENCRYPTED_COMMENT_OP) {
      const bytes = stringBytes(slice);
      if (bytes !== undefined) {
        const type = op === 0 ? "msg.dataText" : "msg.dataEncryptedText";
        return {
          msgData: { "@type": type, text: bytes.toString("base64") },
          text: bytes.toString("utf8"),
        };
      }
    }
  }
  const data = dataBytes(body);
  return {
    msgData: {
      "@type": "msg.dataRaw",
      body: body.toBoc().toString("base64"),
      init_state: init ? init.toBoc().toString("base64") : "",
    },
    text: data.length === 0 ? "" : `${data.toString("base64")}\n`,
  };
}

/** tonlib's CellString::load: the slice's bits, then each first ref's, in whole bytes or nothing. */
function stringBytes(slice: Slice): Buffer | undefined {
  const parts: BitString[] = [slice.loadBits(slice.remainingBits)];
  let next = slice.remainingRefs > 0 ? slice.loadRef() : undefined;
  while (next !== undefined) {
    const part = next.beginParse();
    parts.push(part.loadBits(part.remainingBits));
    next = part.remainingRefs > 0 ? part.loadRef() : undefined;
  }
  const size = parts.reduce((total, part) => total + part.length, 0);
  if (size % 8 !== 0) return undefined;
  const builder = new BitBuilder(size);
  for (const part of parts) builder.writeBits(part);
  return builder.buffer();
}

/** A cell's data bits as bytes, the last one padded with zeros. */
function dataBytes(cell: Cell): Buffer {
  const bytes = Buffer.alloc(Math.ceil(cell.bits.length / 8));
  for (let i = 0; i < cell.bits.length; i++) {
    if (cell.bits.at(i)) bytes[i >> 3] = (bytes[i >> 3] as number) | (0x80 >> (i & 7));
  }
  return bytes;
}

/**
 * A get-method result stack the way toncenter prints it: top-level entries as
 * ["num", "0x…"] / ["cell", {bytes, object}] / ["tuple", {...}] / ["list", {...}], nested ones as
 * tonlib objects. Like tonlib, null and any pair chain ending in null are lists.
 */
export function stackJson(items: readonly TupleItem[]): unknown[] {
  return items.map(stackTopJson);
}

function stackTopJson(item: TupleItem): unknown {
  const list = listElements(item);
  if (list !== undefined) {
    return ["list", { "@type": "tvm.list", elements: list.map(stackEntryJson) }];
  }
  switch (item.type) {
    case "int":
      return ["num", hexNumber(item.value)];
    case "nan":
      return ["num", "NaN"];
    case "cell":
    case "slice":
    case "builder":
      return [
        "cell",
        { bytes: item.cell.toBoc().toString("base64"), object: cellObject(item.cell) },
      ];
    case "tuple":
      return ["tuple", { "@type": "tvm.tuple", elements: item.items.map(stackEntryJson) }];
    case "null":
      throw new Error("null is a list");
  }
}

function stackEntryJson(item: TupleItem): unknown {
  const list = listElements(item);
  if (list !== undefined) {
    return {
      "@type": "tvm.stackEntryList",
      list: { "@type": "tvm.list", elements: list.map(stackEntryJson) },
    };
  }
  switch (item.type) {
    case "int":
      return {
        "@type": "tvm.stackEntryNumber",
        number: { "@type": "tvm.numberDecimal", number: item.value.toString() },
      };
    case "nan":
      return { "@type": "tvm.stackEntryUnsupported" };
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
    case "null":
      throw new Error("null is a list");
  }
}

/** tonlib's is_list: null, or a pair whose second item is a list; its first items, in order. */
function listElements(item: TupleItem): TupleItem[] | undefined {
  const elements: TupleItem[] = [];
  let node = item;
  while (node.type === "tuple") {
    const [head, tail] = node.items;
    if (node.items.length !== 2 || head === undefined || tail === undefined) return undefined;
    elements.push(head);
    node = tail;
  }
  return node.type === "null" ? elements : undefined;
}

/**
 * toncenter's legacy cell object: data bytes as the cell stores them (with the completion
 * bit after the last data bit), the bit length, children and whether the cell is exotic.
 */
function cellObject(cell: Cell): unknown {
  const length = cell.bits.length;
  const bytes = dataBytes(cell);
  if (length % 8 !== 0)
    bytes[length >> 3] = (bytes[length >> 3] as number) | (0x80 >> (length & 7));
  return {
    data: { b64: bytes.toString("base64"), len: length },
    refs: cell.refs.map(cellObject),
    special: cell.isExotic,
  };
}

function hexNumber(value: bigint): string {
  return value < 0n ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}
