import {
  Address,
  beginCell,
  Cell,
  comment,
  external,
  loadMessage,
  type Message,
  internal as relaxedInternal,
  SendMode,
  type StateInit,
  storeMessage,
  type Transaction,
  type TupleItem,
  toNano,
} from "@ton/core";
import { getSecureRandomBytes, type KeyPair, keyPairFromSeed } from "@ton/crypto";
import {
  Blockchain,
  type BlockchainTransaction,
  EmulationError,
  Executor,
  GetMethodError,
  LocalBlockchainStorage,
  type SandboxContract,
  type SmartContract,
  type SmartContractTransaction,
  internal as sandboxInternal,
  type TreasuryContract,
} from "@ton/sandbox";
import { WalletContractV4, WalletContractV5R1 } from "@ton/ton";
import { Ledger } from "./ledger.js";

/** Where fabricated payments come from unless a payment names its own sender. */
export const DEFAULT_PAYER = new Address(0, Buffer.alloc(32, 0xab));

const DEFAULT_WALLET_BALANCE = toNano(100);
const TREASURY_BALANCE = toNano(1_000_000_000);
const QUIET = { print: false, blockchainLogs: false, vmLogs: "none", debugLogs: false } as const;

/** The chain refused a message outright (e.g. a wallet rejected a bad signature or stale seqno). */
export class MessageRejectedError extends Error {
  constructor(
    readonly reason: string,
    readonly exitCode: number | undefined,
  ) {
    super(`message rejected: ${reason}${exitCode === undefined ? "" : ` (exit code ${exitCode})`}`);
    this.name = "MessageRejectedError";
  }
}

/** A get-method was asked of an account that has no code to run. */
export class AccountNotActiveError extends Error {
  constructor(readonly address: Address) {
    super(`account ${address.toString()} is not active`);
    this.name = "AccountNotActiveError";
  }
}

export type AccountState = "active" | "uninitialized" | "frozen" | "nonexist";

export interface AccountInfo {
  state: AccountState;
  balance: bigint;
  code: Cell | null;
  data: Cell | null;
  /** Hash of the state an account was frozen with; null unless frozen. */
  frozenHash: Buffer | null;
  lastTransaction: { lt: bigint; hash: Buffer } | null;
}

export interface GetMethodOutcome {
  exitCode: number;
  gasUsed: bigint;
  stack: TupleItem[];
}

interface WalletBase {
  address: Address;
  keyPair: KeyPair;
}

export type EmulatedWallet =
  | (WalletBase & {
      version: "v4";
      wallet: WalletContractV4;
      contract: SandboxContract<WalletContractV4>;
    })
  | (WalletBase & {
      version: "v5r1";
      wallet: WalletContractV5R1;
      contract: SandboxContract<WalletContractV5R1>;
    });

export interface CreateWalletOptions {
  version?: "v4" | "v5r1";
  /** What the wallet holds once created (topped up exactly). 0n with deploy:false = no account at all. */
  balance?: bigint;
  /** false leaves the wallet without code: `uninitialized` if it has a balance, otherwise nonexistent. */
  deploy?: boolean;
}

export interface TransferOptions {
  /** A string becomes a text comment (op 0). */
  body?: string | Cell;
  /** Defaults to true, like @ton/core's `internal()`. */
  bounce?: boolean;
}

/** One message inside a signed wallet transfer: what a TON Connect request's message becomes. */
export interface OutgoingMessage {
  to: Address;
  amount: bigint;
  body?: Cell;
  init?: StateInit;
  /** Defaults to true, like @ton/core's `internal()`. */
  bounce?: boolean;
}

export interface FabricatedPayment {
  amount: bigint;
  comment?: string;
  from?: Address;
}

/**
 * The sandbox blockchain plus one extra door: running a message on its destination
 * without the message-queue bookkeeping, which costs about as much as the TVM itself.
 */
class FastBlockchain extends Blockchain {
  static async open(): Promise<FastBlockchain> {
    return new FastBlockchain({
      executor: await Executor.create(),
      storage: new LocalBlockchainStorage(),
    });
  }

  /** Executes one message on `contract` right away, advancing lt as the queue would. */
  async deliver(message: Message, contract: SmartContract): Promise<SmartContractTransaction> {
    this.increaseLt();
    return contract.receiveMessage(message);
  }
}

/**
 * An offline TON chain built on @ton/sandbox that remembers every transaction it produced,
 * per account and ascending by lt, so a toncenter emulator can page through them.
 */
