import {
  type AccountStatus,
  Address,
  Cell,
  type CurrencyCollection,
  type Dictionary,
  type HashUpdate,
  loadTransaction,
  type Message,
  type Transaction,
  type TransactionDescription,
} from "@ton/core";

/**
 * A recorded transaction that keeps only its BOC and scalar fields. A parsed transaction costs
 * ~13 KB of heap, its BOC ~0.5 KB, and benchmarks record tens of thousands; the parsed form is
 * rebuilt on demand and kept only while something still holds on to it.
 */
class CompactTransaction implements Transaction {
  readonly address: bigint;
  readonly lt: bigint;
  readonly prevTransactionHash: bigint;
  readonly prevTransactionLt: bigint;
  readonly now: number;
  readonly outMessagesCount: number;
  readonly oldStatus: AccountStatus;
  readonly endStatus: AccountStatus;
  private readonly boc: Buffer;
  private readonly rootHash: Buffer;
  private parsed: WeakRef<Transaction>;

  constructor(tx: Transaction) {
    this.address = tx.address;
    this.lt = tx.lt;
    this.prevTransactionHash = tx.prevTransactionHash;
    this.prevTransactionLt = tx.prevTransactionLt;
    this.now = tx.now;
    this.outMessagesCount = tx.outMessagesCount;
    this.oldStatus = tx.oldStatus;
    this.endStatus = tx.endStatus;
    this.boc = tx.raw.toBoc({ idx: false, crc32: false });
    this.rootHash = tx.hash();
    this.parsed = new WeakRef(tx);
  }

  hash(): Buffer {
    return this.rootHash;
  }

  get raw(): Cell {
    return this.full().raw;
  }

  get inMessage(): Message | null | undefined {
    return this.full().inMessage;
  }

  get outMessages(): Dictionary<number, Message> {
    return this.full().outMessages;
  }

  get totalFees(): CurrencyCollection {
    return this.full().totalFees;
  }

  get stateUpdate(): HashUpdate {
    return this.full().stateUpdate;
  }

  get description(): TransactionDescription {
    return this.full().description;
  }

  private full(): Transaction {
    let tx = this.parsed.deref();
    if (tx === undefined) {
      tx = loadTransaction((Cell.fromBoc(this.boc)[0] as Cell).beginParse());
      this.parsed = new WeakRef(tx);
    }
    return tx;
  }
}

/** Every recorded transaction, per account, ascending by lt. */
export class Ledger {
  private readonly accounts = new Map<string, Transaction[]>();
  private count = 0;

  /** How many transactions have been recorded across all accounts. */
  get size(): number {
    return this.count;
  }

  of(address: Address): readonly Transaction[] {
    return this.accounts.get(address.toRawString()) ?? [];
  }

  /**
   * Records `tx` under `account`. Transactions only carry their account's hash part, so without
   * an explicit account the workchain is taken from the inbound message's destination.
   */
  record(tx: Transaction, account?: Address): void {
    const key = account?.toRawString() ?? accountKeyOf(tx);
    let entries = this.accounts.get(key);
    if (entries === undefined) {
      entries = [];
      this.accounts.set(key, entries);
    }
    insertByLt(entries, new CompactTransaction(tx));
    this.count++;
  }
}

function accountKeyOf(tx: Transaction): string {
  const destination = tx.inMessage?.info.dest;
  const workchain = Address.isAddress(destination) ? destination.workChain : 0;
  return `${workchain}:${tx.address.toString(16).padStart(64, "0")}`;
}

function insertByLt(entries: Transaction[], tx: Transaction): void {
  const last = entries[entries.length - 1];
  if (last === undefined || last.lt < tx.lt) {
    entries.push(tx);
    return;
  }
  // One account's transactions arrive in lt order; stay sorted even if that ever changes.
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((entries[mid] as Transaction).lt < tx.lt) low = mid + 1;
    else high = mid;
  }
  entries.splice(low, 0, tx);
}
