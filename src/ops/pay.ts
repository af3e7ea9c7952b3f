import { setTimeout as delay } from "node:timers/promises";
import { type Address, internal, SendMode, comment as textComment } from "@ton/core";
import type { TonClient } from "@ton/ton";
import { AmountFormatError, formatUnits, parseUnits } from "../catalog/units.js";
import type { ChainNetwork, TonNetwork } from "./network.js";
import { keyPairFromMnemonic, testnetWalletCandidates, type WalletCandidate } from "./wallet.js";

export const PAY_USAGE =
  "usage: npm run pay -- <comment> <amount in TON>   e.g. npm run pay -- TP-7K3M9Q2D 1.5\n" +
  "Pays MERCHANT_ADDRESS on testnet from the wallet whose 24 words are in WALLET_MNEMONIC.";

/** A payment the script will not make, for the person's safety; the message says why. */
export class PaymentRefused extends Error {
  override name = "PaymentRefused";
}

/** The words open no wallet with money in it, or not enough. */
export class PayerNotFunded extends Error {
  override name = "PayerNotFunded";
}

/** Kept in the paying wallet for the transfer's fees, and the deployment on a first transfer. */
const FEE_RESERVE = 20_000_000n;

export type PayArgs = { ok: true; comment: string; amount: bigint } | { ok: false; error: string };

export function parsePayArgs(args: readonly string[]): PayArgs {
  if (args.length !== 2) {
    return { ok: false, error: `expected a comment and an amount, got ${args.length} arguments` };
  }
  const [comment = "", amountText = ""] = args;
  if (comment.trim() === "") return { ok: false, error: "the comment is empty" };
  let amount: bigint;
  try {
    amount = parseUnits(amountText, 9);
  } catch (error) {
    if (error instanceof AmountFormatError) return { ok: false, error: error.message };
    throw error;
  }
  if (amount <= 0n) return { ok: false, error: "the amount must be above zero" };
  return { ok: true, comment, amount };
}

/**
 * Real money is never sent by a test tool: the configuration must say testnet, and then the
 * endpoint (asked only after that) must not serve mainnet, whatever its URL says.
 */
export async function refuseUnlessTestnet(
  configured: TonNetwork,
  served: () => Promise<ChainNetwork>,
): Promise<void> {
  if (configured !== "testnet") {
    throw new PaymentRefused(
      `refusing to pay: TON_NETWORK=${configured}. This script sends test payments on testnet only.`,
    );
  }
  if ((await served()) === "mainnet") {
    throw new PaymentRefused(
      "refusing to pay: TON_NETWORK=testnet but TONCENTER_ENDPOINT serves mainnet. " +
        "Point it at https://testnet.toncenter.com/api/v2/jsonRPC or leave it empty.",
    );
  }
}

/** How long to wait for the wallet's seqno to move. */
const CONFIRM_WITHIN_MS = 60_000;

export interface PaymentOptions {
  /** A TonClient at the configured toncenter endpoint. */
  client: TonClient;
  /** The paying wallet's 24 words. */
  mnemonic: string;
  to: Address;
  /** Nanotons, delivered exactly: fees are paid on top. */
  amount: bigint;
  comment: string;
  pollIntervalMs?: number;
}

export interface PaymentSent {
  from: Address;
  walletLabel: string;
  /** The seqno the transfer was signed with. */
  seqno: number;
  /** The wallet's seqno moved on within the wait: the transfer is on chain. */
  confirmed: boolean;
}

/** Signs and sends one transfer with a text comment, and waits for it to land. */
export async function sendPayment(options: PaymentOptions): Promise<PaymentSent> {
  const keyPair = await keyPairFromMnemonic(options.mnemonic);
  const payer = await findPayer(options.client, testnetWalletCandidates(keyPair.publicKey));
  if (payer.balance < options.amount + FEE_RESERVE) {
    throw new PayerNotFunded(
      `${payer.label} ${friendly(payer.wallet.address)} has ${formatUnits(payer.balance, 9)} TON; ` +
        `paying ${formatUnits(options.amount, 9)} TON needs ${formatUnits(FEE_RESERVE, 9)} more ` +
        "for fees. Top it up from @testgiver_ton_bot.",
    );
  }

  const wallet = options.client.open(payer.wallet);
  const seqno = await wallet.getSeqno();
  await wallet.sendTransfer({
    seqno,
    secretKey: keyPair.secretKey,
    // bounce:false as wallet apps send to a non-bounceable address: it arrives even if the
    // merchant wallet is not deployed yet, and the watcher counts it either way.
    messages: [
      internal({
        to: options.to,
        value: options.amount,
        bounce: false,
        body: textComment(options.comment),
      }),
    ],
    sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
  });

  const confirmed = await waitForSeqno(
    () => wallet.getSeqno(),
    seqno,
    CONFIRM_WITHIN_MS,
    options.pollIntervalMs ?? 3_000,
  );
  return { from: payer.wallet.address, walletLabel: payer.label, seqno, confirmed };
}

interface Payer extends WalletCandidate {
  balance: bigint;
}

/** The first candidate that is deployed; failing that, the first with TON waiting on it. */
async function findPayer(client: TonClient, candidates: WalletCandidate[]): Promise<Payer> {
  const states: Payer[] = [];
  for (const candidate of candidates) {
    const state = await client.getContractState(candidate.wallet.address);
    if (state.state === "active") return { ...candidate, balance: state.balance };
    states.push({ ...candidate, balance: state.balance });
  }
  const funded = states.find((payer) => payer.balance > 0n);
  if (funded) return funded;
  const first = candidates[0] as WalletCandidate;
  throw new PayerNotFunded(
    `the wallet of WALLET_MNEMONIC has no TON: send testnet TON to ${friendly(first.wallet.address)} ` +
      "with @testgiver_ton_bot, then run this again.",
  );
}

async function waitForSeqno(
  read: () => Promise<number>,
  sent: number,
  timeoutMs: number,
  intervalMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await read()) > sent) return true;
    } catch {
      // A failed read says nothing about the transfer; ask again until the deadline.
    }
    if (Date.now() + intervalMs > deadline) return false;
    await delay(intervalMs);
  }
}

function friendly(address: Address): string {
  return address.toString({ bounceable: false, testOnly: true });
}