export class EmulatedChain {
  private readonly ledger = new Ledger();
  private clock: number;
  // Sandbox state is not safe under interleaved async mutations, so every write goes through here.
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly sandbox: FastBlockchain,
    private readonly treasury: SandboxContract<TreasuryContract>,
    now: number,
  ) {
    this.clock = now;
  }

  static async create(opts: { now?: number } = {}): Promise<EmulatedChain> {
    const sandbox = await FastBlockchain.open();
    sandbox.verbosity = { ...QUIET };
    const now = opts.now ?? Math.floor(Date.now() / 1000);
    sandbox.now = now;
    const treasury = await sandbox.treasury("toncenter-emulator", {
      predeploy: false,
      resetBalanceIfZero: false,
    });
    const chain = new EmulatedChain(sandbox, treasury, now);
    // Deploy the treasury ourselves so its first transaction is on record like any other.
    await chain.inject(
      sandboxInternal({
        from: new Address(0, Buffer.alloc(32)),
        to: treasury.address,
        value: toNano(1),
        stateInit: treasury.init,
        bounce: false,
      }),
    );
    (await sandbox.getContract(treasury.address)).balance = TREASURY_BALANCE;
    return chain;
  }

  get blockchain(): Blockchain {
    return this.sandbox;
  }

  /** The chain's unix time in seconds; every new transaction is stamped with it. Never goes back. */
  get now(): number {
    return this.clock;
  }

  set now(value: number) {
    if (!Number.isInteger(value) || value < this.clock) {
      throw new RangeError(`chain time can only move forward (now ${this.clock}, asked ${value})`);
    }
    this.clock = value;
    this.sandbox.now = value;
  }

  advance(seconds: number): number {
    this.now = this.clock + seconds;
    return this.clock;
  }

  /** Grows with every recorded transaction; stands in for a masterchain seqno. */
  get blockSeqno(): number {
    return this.ledger.size + 1;
  }

  /** Address of the endlessly funded sandbox treasury that pays for new wallets. */
  get treasuryAddress(): Address {
    return this.treasury.address;
  }

  async createWallet(opts: CreateWalletOptions = {}): Promise<EmulatedWallet> {
    const version = opts.version ?? "v4";
    const balance = opts.balance ?? DEFAULT_WALLET_BALANCE;
    const deploy = opts.deploy ?? true;
    const keyPair = keyPairFromSeed(await getSecureRandomBytes(32));
    const wallet = this.newWallet(version, keyPair);

    if (deploy || balance > 0n) {
      await this.exclusive(async () => {
        const funding = await this.treasury.send({
          to: wallet.address,
          // Deploying costs fees, so send a little extra and settle the exact balance below.
          value: balance + toNano(1),
          init: deploy ? wallet.wallet.init : undefined,
          bounce: false,
        });
        this.recordAll(funding.transactions);
        (await this.sandbox.getContract(wallet.address)).balance = balance;
      });
    }
    return wallet;
  }

  /** A signed transfer through the wallet contract: external message, wallet tx, internal to `to`. */
  async transfer(
    from: EmulatedWallet,
    to: Address,
    amount: bigint,
    opts: TransferOptions = {},
  ): Promise<BlockchainTransaction[]> {
    const body = typeof opts.body === "string" ? comment(opts.body) : opts.body;
    const message = { to, amount, body, bounce: opts.bounce };
    return this.exclusive(async () => {
      // Wallets check valid_until against chain time, not the wall clock.
      const signed = await this.signedTransfer(from, [message], this.clock + 60);
      return this.send(signed);
    });
  }

  /** A signed transfer of any messages (StateInits included) from `from`, sent at once. */
  async sendFrom(
    from: EmulatedWallet,
    messages: readonly OutgoingMessage[],
  ): Promise<BlockchainTransaction[]> {
    return this.exclusive(async () =>
      this.send(await this.signedTransfer(from, messages, this.clock + 60)),
    );
  }

  /**
   * Signs a transfer the way a wallet app does, without sending it: the external-in message
   * (the BOC a dapp gets back from sendTransaction). Seqno comes from the contract; the StateInit
   * rides along while the wallet is not deployed. The wallet rejects it once `validUntil` < `now`.
   */
  async signTransfer(
    from: EmulatedWallet,
    messages: readonly OutgoingMessage[],
    validUntil: number,
  ): Promise<Cell> {
    const signed = await this.exclusive(() => this.signedTransfer(from, messages, validUntil));
    return beginCell().store(storeMessage(signed)).endCell();
  }

  /** Sends any message (internal or external-in) straight into the chain. */
  async inject(message: Message): Promise<BlockchainTransaction[]> {
    return this.exclusive(() => this.send(message));
  }

  /** An external message as a wallet app serializes it; what toncenter's sendBoc receives. */
  async sendBoc(boc: Buffer): Promise<BlockchainTransaction[]> {
    let message: Message;
    try {
      message = loadMessage((Cell.fromBoc(boc)[0] ?? Cell.EMPTY).beginParse());
    } catch (error) {
      throw new MessageRejectedError(`cannot deserialize external message: ${error}`, undefined);
    }
    if (message.info.type !== "external-in") {
      throw new MessageRejectedError(
        `expected an external-in message, got ${message.info.type}`,
        undefined,
      );
    }
    return this.inject(message);
  }

  /**
   * Bulk path for benchmarks: one internal message per payment, each executed for real by the
   * destination contract, but skipping the sandbox queue's per-message bookkeeping.
   */
  async injectPayments(to: Address, payments: readonly FabricatedPayment[]): Promise<void> {
    await this.exclusive(async () => {
      const contract = await this.sandbox.getContract(to);
      for (const payment of payments) {
        const message = sandboxInternal({
          from: payment.from ?? DEFAULT_PAYER,
          to,
          value: payment.amount,
          body: payment.comment === undefined ? undefined : comment(payment.comment),
          bounce: false,
          createdAt: this.clock,
          createdLt: this.sandbox.lt,
        });
        const tx = await this.sandbox.deliver(message, contract);
        this.ledger.record(tx, to);
        // A plain wallet sends nothing back, but anything it does send must still happen.
        for (const out of tx.outMessages.values()) {
          if (out.info.type === "internal") await this.send(out);
        }
      }
    });
  }

  /** Every recorded transaction of `address`, ascending by lt. */
  transactions(address: Address): readonly Transaction[] {
    return this.ledger.of(address);
  }

  async account(address: Address): Promise<AccountInfo> {
    const shardAccount = (await this.sandbox.getContract(address)).account;
    const last =
      shardAccount.lastTransactionLt === 0n
        ? null
        : {
            lt: shardAccount.lastTransactionLt,
            hash: bigintToHash(shardAccount.lastTransactionHash),
          };
    const account = shardAccount.account;
    if (!account) return nonexistent(last);
    const balance = account.storage.balance.coins;
    const state = account.storage.state;
    switch (state.type) {
      case "active":
        return {
          state: "active",
          balance,
          code: state.state.code ?? null,
          data: state.state.data ?? null,
          frozenHash: null,
          lastTransaction: last,
        };
      case "frozen":
        return {
          state: "frozen",
          balance,
          code: null,
          data: null,
          frozenHash: bigintToHash(state.stateHash),
          lastTransaction: last,
        };
      case "uninit":
        // The sandbox materialises a blank uninit record for any address it is asked about.
        if (balance === 0n && last === null) return nonexistent(null);
        return {
          state: "uninitialized",
          balance,
          code: null,
          data: null,
          frozenHash: null,
          lastTransaction: last,
        };
    }
  }

  /** Runs a get-method; non-zero exit codes come back in the outcome rather than as errors. */
  async runGetMethod(
    address: Address,
    method: string | number,
    stack: TupleItem[] = [],
  ): Promise<GetMethodOutcome> {
    const contract = await this.sandbox.getContract(address);
    if (contract.accountState?.type !== "active") throw new AccountNotActiveError(address);
    try {
      const result = await contract.get(method, stack);
      return { exitCode: result.exitCode, gasUsed: result.gasUsed, stack: result.stack };
    } catch (error) {
      if (error instanceof GetMethodError) {
        return { exitCode: error.exitCode, gasUsed: error.gasUsed, stack: [] };
      }
      throw error;
    }
  }

  private newWallet(version: "v4" | "v5r1", keyPair: KeyPair): EmulatedWallet {
    if (version === "v4") {
      const wallet = WalletContractV4.create({ workchain: 0, publicKey: keyPair.publicKey });
      const contract = this.sandbox.openContract(wallet);
      return { version, address: wallet.address, keyPair, wallet, contract };
    }
    const wallet = WalletContractV5R1.create({ workchain: 0, publicKey: keyPair.publicKey });
    const contract = this.sandbox.openContract(wallet);
    return { version, address: wallet.address, keyPair, wallet, contract };
  }

  private async signedTransfer(
    from: EmulatedWallet,
    messages: readonly OutgoingMessage[],
    validUntil: number,
  ): Promise<Message> {
    const transfer = {
      seqno: await from.contract.getSeqno(),
      secretKey: from.keyPair.secretKey,
      messages: messages.map((m) =>
        relaxedInternal({
          to: m.to,
          value: m.amount,
          bounce: m.bounce ?? true,
          body: m.body,
          init: m.init,
        }),
      ),
      sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
      timeout: validUntil,
    };
    const body =
      from.version === "v4"
        ? from.wallet.createTransfer(transfer)
        : from.wallet.createTransfer(transfer);
    const deployed = (await this.account(from.address)).state === "active";
    const init = deployed ? undefined : from.wallet.init;
    return external({ to: from.address, init, body });
  }

  /** Runs a message and everything it causes through the sandbox queue, recording the lot. */
  private async send(message: Message): Promise<BlockchainTransaction[]> {
    try {
      const result = await this.sandbox.sendMessage(message);
      this.recordAll(result.transactions);
      return result.transactions;
    } catch (error) {
      if (error instanceof EmulationError) {
        throw new MessageRejectedError(error.error, error.exitCode);
      }
      throw error;
    }
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.tail.then(work, work);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private recordAll(transactions: readonly Transaction[]): void {
    for (const tx of transactions) this.ledger.record(tx);
  }
}

function bigintToHash(value: bigint): Buffer {
  return Buffer.from(value.toString(16).padStart(64, "0"), "hex");
}

function nonexistent(last: AccountInfo["lastTransaction"]): AccountInfo {
  return {
    state: "nonexist",
    balance: 0n,
    code: null,
    data: null,
    frozenHash: null,
    lastTransaction: last,
  };
}
