import { Address } from "@ton/core";
import { z } from "zod";
import { isTelegramCurrency } from "./catalog/currencies.js";

/** The whole environment contract (DESIGN §10), validated once at start-up. */
export interface Config {
  botToken: string | undefined;
  telegramApiRoot: string;
  telegramTestEnv: boolean;
  botMode: "polling" | "webhook";
  webhookUrl: string | undefined;
  webhookSecret: string | undefined;
  port: number;
  tonNetwork: "testnet" | "mainnet";
  toncenterEndpoint: string;
  toncenterApiKey: string | undefined;
  toncenterRps: number;
  merchantAddress: Address | undefined;
  /**
   * The USDT jetton master (USDT_MASTER): official USDT on mainnet unless set, none on testnet.
   * The shop asks it for our jetton wallet only when the catalog prices something in USDT.
   */
  usdtMaster: Address | undefined;
  /** The one Redis, unless `redisCluster` is set. */
  redisUrl: string;
  /** Set: the shop runs on a Redis Cluster, and `redisUrl` is not used. */
  redisCluster: RedisClusterConfig | undefined;
  redisPrefix: string;
  adminIds: number[];
  /** The group where admins work; /admin answers there (to ADMIN_IDS) besides private chats. */
  adminChatId: number | undefined;
  catalogPath: string;
  paymentProviderToken: string | undefined;
  fiatCurrency: string;
  orderTtlMinutes: number;
  latePaymentPolicy: "fulfil" | "hold";
  pollIntervalMs: number;
  /** Set: buyers can connect a wallet with TON Connect and pay with one confirmation. */
  tonconnectManifestUrl: string | undefined;
  tonconnectWalletsListUrl: string;
  /** How long a wallet may take to confirm a payment request (never past the order's expiry). */
  tonconnectRequestTtlSeconds: number;
  /** Wallet connection links one process holds open at once; more buyers are asked to wait. */
  tonconnectMaxOpenLinks: number;
  merchantWebhookUrl: string | undefined;
  merchantWebhookSecret: string | undefined;
  /** Paid orders delivered at once by one process. */
  fulfilmentConcurrency: number;
  /** The coin's name shown to people (COIN_LABEL); orders and events still say `TON`. */
  coinLabel: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Set: `/metrics`, `/healthz` and `/readyz` are served on this port (0: any free one). */
  metricsPort: number | undefined;
  /** Where that listener binds; loopback unless said otherwise. */
  metricsHost: string;
}

/** A Redis Cluster as REDIS_CLUSTER_NODES names it. */
export interface RedisClusterConfig {
  /** Where to start: any node that answers tells the client about the rest of the cluster. */
  nodes: { host: string; port: number }[];
  /** From the entries written as redis:// or rediss:// URLs; the same on every node. */
  username: string | undefined;
  password: string | undefined;
  /** rediss:// entries: every node is reached over TLS. */
  tls: boolean;
  /** REDIS_URL was set as well, and has no effect. */
  redisUrlIgnored: boolean;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

const TONCENTER_ENDPOINTS = {
  testnet: "https://testnet.toncenter.com/api/v2/jsonRPC",
  mainnet: "https://toncenter.com/api/v2/jsonRPC",
} as const;

/** Tether's USDT on TON mainnet; testnet has no official USDT, so a merchant names a test jetton. */
export const MAINNET_USDT_MASTER = "EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs";

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === "" ? undefined : value))
  .optional();

const boolean = z
  .enum(["true", "false", "1", "0", "yes", "no"], { error: "must be true or false" })
  .transform((value) => value === "true" || value === "1" || value === "yes");

function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .trim()
    .regex(/^\d+$/, { error: "must be a whole number" })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: `must be between ${min} and ${max}` });
}

/** An empty value counts as unset, as in most .env files. */
function unlessBlank<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
}

const url = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

function tonAddress(error = "is not a TON address") {
  return z.string().transform((value, ctx) => {
    try {
      return Address.parse(value.trim());
    } catch {
      ctx.addIssue({ code: "custom", message: error });
      return z.NEVER;
    }
  });
}

const address = tonAddress();

const adminIds = z.string().transform((value, ctx) => {
  const parts = value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
  const ids: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,16}$/.test(part)) {
      ctx.addIssue({ code: "custom", message: `has "${part}", which is not a Telegram user id` });
      return z.NEVER;
    }
    ids.push(Number(part));
  }
  return ids;
});

