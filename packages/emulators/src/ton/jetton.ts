/**
 * Jettons (TEP-74) on the emulated chain: the reference jetton minter and wallet of
 * ton-blockchain/token-contract, as compiled code published in tonweb's npm package, deployed and
 * run by @ton/sandbox like any contract. A "USDT" here is one such master with 6 decimals; a fake
 * one is simply another master deployed by someone else, with the same code.
 */
import { createRequire } from "node:module";
import { type Address, beginCell, Cell, contractAddress, type StateInit, toNano } from "@ton/core";
import type { BlockchainTransaction } from "@ton/sandbox";
import type { EmulatedChain, EmulatedWallet } from "./chain.js";

export const OP_TRANSFER = 0x0f8a7ea5;
export const OP_INTERNAL_TRANSFER = 0x178d4519;
export const OP_TRANSFER_NOTIFICATION = 0x7362d09c;
export const OP_EXCESSES = 0xd53276db;
/** The reference minter's mint op. */
const OP_MINT = 21;

/** TON a wallet app attaches to a jetton transfer; what is left comes back as excesses. */
export const JETTON_TRANSFER_TON = toNano("0.05");
/** What a wallet app forwards with the notification unless told otherwise: one nanoton. */
export const DEFAULT_FORWARD_TON = 1n;

interface TonwebJettons {
  token: {
    jetton: {
      JettonWallet: { codeHex: string };
      JettonMinter: new (
        provider: unknown,
        options: Record<string, unknown>,
      ) => { options: { code: { toBoc(idx: boolean): Promise<Uint8Array> } } };
    };
  };
  utils: { Address: new (address: string) => unknown };
}

let codes: Promise<{ minter: Cell; wallet: Cell }> | undefined;

/** The reference minter and wallet code, read once from tonweb. */
export function jettonCode(): Promise<{ minter: Cell; wallet: Cell }> {
  codes ??= (async () => {
    const tonweb = createRequire(import.meta.url)("tonweb") as TonwebJettons;
    const { JettonMinter, JettonWallet } = tonweb.token.jetton;
    const wallet = Cell.fromBoc(Buffer.from(JettonWallet.codeHex, "hex"))[0] ?? Cell.EMPTY;
    // tonweb keeps the minter's code in its constructor; an instance hands it over.
    const minter = new JettonMinter(undefined, {
      adminAddress: new tonweb.utils.Address(`0:${"0".repeat(64)}`),
      jettonContentUri: "",
      jettonWalletCodeHex: JettonWallet.codeHex,
    });
    const minterBoc = Buffer.from(await minter.options.code.toBoc(false));
    return { minter: Cell.fromBoc(minterBoc)[0] ?? Cell.EMPTY, wallet };
  })();
  return codes;
}

/** A deployed jetton: its master, the wallet that administers it, and its owners' wallets. */
export interface EmulatedJetton {
  master: Address;
  admin: EmulatedWallet;
  /** The jetton wallet of `owner`, as the master's get_wallet_address computes it. */
  walletOf(owner: Address): Promise<Address>;
}

/**
 * Deploys a jetton master administered by `admin`, with off-chain metadata at `uri`. Masters with
 * the same admin and uri are one and the same contract.
 */
export async function deployJetton(
  chain: EmulatedChain,
  admin: EmulatedWallet,
  uri = "https://example.invalid/jetton.json",
): Promise<EmulatedJetton> {
  const code = await jettonCode();
  const content = beginCell().storeUint(1, 8).storeStringTail(uri).endCell();
  const data = beginCell()
    .storeCoins(0)
    .storeAddress(admin.address)
    .storeRef(content)
    .storeRef(code.wallet)
    .endCell();
  const init: StateInit = { code: code.minter, data };
  const master = contractAddress(0, init);
  await chain.sendFrom(admin, [{ to: master, amount: toNano("0.05"), init, bounce: false }]);
  return {
    master,
    admin,
    async walletOf(owner) {
      const outcome = await chain.runGetMethod(master, "get_wallet_address", [
        { type: "slice", cell: beginCell().storeAddress(owner).endCell() },
      ]);
      const item = outcome.stack[0];
      if (outcome.exitCode !== 0 || item === undefined || item.type !== "slice") {
        throw new Error(`get_wallet_address failed with exit code ${outcome.exitCode}`);
      }
      return item.cell.beginParse().loadAddress();
    },
  };
}

