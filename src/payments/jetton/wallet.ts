import { setTimeout as sleep } from "node:timers/promises";
import { Address, beginCell, type TupleItem, type TupleReader } from "@ton/core";
import type { Catalog } from "../../catalog/catalog.js";
import { ConfigError } from "../../config.js";
import type { Logger } from "../../log.js";
import type { RedisClient } from "../../redis/client.js";
import { redisKeys } from "../../redis/keys.js";

/** toncenter's exit code for a get-method on an address where no contract is deployed. */
const NO_CONTRACT = -13;

/**
 * A get-method call answered with its exit code rather than an exception. ToncenterClient
 * answers it with its rate limit, retries and metrics; a plain TonClient answers it too.
 */
export interface GetMethods {
  runMethodWithError(
    address: Address,
    name: string,
    args?: TupleItem[],
  ): Promise<{ exit_code: number; stack: TupleReader }>;
}

/** A product has a usdt price, but USDT_MASTER names no master (testnet has no default). */
export class UsdtMasterMissing extends ConfigError {
  override name = "UsdtMasterMissing";
  constructor(readonly productId: string) {
    super(
      `USDT_MASTER is not set, but product "${productId}" has a usdt price: set it to the USDT jetton master (on testnet, a test jetton's)`,
    );
  }
}

/**
 * The USDT master the shop asks for its jetton wallet, or undefined when no product has a usdt
 * price: such a shop never asks. Prices in USDT without a master throw UsdtMasterMissing.
 */
export function usdtMasterOf(
  catalog: Catalog,
  usdtMaster: Address | undefined,
): Address | undefined {
  const priced = catalog.products.find((product) => product.prices.usdt !== undefined);
  if (priced === undefined) return undefined;
  if (usdtMaster === undefined) throw new UsdtMasterMissing(priced.id);
  return usdtMaster;
}

/** The address given as a jetton master does not answer get_wallet_address as one does. */
export class NotAJettonMaster extends Error {
  override name = "NotAJettonMaster";
  constructor(
    readonly master: Address,
    /** The get-method's exit code; 0 when it ran but returned no address. */
    readonly exitCode: number,
    testnet: boolean,
  ) {
    const shown = master.toString({ testOnly: testnet });
    super(
      exitCode === NO_CONTRACT
        ? `${shown} is not a jetton master: no contract is deployed there`
        : exitCode === 0
          ? `${shown} is not a jetton master: its get_wallet_address returned no address`
          : `${shown} is not a jetton master: its get_wallet_address failed with exit code ${exitCode}`,
    );
  }
}

/**
 * The jetton wallet `master` keeps for `owner`, asked of the master itself (`get_wallet_address`)
 * rather than computed here: USDT's wallet code is a library cell, easy to get wrong locally.
 * Network failures are the caller's GetMethods' to retry; a master that is not one throws
 * NotAJettonMaster.
 */
export async function jettonWalletOf(
  toncenter: GetMethods,
  master: Address,
  owner: Address,
  testnet: boolean,
): Promise<Address> {
  const owned = beginCell().storeAddress(owner).endCell();
  const answer = await toncenter.runMethodWithError(master, "get_wallet_address", [
    { type: "slice", cell: owned },
  ]);
  if (answer.exit_code !== 0) throw new NotAJettonMaster(master, answer.exit_code, testnet);
  try {
    return answer.stack.readAddress();
  } catch {
    throw new NotAJettonMaster(master, 0, testnet);
  }
}

export interface OurJettonWalletOptions {
  redis: RedisClient;
  prefix: string;
  toncenter: GetMethods;
  testnet: boolean;
}

/**
 * Our own jetton wallet of `master`, the one the merchant's jettons arrive in. The master is asked
 * once; its answer is kept in Redis with the master and merchant it belongs to, and used only
 * while both are still the shop's.
 */
export async function ourJettonWallet(
  options: OurJettonWalletOptions,
  master: Address,
  merchant: Address,
): Promise<Address> {
  const kept = await keptWallet(options, master, merchant);
  if (kept) return kept;
  const wallet = await jettonWalletOf(options.toncenter, master, merchant, options.testnet);
  await options.redis.hset(redisKeys(options.prefix).jettonWallet, {
    master: master.toRawString(),
    owner: merchant.toRawString(),
    wallet: wallet.toRawString(),
  });
  return wallet;
}