/** A group's or supergroup's chat id: negative, at most 52 bits as Telegram promises. */
const groupChatId = z
  .string()
  .trim()
  .regex(/^-[1-9][0-9]{0,15}$/, {
    error: "must be a group's chat id, a negative number such as -1001234567890",
  })
  .transform(Number)
  .refine(Number.isSafeInteger, { error: "is beyond any Telegram chat id" });

/** An entry as an error may show it: whatever stands before the host is credentials. */
function withoutCredentials(entry: string): string {
  const at = entry.lastIndexOf("@");
  if (at === -1) return entry;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(entry)?.[0] ?? "";
  return `${scheme}***${entry.slice(at)}`;
}

type ClusterNodes = Omit<RedisClusterConfig, "redisUrlIgnored">;

/**
 * `host:port` or a `redis://` / `rediss://` URL per entry, comma-separated. Credentials and TLS
 * come from the URLs, the same for the whole cluster; bare entries take them from the URLs.
 */
const clusterNodes = z.string().transform((value, ctx): ClusterNodes => {
  const entries = value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  const refuse = (message: string) => {
    ctx.addIssue({ code: "custom", message });
    return z.NEVER;
  };
  if (entries.length === 0) return refuse("must name at least one node (host:port)");
  const nodes: ClusterNodes["nodes"] = [];
  const schemes = new Set<string>();
  const credentials = new Set<string>();
  let username: string | undefined;
  let password: string | undefined;
  for (const entry of entries) {
    const shown = withoutCredentials(entry);
    const notANode = `has "${shown}", which is not host:port or a redis:// or rediss:// URL`;
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(entry)?.[1]?.toLowerCase();
    if (scheme !== undefined && scheme !== "redis" && scheme !== "rediss") return refuse(notANode);
    let url: URL;
    try {
      url = new URL(scheme === undefined ? `redis://${entry}` : entry);
    } catch {
      return refuse(notANode);
    }
    if (url.hostname === "" || url.port === "0" || url.search !== "" || url.hash !== "") {
      return refuse(notANode);
    }
    if (scheme === undefined) {
      // Bare entries are host and port only; credentials belong in a URL.
      if (url.username !== "" || url.password !== "" || url.pathname !== "" || url.port === "") {
        return refuse(notANode);
      }
    } else {
      if (!["", "/", "/0"].includes(url.pathname)) {
        return refuse(`has "${shown}": a Redis Cluster has only database 0`);
      }
      schemes.add(scheme);
      if (url.username !== "" || url.password !== "") {
        // As ioredis reads a Redis URL: percent-encoded, an empty user is the default one.
        username = decodeURIComponent(url.username) || undefined;
        password = decodeURIComponent(url.password) || undefined;
        credentials.add(JSON.stringify([username, password]));
      }
    }
    const node = { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 6379) };
    if (!nodes.some((known) => known.host === node.host && known.port === node.port)) {
      nodes.push(node);
    }
  }
  if (schemes.size > 1) {
    return refuse("mixes redis:// and rediss:// entries: every node is reached the same way");
  }
  if (credentials.size > 1) {
    return refuse(
      "has entries with different credentials: give every node the same user and password",
    );
  }
  return { nodes, username, password, tls: schemes.has("rediss") };
});

/** REDIS_CLUSTER_NODES for a cluster, e.g. to start a shop process on the same one. */
export function clusterNodesEnv(cluster: Omit<RedisClusterConfig, "redisUrlIgnored">): string {
  const scheme = cluster.tls ? "rediss" : "redis";
  const { username, password } = cluster;
  const auth =
    username !== undefined || password !== undefined
      ? `${encodeURIComponent(username ?? "")}:${encodeURIComponent(password ?? "")}@`
      : "";
  return cluster.nodes
    .map(
      ({ host, port }) => `${scheme}://${auth}${host.includes(":") ? `[${host}]` : host}:${port}`,
    )
    .join(",");
}

