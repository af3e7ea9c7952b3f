import type { Address } from "@ton/core";
import { isAxiosError } from "axios";
import { Api, GrammyError, HttpError } from "grammy";
import { Cluster, type Redis } from "ioredis";
import { type Catalog, loadCatalog } from "../catalog/catalog.js";
import { formatUnits } from "../catalog/units.js";
import { type Config, ConfigError, loadConfig, MAINNET_USDT_MASTER } from "../config.js";
import { errorSummary, maskSecrets } from "../log.js";
import {
  jettonWalletOf,
  NotAJettonMaster,
  UsdtMasterMissing,
  usdtMasterOf,
} from "../payments/jetton/wallet.js";
import { toToncenterError } from "../payments/ton/client.js";
import { ToncenterError, ToncenterRateLimited } from "../payments/ton/errors.js";
import { checkManifest } from "../payments/tonconnect/manifest.js";
import type { RedisClient } from "../redis/client.js";
import { masters, type RedisTarget, redisWhere } from "../redis/connection.js";
import {
  addressTextFor,
  type ChainInfo,
  chainInfo,
  DEFAULT_TONCENTER_ENDPOINT,
  displayUrl,
  networkOfAddressText,
  networkOfEndpoint,
} from "./network.js";
import { connectOnce } from "./redis-probe.js";
import { connectToncenter, type ToncenterConnection } from "./toncenter.js";

/** One line of the report: what was checked and, when it failed, how to fix it. */
export interface CheckResult {
  ok: boolean;
  what: string;
  /** Set when `ok` is false. */
  fix?: string;
  /** Set on a passing check the merchant should still know about. */
  note?: string;
}

export interface DoctorOptions {
  /** The environment to check, as `npm start` would read it. */
  env: Record<string, string | undefined>;
  /** How long each network check may take. */
  timeoutMs?: number;
}

const pass = (what: string): CheckResult => ({ ok: true, what });
const notice = (what: string, note: string): CheckResult => ({ ok: true, what, note });
const fail = (what: string, fix: string): CheckResult => ({ ok: false, what, fix });

export function formatCheck(check: CheckResult): string {
  if (!check.ok) return `✗ ${check.what} — ${check.fix ?? "see above"}`;
  return check.note ? `! ${check.what} — ${check.note}` : `✓ ${check.what}`;
}

/**
 * Checks a real setup end to end: the configuration, the bot token, toncenter and its network,
 * the merchant wallet, Redis, the catalog and, when it sells in USDT, our USDT jetton wallet.
 * Nothing is written anywhere and no secret is repeated in the results.
 */