/** Mints `amount` base units to `owner`'s jetton wallet (deploying it if need be). */
export async function mintJetton(
  chain: EmulatedChain,
  jetton: EmulatedJetton,
  owner: Address,
  amount: bigint,
): Promise<BlockchainTransaction[]> {
  const credit = beginCell()
    .storeUint(OP_INTERNAL_TRANSFER, 32)
    .storeUint(0, 64)
    .storeCoins(amount)
    .storeAddress(null)
    .storeAddress(null)
    .storeCoins(0)
    .storeBit(0)
    .endCell();
  const body = beginCell()
    .storeUint(OP_MINT, 32)
    .storeUint(0, 64)
    .storeAddress(owner)
    .storeCoins(toNano("0.05"))
    .storeRef(credit)
    .endCell();
  return chain.sendFrom(jetton.admin, [{ to: jetton.master, amount: toNano("0.1"), body }]);
}

/** A jetton wallet's balance in base units; 0 while it does not exist. */
export async function jettonBalance(
  chain: EmulatedChain,
  jetton: EmulatedJetton,
  owner: Address,
): Promise<bigint> {
  const wallet = await jetton.walletOf(owner);
  if ((await chain.account(wallet)).state !== "active") return 0n;
  const outcome = await chain.runGetMethod(wallet, "get_wallet_data");
  const balance = outcome.stack[0];
  return balance?.type === "int" ? balance.value : 0n;
}

/** Where a transfer's forward payload goes: in the body's own cell, or in a ref of its own. */
export type PayloadPlace = "inline" | "ref";

export interface JettonTransfer {
  /** The recipient: its owner's address, as a buyer types it; the jetton wallets follow. */
  to: Address;
  amount: bigint;
  /** A text comment (op 0) as the forward payload; another payload as a cell; none when absent. */
  payload?: string | Cell;
  payloadPlace?: PayloadPlace;
  /** TON forwarded with the notification; 0 sends none. DEFAULT_FORWARD_TON unless given. */
  forwardTonAmount?: bigint;
  /** TON attached to the transfer; JETTON_TRANSFER_TON unless given. */
  attached?: bigint;
  /** Where the excesses go; the sender unless given. */
  responseDestination?: Address | null;
  queryId?: bigint;
}

/** The transfer body a wallet app sends to its owner's jetton wallet (TEP-74 `transfer`). */
export function jettonTransferBody(transfer: JettonTransfer, responseDestination: Address | null) {
  const payload =
    typeof transfer.payload === "string"
      ? beginCell().storeUint(0, 32).storeStringTail(transfer.payload).endCell()
      : transfer.payload;
  const body = beginCell()
    .storeUint(OP_TRANSFER, 32)
    .storeUint(transfer.queryId ?? 0n, 64)
    .storeCoins(transfer.amount)
    .storeAddress(transfer.to)
    .storeAddress(responseDestination)
    .storeBit(0)
    .storeCoins(transfer.forwardTonAmount ?? DEFAULT_FORWARD_TON);
  if (payload === undefined) return body.storeBit(0).endCell();
  if ((transfer.payloadPlace ?? "ref") === "ref")
    return body.storeBit(1).storeRef(payload).endCell();
  return body.storeBit(0).storeSlice(payload.beginParse()).endCell();
}

/** `from` sends jettons, as its wallet app would: a transfer to its own jetton wallet. */
export async function sendJetton(
  chain: EmulatedChain,
  jetton: EmulatedJetton,
  from: EmulatedWallet,
  transfer: JettonTransfer,
): Promise<BlockchainTransaction[]> {
  return sendJettons(chain, jetton, from, [transfer]);
}

/** The most messages one signed transfer carries: v5r1's action list holds 255, v4's transfer 4. */
export const MESSAGES_PER_TRANSFER = { v4: 4, v5r1: 255 } as const;

/**
 * `from` sends many jetton transfers at once, as a wallet app's batch send does: each signed
 * transfer carries as many transfers to its own jetton wallet as the wallet allows. Every one is
 * run by the real contracts, as sendJetton's is; only the signing and the sender's transaction
 * are shared, which sets up thousands of payments in under half the time.
 */
export async function sendJettons(
  chain: EmulatedChain,
  jetton: EmulatedJetton,
  from: EmulatedWallet,
  transfers: readonly JettonTransfer[],
): Promise<BlockchainTransaction[]> {
  const source = await jetton.walletOf(from.address);
  const messages = transfers.map((transfer) => ({
    to: source,
    amount: transfer.attached ?? JETTON_TRANSFER_TON,
    body: jettonTransferBody(
      transfer,
      transfer.responseDestination === undefined ? from.address : transfer.responseDestination,
    ),
  }));
  const perTransfer = MESSAGES_PER_TRANSFER[from.version];
  const transactions: BlockchainTransaction[] = [];
  for (let i = 0; i < messages.length; i += perTransfer) {
    transactions.push(...(await chain.sendFrom(from, messages.slice(i, i + perTransfer))));
  }
  return transactions;
}