const schema = z.object({
  BOT_TOKEN: z
    .string()
    .trim()
    .regex(/^(\d+:[A-Za-z0-9_-]{20,})?$/, { error: "does not look like a bot token (123:ABC…)" })
    .transform((value) => (value === "" ? undefined : value))
    .optional(),
  TELEGRAM_API_ROOT: url.default("https://api.telegram.org"),
  TELEGRAM_TEST_ENV: boolean.default(false),
  BOT_MODE: z
    .enum(["polling", "webhook"], { error: "must be polling or webhook" })
    .default("polling"),
  WEBHOOK_URL: unlessBlank(url),
  // Telegram takes 1–256 of these characters; fewer than 16 would be guessed by a patient stranger.
  WEBHOOK_SECRET: unlessBlank(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]*$/, {
        error: "may hold only A-Z, a-z, 0-9, _ and - (Telegram's rule)",
      })
      .min(16, {
        error: "must be at least 16 characters (e.g. the output of openssl rand -hex 32)",
      })
      .max(256, { error: "must be at most 256 characters (Telegram's rule)" }),
  ),
  PORT: wholeNumber(1, 65535).default(8080),
  TON_NETWORK: z
    .enum(["testnet", "mainnet"], { error: "must be testnet or mainnet" })
    .default("testnet"),
  TONCENTER_ENDPOINT: unlessBlank(url),
  TONCENTER_API_KEY: optionalText,
  TONCENTER_RPS: unlessBlank(wholeNumber(1, 1000)),
  MERCHANT_ADDRESS: unlessBlank(address),
  USDT_MASTER: unlessBlank(tonAddress("is not a TON address (it names the USDT jetton master)")),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { error: "must start with redis:// or rediss://" })
    .default("redis://127.0.0.1:6379"),
  REDIS_CLUSTER_NODES: unlessBlank(clusterNodes),
  // Braces would make Redis Cluster hash the prefix instead of each key's own {tag}.
  REDIS_PREFIX: z
    .string()
    .regex(/^[^{}]*$/, "must not contain { or }: they would change how Redis Cluster places keys")
    .default("tpb:"),
  ADMIN_IDS: adminIds.default([]),
  ADMIN_CHAT_ID: unlessBlank(groupChatId),
  CATALOG_PATH: z.string().trim().min(1).default("catalog.example.json"),
  PAYMENT_PROVIDER_TOKEN: optionalText,
  FIAT_CURRENCY: z
    .string()
    .trim()
    .regex(/^[A-Z]{3}$/, { error: "must be a three-letter ISO 4217 code such as USD" })
    .refine((code) => isTelegramCurrency(code), {
      error: "must be a currency Telegram Payments supports (e.g. USD, EUR)",
    })
    .default("USD"),
  ORDER_TTL_MINUTES: wholeNumber(1, 7 * 24 * 60).default(30),
  LATE_PAYMENT_POLICY: z
    .enum(["fulfil", "hold"], { error: "must be fulfil or hold" })
    .default("fulfil"),
  POLL_INTERVAL_MS: wholeNumber(200, 3_600_000).default(3000),
  TONCONNECT_MANIFEST_URL: unlessBlank(url),
  TONCONNECT_WALLETS_LIST_URL: url.default("https://config.ton.org/wallets-v2.json"),
  TONCONNECT_REQUEST_TTL_SECONDS: wholeNumber(10, 3600).default(300),
  TONCONNECT_MAX_OPEN_LINKS: wholeNumber(1, 100_000).default(200),
  MERCHANT_WEBHOOK_URL: unlessBlank(url),
  MERCHANT_WEBHOOK_SECRET: optionalText,
  FULFILMENT_CONCURRENCY: wholeNumber(1, 1000).default(10),
  COIN_LABEL: unlessBlank(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9]{1,10}$/, {
        error: "must be 1 to 10 letters or digits, such as GRAM or TON",
      }),
  ),
  METRICS_PORT: unlessBlank(wholeNumber(0, 65535)),
  METRICS_HOST: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.:-]+$/, { error: "must be a host name or IP address, such as 0.0.0.0" })
    .default("127.0.0.1"),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
      error: "must be one of fatal, error, warn, info, debug, trace, silent",
    })
    .default("info"),
});

type Env = Record<string, string | undefined>;

/**
 * Reads the environment into a typed Config. A bad value throws a ConfigError whose message is
 * one line naming the variable; the value itself is not repeated, since it may be a secret.
 */
