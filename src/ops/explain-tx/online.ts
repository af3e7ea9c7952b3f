/** Online: the merchant wallet through toncenter, the shop through Redis. */
import { type Config, ConfigError, loadConfig } from "../../config.js";
import { errorSummary, maskSecrets } from "../../log.js";
import { showCoinAs } from "../../notices/format.js";
import { ToncenterClient } from "../../payments/ton/client.js";
import { ToncenterError, ToncenterRateLimited } from "../../payments/ton/errors.js";
import { displayAddress, explorerTxLink } from "../../payments/ton/links.js";
import { redisWhere } from "../../redis/connection.js";
import { displayUrl } from "../network.js";
import { connectOnce } from "../redis-probe.js";
import { MAX_PAGES } from "./args.js";
import { explainBoc, headerLines, receivedLine, transactionJson } from "./explain.js";
import { humanTime, type Output } from "./output.js";
import { PAGE_SIZE, type Search, searchWallet } from "./search.js";
import { readShopRecord, shopJson, shopLines } from "./shop.js";

export interface OnlineArgs {
  hash: string;
  pages: number;
  json: boolean;
}

/**
 * Finds the transaction on the configured merchant wallet and says how the watcher classifies it
 * and which order it pays. 0 when found, 1 when not found or the setup is not usable.
 */
export async function explainOnline(
  args: OnlineArgs,
  env: Record<string, string | undefined>,
  out: Output,
): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    out.problem(`Configuration error: ${error.message}`);
    return 1;
  }
  showCoinAs(config.coinLabel);
  const merchant = config.merchantAddress;
  if (!merchant) {
    out.problem(
      "MERCHANT_ADDRESS is not set: set it to the wallet that receives payments, where the transaction is looked up.",
    );
    return 1;
  }
  const connected = await connectOnce(config, 10_000);
  if (!("redis" in connected)) {
    const cause = maskSecrets(errorSummary(connected.cause));
    const { service, where } = redisWhere(config);
    const fix = config.redisCluster
      ? "check the cluster's nodes, or set REDIS_CLUSTER_NODES to the shop's cluster."
      : "start redis-server, or set REDIS_URL to the shop's Redis.";
    out.problem(`${service} unreachable at ${where} (${cause}): ${fix}`);
    return 1;
  }
  const { redis } = connected;
  try {
    let search: Search;
    try {
      search = await searchWallet(
        (decoder) =>
          new ToncenterClient({
            endpoint: config.toncenterEndpoint,
            apiKey: config.toncenterApiKey,
            rps: config.toncenterRps,
            retries: 3,
            maxBackoffMs: 2_000,
            decoder,
          }),
        merchant,
        args.hash,
        args.pages,
      );
    } catch (error) {
      out.problem(toncenterProblem(error, config));
      return 1;
    }
    const testnet = config.tonNetwork === "testnet";
    if (search.kind === "not-found") {
      printNotFound(args, search, displayAddress(merchant, testnet), out);
      return 1;
    }
    const explained = explainBoc(search.boc, merchant);
    const record = await readShopRecord(redis, config.redisPrefix, merchant, explained);
    if (args.json) {
      out.line(
        JSON.stringify({
          ...transactionJson(explained),
          explorer: explorerTxLink(explained.observed.hash, testnet),
          ...shopJson(explained, record),
        }),
      );
      return 0;
    }
    for (const line of headerLines(explained, testnet)) out.line(line);
    out.line(receivedLine(explained));
    for (const line of shopLines(explained, record)) out.line(line);
    return 0;
  } finally {
    redis.disconnect();
  }
}

function printNotFound(
  args: OnlineArgs,
  search: Extract<Search, { kind: "not-found" }>,
  wallet: string,
  out: Output,
): void {
  if (args.json) {
    out.line(
      JSON.stringify({
        hash: args.hash,
        found: false,
        searched: search.searched,
        complete: search.complete,
      }),
    );
    return;
  }
  const back = search.oldestTime === undefined ? "" : `, back to ${humanTime(search.oldestTime)}`;
  if (search.complete) {
    out.line(
      `Not found: transaction ${args.hash} is not in the whole history of the merchant wallet ${wallet} (${search.searched} transactions${back}). It went to another wallet, or to another network than TON_NETWORK.`,
    );
    return;
  }
  out.line(
    `Not found among the newest transactions of the merchant wallet ${wallet} (${search.searched} transactions${back}). To look further back, run again with --pages ${Math.min(args.pages * 5, MAX_PAGES)} (${PAGE_SIZE} transactions a page).`,
  );
}

function toncenterProblem(error: unknown, config: Config): string {
  const at = displayUrl(config.toncenterEndpoint);
  const key = config.toncenterApiKey;
  const masked = maskSecrets(errorSummary(error));
  const detail = key && key.length >= 4 ? masked.split(key).join("<redacted>") : masked;
  if (error instanceof ToncenterRateLimited) {
    return `toncenter at ${at} keeps refusing with 429 (${detail}): set TONCENTER_API_KEY (from @tonapibot) or lower TONCENTER_RPS.`;
  }
  if (error instanceof ToncenterError && (error.status === 401 || error.status === 403)) {
    return `toncenter at ${at} refused the key (${error.status}): check TONCENTER_API_KEY.`;
  }
  return `toncenter unreachable at ${at} (${detail}): check the network and TONCENTER_ENDPOINT (leave it empty for toncenter's own).`;
}