export async function runDoctor(options: DoctorOptions): Promise<CheckResult[]> {
  let config: Config;
  try {
    config = loadConfig(options.env);
  } catch (error) {
    if (error instanceof ConfigError) return [fail(error.message, "fix it in .env and run again")];
    throw error;
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const secrets = [config.botToken, config.toncenterApiKey].filter(
    (secret): secret is string => secret !== undefined && secret.length >= 4,
  );
  const hide = (text: string) =>
    secrets.reduce((masked, secret) => masked.split(secret).join("<redacted>"), maskSecrets(text));

  const toncenter = connectToncenter({
    endpoint: config.toncenterEndpoint,
    apiKey: config.toncenterApiKey,
    rps: config.toncenterRps,
    timeoutMs,
    rateLimitRetries: 1,
  });
  const [bot, ton, redis, catalog, tonconnect] = await Promise.all([
    checkBotToken(config, timeoutMs, hide),
    checkToncenter(config, options.env.MERCHANT_ADDRESS, toncenter, hide),
    checkRedis(config, timeoutMs, hide),
    checkCatalog(config),
    checkTonConnect(config, timeoutMs),
  ]);
  const usdt = await checkUsdt(config, catalog.catalog, toncenter, ton.reachable, hide);
  return [pass("config valid"), bot, ...ton.results, ...redis, catalog.result, usdt, tonconnect];
}

async function checkBotToken(
  config: Config,
  timeoutMs: number,
  hide: (text: string) => string,
): Promise<CheckResult> {
  if (!config.botToken) {
    return fail(
      "BOT_TOKEN is not set, so `npm start` runs the offline sandbox",
      "create a bot with @BotFather and set BOT_TOKEN",
    );
  }
  // The same client options the bot is built with (src/bot/create-bot.ts).
  const api = new Api(config.botToken, {
    apiRoot: config.telegramApiRoot,
    environment: config.telegramTestEnv ? "test" : "prod",
    timeoutSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
  });
  const where = config.telegramTestEnv ? "Telegram's test environment" : "Telegram";
  try {
    const me = await api.getMe();
    return pass(`bot token works: @${me.username}`);
  } catch (error) {
    if (error instanceof GrammyError && error.error_code === 401) {
      return fail(
        `bot token rejected by ${where} (401 Unauthorized)`,
        config.telegramTestEnv
          ? "TELEGRAM_TEST_ENV=true needs a token from the test environment's @BotFather; set BOT_TOKEN or TELEGRAM_TEST_ENV=false"
          : "copy the token again from @BotFather (/mybots → API Token) into BOT_TOKEN",
      );
    }
    if (error instanceof GrammyError) {
      return fail(
        `bot token check failed: ${hide(error.description)} (${error.error_code})`,
        "check BOT_TOKEN with @BotFather",
      );
    }
    const detail = error instanceof HttpError ? errorSummary(error.error) : errorSummary(error);
    return fail(
      `Bot API unreachable at ${displayUrl(config.telegramApiRoot)}: ${hide(detail)}`,
      "check the network and TELEGRAM_API_ROOT (leave it empty for https://api.telegram.org)",
    );
  }
}

async function checkToncenter(
  config: Config,
  merchantText: string | undefined,
  toncenter: ToncenterConnection,
  hide: (text: string) => string,
): Promise<{ results: CheckResult[]; reachable: boolean }> {
  const endpoint = displayUrl(config.toncenterEndpoint);
  const results: CheckResult[] = [];
  let chain: ChainInfo | undefined;
  try {
    chain = await chainInfo(toncenter.api);
    results.push(pass(`toncenter reachable at ${endpoint} (masterchain block ${chain.seqno})`));
  } catch (error) {
    results.push(
      fail(
        `toncenter unreachable at ${endpoint}: ${hide(toncenterProblem(error))}`,
        toncenterFix(error),
      ),
    );
  }
  results.push(networkCheck(config, chain));
  results.push(addressFormCheck(config, merchantText));
  results.push(await merchantWalletCheck(config, toncenter, chain !== undefined, hide));
  return { results, reachable: chain !== undefined };
}

function networkCheck(config: Config, chain: ChainInfo | undefined): CheckResult {
  const want = config.tonNetwork;
  const other = want === "testnet" ? "mainnet" : "testnet";
  const fix = `set TONCENTER_ENDPOINT to ${DEFAULT_TONCENTER_ENDPOINT[want]} (or leave it empty), or set TON_NETWORK=${other}`;
  if (!chain) {
    // toncenter's own hosts say their network in the name, which is worth reporting even now.
    const named = networkOfEndpoint(config.toncenterEndpoint);
    if (named && named !== want) {
      return fail(`TONCENTER_ENDPOINT is a ${named} endpoint but TON_NETWORK=${want}`, fix);
    }
    return fail("TON network not checked", "fix the toncenter line above first");
  }
  if (chain.network === want) return pass(`toncenter serves ${want}, as TON_NETWORK says`);
  if (chain.network === "private") {
    if (want === "testnet") {
      return pass(
        "toncenter serves a private chain (a local emulator?); fine for TON_NETWORK=testnet",
      );
    }
    return fail("toncenter serves a private chain, not mainnet, but TON_NETWORK=mainnet", fix);
  }
  return fail(`toncenter serves ${chain.network} but TON_NETWORK=${want}`, fix);
}

function addressFormCheck(config: Config, merchantText: string | undefined): CheckResult {
  if (!merchantText?.trim() || !config.merchantAddress) {
    return fail(
      "MERCHANT_ADDRESS is not set",
      "set it to the wallet that receives payments (`npm run testnet-wallet` makes one for testnet)",
    );
  }
  const want = config.tonNetwork;
  const written = networkOfAddressText(merchantText);
  if (written === undefined) return pass("MERCHANT_ADDRESS is in raw form (no network flag)");
  if (written === want) return pass(`MERCHANT_ADDRESS is written for ${want}`);
  return fail(
    `MERCHANT_ADDRESS is written for ${written} but TON_NETWORK=${want}`,
    `write it for ${want}: MERCHANT_ADDRESS=${addressTextFor(merchantText, want)}, or set TON_NETWORK=${written}`,
  );
}

async function merchantWalletCheck(
  config: Config,
  toncenter: ToncenterConnection,
  reachable: boolean,
  hide: (text: string) => string,
): Promise<CheckResult> {
  const address = config.merchantAddress;
  if (!address) return fail("merchant wallet not checked", "set MERCHANT_ADDRESS first");
  if (!reachable) return fail("merchant wallet not checked", "fix the toncenter line above first");
  const shown = friendly(address, config);
  let state: Awaited<ReturnType<typeof toncenter.client.getContractState>>;
  try {
    state = await toncenter.client.getContractState(address);
  } catch (error) {
    return fail(
      `merchant wallet ${shown} could not be read: ${hide(toncenterProblem(error))}`,
      toncenterFix(error),
    );
  }
  const balance = `${formatUnits(state.balance, 9)} ${config.coinLabel}`;
  const faucet = config.tonNetwork === "testnet" ? " (testnet TON: @testgiver_ton_bot)" : "";
  if (state.state === "active")
    return pass(`merchant wallet ${shown} is active, balance ${balance}`);
  if (state.state === "frozen") {
    return fail(
      `merchant wallet ${shown} is frozen for unpaid storage fees (balance ${balance})`,
      `send ${config.coinLabel} to it to unfreeze it${faucet}`,
    );
  }
  // Not deployed: an account with no code yet. The shop asks for non-bounceable transfers,
  // which such an account keeps, and the watcher counts them; only sending out needs the code.
  const held = state.balance === 0n ? "holds nothing yet" : `balance ${balance}`;
  return notice(
    `merchant wallet ${shown} is not deployed yet (${held}); payments to it still arrive and are counted`,
    `it deploys itself with its first outgoing transfer: send one (any amount, from the wallet app) before you move money out of it`,
  );
}

async function checkRedis(
  target: RedisTarget,
  timeoutMs: number,
  hide: (text: string) => string,
): Promise<CheckResult[]> {
  const { service, where, fix } = redisWhere(target);
  const connected = await connectOnce(target, timeoutMs);
  if (!("redis" in connected)) {
    return [
      fail(`${service} unreachable at ${where}: ${hide(errorSummary(connected.cause))}`, fix),
    ];
  }
  const { redis } = connected;
  try {
    const reached = await checkReached(target, redis, service, where);
    return reached.ok ? [reached, await checkPersistence(redis, service)] : [reached];
  } catch (error) {
    return [fail(`${service} unreachable at ${where}: ${hide(errorSummary(error))}`, fix)];
  } finally {
    redis.disconnect();
  }
}

async function checkReached(
  target: RedisTarget,
  redis: RedisClient,
  service: string,
  where: string,
): Promise<CheckResult> {
  const info = await redis.info("server");
  const version = /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown version";
  if (!(redis instanceof Cluster))
    return pass(`${service} reachable at ${where} (Redis ${version}, one server)`);
  const state = /^cluster_state:(\S+)/m.exec(String(await redis.cluster("INFO")))?.[1];
  if (state !== "ok") {
    return fail(
      `${service} at ${where} is not serving every slot (cluster_state:${state ?? "unknown"})`,
      "check it with redis-cli --cluster check <host:port>",
    );
  }
  const masterCount = redis.nodes("master").length;
  const replicas = redis.nodes("slave").length;
  const reached = `${service} reachable at ${where} (Redis ${version}, ${masterCount} master${masterCount === 1 ? "" : "s"}, ${replicas} replica${replicas === 1 ? "" : "s"})`;
  return target.redisCluster?.redisUrlIgnored
    ? notice(reached, "REDIS_URL is set too, and ignored while REDIS_CLUSTER_NODES is set")
    : pass(reached);
}

/** How one server keeps its data over a restart, or undefined when it will not say. */
async function persistenceOf(node: Redis): Promise<{ aof: boolean; save: string } | undefined> {
  try {
    const [, appendonly] = (await node.config("GET", "appendonly")) as string[];
    const [, save] = (await node.config("GET", "save")) as string[];
    return { aof: appendonly === "yes", save: save ?? "" };
  } catch {
    // Managed Redis often refuses CONFIG; INFO still tells whether the append-only file is on.
    try {
      const info = await node.info("persistence");
      if (/^aof_enabled:1/m.test(info)) return { aof: true, save: "" };
    } catch {}
    return undefined;
  }
}

/**
 * Whether Redis keeps the shop's orders and payments over a restart: an append-only file (every
 * write on disk within a second), or at least RDB snapshots. On a cluster, every master.
 */
async function checkPersistence(redis: RedisClient, service: string): Promise<CheckResult> {
  const found = await Promise.all(masters(redis).map(persistenceOf));
  const turnOn =
    "set appendonly yes in redis.conf (or at least save 60 1000) and restart it, or run CONFIG SET appendonly yes then CONFIG REWRITE";
  if (found.some((node) => node === undefined)) {
    return notice(
      `${service} persistence unknown: CONFIG GET was refused`,
      "make sure your provider keeps an append-only file or snapshots, and take backups (npm run backup)",
    );
  }
  const nodes = found as { aof: boolean; save: string }[];
  if (nodes.every((node) => node.aof)) return pass(`${service} persists its data (appendonly yes)`);
  if (nodes.some((node) => !node.aof && node.save.trim() === "")) {
    return notice(
      `${service} does not persist its data (appendonly no, no save points): a restart loses every order and payment`,
      turnOn,
    );
  }
  const saves = [...new Set(nodes.filter((node) => !node.aof).map((node) => node.save))].join("; ");
  return notice(
    `${service} persists by snapshots only (save ${saves}): a crash loses the payments since the last one`,
    turnOn.replace(" (or at least save 60 1000)", ""),
  );
}

async function checkCatalog(config: Config): Promise<{ result: CheckResult; catalog?: Catalog }> {
  try {
    const catalog = await loadCatalog(config.catalogPath, { fiatCurrency: config.fiatCurrency });
    const count = catalog.products.length;
    const result = pass(
      `catalog loads: ${count} product${count === 1 ? "" : "s"} from ${config.catalogPath}`,
    );
    return { result, catalog };
  } catch (error) {
    const result = fail(
      `catalog does not load: ${errorSummary(error)}`,
      "fix the file at CATALOG_PATH (catalog.example.json shows every field)",
    );
    return { result };
  }
}

/**
 * When the catalog sells in USDT: the master, our jetton wallet as the master names it, and
 * whether that wallet exists yet. It need not: the first USDT payment to the shop creates it.
 */
async function checkUsdt(
  config: Config,
  catalog: Catalog | undefined,
  toncenter: ToncenterConnection,
  reachable: boolean,
  hide: (text: string) => string,
): Promise<CheckResult> {
  // Whether the shop sells in USDT is the catalog's to say; its own line says what is wrong.
  if (!catalog) return notice("USDT not checked", "the catalog above did not load");
  let master: Address | undefined;
  try {
    master = usdtMasterOf(catalog, config.usdtMaster);
  } catch (error) {
    if (!(error instanceof UsdtMasterMissing)) throw error;
    return fail(
      `USDT_MASTER is not set, but product "${error.productId}" has a usdt price`,
      "set USDT_MASTER to the USDT jetton master (testnet has no default: use a test jetton's)",
    );
  }
  if (!master) return pass("USDT off: no product has a usdt price");
  const merchant = config.merchantAddress;
  if (!merchant) return fail("USDT wallet not checked", "set MERCHANT_ADDRESS first");
  if (!reachable) return fail("USDT wallet not checked", "fix the toncenter line above first");
  const testnet = config.tonNetwork === "testnet";
  const shownMaster = master.toString({ testOnly: testnet });
  let wallet: Address;
  let active: boolean;
  try {
    wallet = await jettonWalletOf(toncenter.client, master, merchant, testnet);
    active = (await toncenter.client.getContractState(wallet)).state === "active";
  } catch (error) {
    if (error instanceof NotAJettonMaster) {
      return fail(
        `USDT_MASTER ${error.message}`,
        testnet
          ? "check USDT_MASTER: it must be the address of your test USDT's jetton master"
          : `check USDT_MASTER: it must be the address of a jetton master, such as official USDT's ${MAINNET_USDT_MASTER}`,
      );
    }
    return fail(
      `USDT master ${shownMaster} could not be asked for our wallet: ${hide(toncenterProblem(error))}`,
      toncenterFix(error),
    );
  }
  const shownWallet = wallet.toString({ testOnly: testnet });
  return pass(
    active
      ? `USDT master ${shownMaster}: our USDT wallet is ${shownWallet}`
      : `USDT master ${shownMaster}: our USDT wallet is ${shownWallet}, not created yet — the first USDT payment to the shop creates it`,
  );
}

async function checkTonConnect(config: Config, timeoutMs: number): Promise<CheckResult> {
  const url = config.tonconnectManifestUrl;
  if (url === undefined) {
    return pass("TON Connect off: TONCONNECT_MANIFEST_URL is not set (buyers pay by link and QR)");
  }
  const manifest = await checkManifest(url, timeoutMs);
  if (manifest.ok) return pass(`TON Connect manifest "${manifest.name}" served at ${url}`);
  return fail(
    `TON Connect manifest at ${url} is not usable: ${manifest.problem}`,
    'serve {"url", "name", "iconUrl" (PNG)} as JSON at a public TONCONNECT_MANIFEST_URL; wallets refuse to connect without it',
  );
}

function toncenterProblem(error: unknown): string {
  if (isAxiosError(error)) {
    const status = error.response?.status;
    if (status === undefined) return error.message || (error.code ?? "no answer");
    const body = error.response?.data as { error?: unknown; result?: unknown } | undefined;
    return `HTTP ${status} ${String(body?.error ?? body?.result ?? error.message)}`;
  }
  return errorSummary(error);
}

function toncenterFix(error: unknown): string {
  const typed = toToncenterError(error);
  if (typed instanceof ToncenterRateLimited) {
    return "get an API key from @tonapibot and set TONCENTER_API_KEY, or lower TONCENTER_RPS";
  }
  if (typed instanceof ToncenterError && (typed.status === 401 || typed.status === 403)) {
    return "check TONCENTER_API_KEY (keys come from @tonapibot, one per network)";
  }
  return "check the network and TONCENTER_ENDPOINT (leave it empty for toncenter's default)";
}

function friendly(address: Address, config: Config): string {
  return address.toString({ bounceable: false, testOnly: config.tonNetwork === "testnet" });
}