export function loadConfig(env: Env = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? "environment");
    throw new ConfigError(`${variable} ${issue?.message ?? "is invalid"}`);
  }
  const e = result.data;
  const config: Config = {
    botToken: e.BOT_TOKEN,
    telegramApiRoot: e.TELEGRAM_API_ROOT.replace(/\/+$/, ""),
    telegramTestEnv: e.TELEGRAM_TEST_ENV,
    botMode: e.BOT_MODE,
    webhookUrl: e.WEBHOOK_URL,
    webhookSecret: e.WEBHOOK_SECRET,
    port: e.PORT,
    tonNetwork: e.TON_NETWORK,
    toncenterEndpoint: e.TONCENTER_ENDPOINT ?? TONCENTER_ENDPOINTS[e.TON_NETWORK],
    toncenterApiKey: e.TONCENTER_API_KEY,
    toncenterRps: e.TONCENTER_RPS ?? (e.TONCENTER_API_KEY ? 10 : 1),
    merchantAddress: e.MERCHANT_ADDRESS,
    usdtMaster:
      e.USDT_MASTER ??
      (e.TON_NETWORK === "mainnet" ? Address.parse(MAINNET_USDT_MASTER) : undefined),
    redisUrl: e.REDIS_URL,
    redisCluster: e.REDIS_CLUSTER_NODES && {
      ...e.REDIS_CLUSTER_NODES,
      redisUrlIgnored: (env.REDIS_URL ?? "").trim() !== "",
    },
    redisPrefix: e.REDIS_PREFIX,
    adminIds: e.ADMIN_IDS,
    adminChatId: e.ADMIN_CHAT_ID,
    catalogPath: e.CATALOG_PATH,
    paymentProviderToken: e.PAYMENT_PROVIDER_TOKEN,
    fiatCurrency: e.FIAT_CURRENCY,
    orderTtlMinutes: e.ORDER_TTL_MINUTES,
    latePaymentPolicy: e.LATE_PAYMENT_POLICY,
    pollIntervalMs: e.POLL_INTERVAL_MS,
    tonconnectManifestUrl: e.TONCONNECT_MANIFEST_URL,
    tonconnectWalletsListUrl: e.TONCONNECT_WALLETS_LIST_URL,
    tonconnectRequestTtlSeconds: e.TONCONNECT_REQUEST_TTL_SECONDS,
    tonconnectMaxOpenLinks: e.TONCONNECT_MAX_OPEN_LINKS,
    merchantWebhookUrl: e.MERCHANT_WEBHOOK_URL,
    merchantWebhookSecret: e.MERCHANT_WEBHOOK_SECRET,
    fulfilmentConcurrency: e.FULFILMENT_CONCURRENCY,
    coinLabel: e.COIN_LABEL ?? "GRAM",
    logLevel: e.LOG_LEVEL,
    metricsPort: e.METRICS_PORT,
    metricsHost: e.METRICS_HOST,
  };
  checkCombinations(config, env);
  return config;
}

function checkCombinations(config: Config, env: Env): void {
  if (config.botToken && !config.merchantAddress) {
    throw new ConfigError(
      "MERCHANT_ADDRESS is required when BOT_TOKEN is set (the wallet that receives TON)",
    );
  }
  if (config.botMode === "webhook" && config.botToken && !config.webhookUrl) {
    throw new ConfigError("WEBHOOK_URL is required when BOT_MODE=webhook");
  }
  // Without it anyone who finds the URL could post forged updates, payments included.
  if (config.botMode === "webhook" && config.botToken && !config.webhookSecret) {
    throw new ConfigError("WEBHOOK_SECRET is required when BOT_MODE=webhook");
  }
  if (config.merchantWebhookUrl && !config.merchantWebhookSecret) {
    throw new ConfigError("MERCHANT_WEBHOOK_SECRET is required when MERCHANT_WEBHOOK_URL is set");
  }
  if (config.tonNetwork === "mainnet") {
    for (const name of ["MERCHANT_ADDRESS", "USDT_MASTER"]) {
      const raw = (env[name] ?? "").trim();
      if (Address.isFriendly(raw) && Address.parseFriendly(raw).isTestOnly) {
        throw new ConfigError(`${name} is a testnet-only address but TON_NETWORK=mainnet`);
      }
    }
  }
}
