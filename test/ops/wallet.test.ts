import { Address } from "@ton/core";
import { mnemonicToPrivateKey, mnemonicValidate } from "@ton/crypto";
import { WalletContractV5R1 } from "@ton/ton";
import { describe, expect, it } from "vitest";
import {
  keyPairFromMnemonic,
  MnemonicError,
  mnemonicWords,
  newTestnetWallet,
  newWalletInstructions,
  testnetWallet,
} from "../../src/ops/wallet.js";

describe("npm run testnet-wallet", () => {
  it("makes 24 valid words and shows their W5 testnet wallet as a non-bounceable testnet address", async () => {
    const created = await newTestnetWallet();

    expect(created.mnemonic).toHaveLength(24);
    expect(await mnemonicValidate(created.mnemonic)).toBe(true);
    const parsed = Address.parseFriendly(created.address);
    expect(parsed.isTestOnly).toBe(true);
    expect(parsed.isBounceable).toBe(false);
    const { publicKey } = await mnemonicToPrivateKey(created.mnemonic);
    expect(parsed.address.equals(testnetWallet(publicKey).address)).toBe(true);
    expect(created.wallet.walletId.networkGlobalId).toBe(-3);
  });

  it("prints the env lines, the faucet and how the wallet gets deployed", async () => {
    const created = await newTestnetWallet();
    const text = newWalletInstructions(created);

    expect(text).toContain(`\n  MERCHANT_ADDRESS=${created.address}\n`);
    expect(text).toContain(`\n  WALLET_MNEMONIC="${created.mnemonic.join(" ")}"\n`);
    expect(text).toContain("@testgiver_ton_bot");
    expect(text).toContain("deploys itself with its first outgoing transfer");
  });

  it("gives a testnet wallet an address of its own, apart from the mainnet-id wallet of the same key", async () => {
    const { mnemonic, wallet } = await newTestnetWallet();
    const { publicKey } = await mnemonicToPrivateKey(mnemonic);

    expect(wallet.address.equals(WalletContractV5R1.create({ publicKey }).address)).toBe(false);
  });
});

describe("WALLET_MNEMONIC", () => {
  it("reads words however they were pasted: numbered, comma-separated, in capitals", async () => {
    const { mnemonic } = await newTestnetWallet();
    const pasted = mnemonic.map((word, i) => `${i + 1}. ${word.toUpperCase()},`).join("\n");

    expect(mnemonicWords(pasted)).toEqual(mnemonic);
    const fromPasted = await keyPairFromMnemonic(pasted);
    expect(fromPasted.publicKey).toEqual((await mnemonicToPrivateKey(mnemonic)).publicKey);
  });

  it("says how many words it found when there are not 24", async () => {
    await expect(keyPairFromMnemonic("one two three")).rejects.toThrow(
      new MnemonicError("the mnemonic has 3 words; a TON wallet has 24"),
    );
  });
});