/** Our jetton wallet as kept in Redis for this master and merchant, if it is. */
async function keptWallet(
  options: Pick<OurJettonWalletOptions, "redis" | "prefix">,
  master: Address,
  merchant: Address,
): Promise<Address | undefined> {
  const kept = await options.redis.hgetall(redisKeys(options.prefix).jettonWallet);
  return rememberedWallet(kept, master, merchant);
}

/** The remembered wallet when it was asked for this master and merchant; otherwise undefined. */
function rememberedWallet(
  kept: Record<string, string>,
  master: Address,
  merchant: Address,
): Address | undefined {
  try {
    if (kept.master === undefined || kept.owner === undefined || kept.wallet === undefined) {
      return undefined;
    }
    const same =
      Address.parseRaw(kept.master).equals(master) && Address.parseRaw(kept.owner).equals(merchant);
    return same ? Address.parseRaw(kept.wallet) : undefined;
  } catch {
    // Not an address we wrote: ask the master again, which writes it anew.
    return undefined;
  }
}

/**
 * Why our jetton wallet is not known: it is still being asked for (toncenter away), or
 * USDT_MASTER is not a jetton master and it never will be.
 */
export type JettonWalletUnknown = "asking" | "not-a-master";

/** First wait before asking again for our jetton wallet when toncenter did not answer. */
const ASK_AGAIN_FIRST_MS = 5_000;
/** How often Redis is read for a wallet another process was told, between two asks. */
const LOOK_AGAIN_MS = 5_000;
/** The longest wait between two asks: toncenter back for a while is noticed within this. */
const ASK_AGAIN_MAX_MS = 300_000;

/**
 * Our jetton wallet, asked for as the shop starts and said in one info line, so the merchant sees
 * where their USDT arrives. toncenter away is a warn line and the master is asked again, ever
 * more slowly, until it answers: USDT detection starts then, and TON sales never wait for it. A
 * master that is not one is an error line and "not-a-master". `stopping` aborted gives undefined;
 * nothing is said once it has.
 */
export async function announceOurJettonWallet(
  options: OurJettonWalletOptions & {
    log: Logger;
    stopping: AbortSignal;
    askAgainMs?: number;
    lookAgainMs?: number;
  },
  master: Address,
  merchant: Address,
): Promise<Address | "not-a-master" | undefined> {
  const { log, stopping, testnet } = options;
  const shownMaster = master.toString({ testOnly: testnet });
  const lookAgainMs = options.lookAgainMs ?? LOOK_AGAIN_MS;
  const announce = (wallet: Address) => {
    log.info(
      { master: shownMaster, jettonWallet: wallet.toString({ testOnly: testnet }) },
      "USDT arrives in our jetton wallet",
    );
    return wallet;
  };
  let wait = options.askAgainMs ?? ASK_AGAIN_FIRST_MS;
  for (;;) {
    try {
      const wallet = await ourJettonWallet(options, master, merchant);
      if (stopping.aborted) return undefined;
      return announce(wallet);
    } catch (error) {
      if (stopping.aborted) return undefined;
      if (error instanceof NotAJettonMaster) {
        log.error(
          { master: shownMaster, err: error.message },
          "USDT_MASTER is not a jetton master",
        );
        return "not-a-master";
      }
      log.warn(
        { master: shownMaster, err: error, retryInMs: wait },
        "our USDT jetton wallet could not be asked for; asking again",
      );
    }
    // Between asks, Redis is read again now and then: another process may have been answered.
    for (let waited = 0; waited < wait; waited += lookAgainMs) {
      try {
        await sleep(Math.min(lookAgainMs, wait - waited), undefined, { signal: stopping });
      } catch {
        return undefined;
      }
      const kept = await keptWallet(options, master, merchant).catch(() => undefined);
      if (kept) return announce(kept);
    }
    wait = Math.min(wait * 2, ASK_AGAIN_MAX_MS);
  }
}

/**
 * What a jetton wallet holds, in base units, from its `get_wallet_data` (balance first, as TEP-74
 * orders it). A wallet not created yet holds nothing: toncenter answers -13 for it.
 */
export async function jettonWalletBalance(toncenter: GetMethods, wallet: Address): Promise<bigint> {
  const answer = await toncenter.runMethodWithError(wallet, "get_wallet_data");
  if (answer.exit_code === NO_CONTRACT) return 0n;
  if (answer.exit_code !== 0) {
    throw new Error(
      `get_wallet_data of ${wallet.toString()} failed with exit code ${answer.exit_code}`,
    );
  }
  return answer.stack.readBigNumber();
}
