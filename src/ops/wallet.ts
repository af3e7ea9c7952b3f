import { type KeyPair, mnemonicNew, mnemonicToPrivateKey, mnemonicValidate } from "@ton/crypto";
import { WalletContractV4, WalletContractV5R1 } from "@ton/ton";
import { NETWORK_GLOBAL_ID } from "./network.js";

export class MnemonicError extends Error {
  override name = "MnemonicError";
}

export type OpsWallet = WalletContractV5R1 | WalletContractV4;

/** A wallet contract a set of words may stand for, with the name a wallet app would give it. */
export interface WalletCandidate {
  label: string;
  wallet: OpsWallet;
}

/** Wallet v5r1 (W5) signed for testnet: the wallet id carries testnet's global id, -3. */
export function testnetWallet(publicKey: Buffer): WalletContractV5R1 {
  return WalletContractV5R1.create({
    publicKey,
    walletId: {
      networkGlobalId: NETWORK_GLOBAL_ID.testnet,
      context: { workchain: 0, walletVersion: "v5r1", subwalletNumber: 0 },
    },
  });
}

/**
 * The testnet wallets the same 24 words open, most likely first: ours (W5 with testnet's id),
 * then what wallet apps create from imported words (W5 with mainnet's id, and v4).
 */
export function testnetWalletCandidates(publicKey: Buffer): WalletCandidate[] {
  return [
    { label: "wallet v5r1 (testnet id)", wallet: testnetWallet(publicKey) },
    { label: "wallet v5r1 (mainnet id)", wallet: WalletContractV5R1.create({ publicKey }) },
    { label: "wallet v4r2", wallet: WalletContractV4.create({ workchain: 0, publicKey }) },
  ];
}

/** Words from text as a person pastes them: any spacing, commas or numbering "1." dropped. */
export function mnemonicWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[\s,]+/)
    .map((word) => word.replace(/^\d+[.)]/, ""))
    .filter((word) => word !== "");
}

export async function keyPairFromMnemonic(text: string): Promise<KeyPair> {
  const words = mnemonicWords(text);
  if (words.length !== 24) {
    throw new MnemonicError(`the mnemonic has ${words.length} words; a TON wallet has 24`);
  }
  if (!(await mnemonicValidate(words))) {
    throw new MnemonicError("the mnemonic is not a valid TON mnemonic (check each word)");
  }
  return mnemonicToPrivateKey(words);
}

export interface NewTestnetWallet {
  mnemonic: string[];
  wallet: WalletContractV5R1;
  /** User-friendly, non-bounceable, test-only: how testnet wallet apps show it (0Q…). */
  address: string;
}

export async function newTestnetWallet(): Promise<NewTestnetWallet> {
  const mnemonic = await mnemonicNew(24);
  const { publicKey } = await mnemonicToPrivateKey(mnemonic);
  const wallet = testnetWallet(publicKey);
  return {
    mnemonic,
    wallet,
    address: wallet.address.toString({ bounceable: false, testOnly: true }),
  };
}

/** What `npm run testnet-wallet` prints: the wallet, the env lines, and how to bring it to life. */
export function newWalletInstructions(created: NewTestnetWallet): string {
  const words = created.mnemonic.join(" ");
  return [
    "New testnet wallet: W5 (wallet v5r1) with testnet's network id (-3).",
    "",
    `Address (testnet, non-bounceable): ${created.address}`,
    "",
    "Mnemonic, 24 words. Whoever has them owns the wallet: keep them out of git and chats.",
    `  ${words}`,
    "",
    "Environment lines (.env):",
    "  # as the shop's wallet, which receives payments",
    `  MERCHANT_ADDRESS=${created.address}`,
    "  # as the buyer that `npm run pay -- <comment> <amount>` pays from",
    `  WALLET_MNEMONIC="${words}"`,
    "",
    "Use two wallets, one for the shop and one for the buyer: run this twice. A payment from the",
    "shop's own wallet to itself is not counted as a sale.",
    "",
    "Next:",
    `  1. Fund it: send the address to @testgiver_ton_bot in Telegram for free testnet TON.`,
    "  2. It is not deployed yet: a wallet deploys itself with its first outgoing transfer.",
    "     The shop's wallet receives and counts payments as it is; deploy it before you move",
    "     money out (send any small amount out of it once: `npm run pay` with its words as",
    "     WALLET_MNEMONIC, or a wallet app in testnet mode). The buyer wallet deploys with its",
    "     first `npm run pay`. `npm run doctor` says which state it is in.",
  ].join("\n");
}
