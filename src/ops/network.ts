import { Address } from "@ton/core";
import type { HttpApi } from "@ton/ton";

export type TonNetwork = "mainnet" | "testnet";
/** What a toncenter endpoint serves: a public network, or a chain of its own (an emulator). */
export type ChainNetwork = TonNetwork | "private";

/**
 * Root hashes of the masterchain zero state, from each network's global config. toncenter
 * reports it as `init` in getMasterchainInfo, so an endpoint cannot hide which chain it serves.
 */
export const ZERO_STATE_ROOT_HASH: Record<TonNetwork, string> = {
  mainnet: "F6OpKZKqvqeFp6CQmFomXNMfMj2EnaUSOXN+Mh+wVWk=",
  testnet: "gj+B8wb/AmlPk1z1AhVI484rhrUpgSr2oSFIh56VoSg=",
};

/** Global ids wallets v5 sign into their wallet id. */
export const NETWORK_GLOBAL_ID: Record<TonNetwork, number> = { mainnet: -239, testnet: -3 };

export const DEFAULT_TONCENTER_ENDPOINT: Record<TonNetwork, string> = {
  mainnet: "https://toncenter.com/api/v2/jsonRPC",
  testnet: "https://testnet.toncenter.com/api/v2/jsonRPC",
};

function networkOfZeroState(rootHash: string): ChainNetwork {
  if (rootHash === ZERO_STATE_ROOT_HASH.mainnet) return "mainnet";
  if (rootHash === ZERO_STATE_ROOT_HASH.testnet) return "testnet";
  return "private";
}

export interface ChainInfo {
  network: ChainNetwork;
  /** The newest masterchain block the endpoint knows. */
  seqno: number;
}

/** Asks the endpoint which chain it serves and how far along it is. */
export async function chainInfo(api: HttpApi): Promise<ChainInfo> {
  const info = await api.getMasterchainInfo();
  return { network: networkOfZeroState(info.init.root_hash), seqno: info.last.seqno };
}

/** The network toncenter's own hosts serve, by name alone; undefined for any other host. */
export function networkOfEndpoint(endpoint: string): TonNetwork | undefined {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return undefined;
  }
  if (host === "testnet.toncenter.com") return "testnet";
  if (host === "toncenter.com") return "mainnet";
  return undefined;
}

/**
 * The network a user-friendly address was written for (its test-only flag); undefined for the
 * raw form `0:…`, which carries no flag.
 */
export function networkOfAddressText(text: string): TonNetwork | undefined {
  const trimmed = text.trim();
  if (!Address.isFriendly(trimmed)) return undefined;
  return Address.parseFriendly(trimmed).isTestOnly ? "testnet" : "mainnet";
}

/** The same address written for `network`, keeping its bounceable flag; raw form stays raw. */
export function addressTextFor(text: string, network: TonNetwork): string {
  const trimmed = text.trim();
  if (!Address.isFriendly(trimmed)) return trimmed;
  const { address, isBounceable } = Address.parseFriendly(trimmed);
  return address.toString({ bounceable: isBounceable, testOnly: network === "testnet" });
}

/** An endpoint to show a person: scheme, host and path, without a query that may hold a key. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === "/" ? "" : parsed.pathname}`;
  } catch {
    return "(not a URL)";
  }
}
