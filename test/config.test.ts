import { Address } from "@ton/core";
import { describe, expect, it } from "vitest";
import { ConfigError, clusterNodesEnv, loadConfig, MAINNET_USDT_MASTER } from "../src/config.js";
import { capturedLog } from "./support/log.js";

const TOKEN = ["123456789", "fake-token-for-tests-only-000000"].join(":");
const MERCHANT = "EQD__________________________________________0vo";

function fail(): never {
  throw new Error("no USDT master");
}

describe("config", () => {
  it("gives every variable its documented default", () => {
    const config = loadConfig({});
    expect(config.botToken).toBeUndefined();
    expect(config.telegramApiRoot).toBe("https://api.telegram.org");
    expect(config.botMode).toBe("polling");
    expect(config.tonNetwork).toBe("testnet");
    expect(config.toncenterEndpoint).toBe("https://testnet.toncenter.com/api/v2/jsonRPC");
    expect(config.toncenterRps).toBe(1);
    expect(config.redisUrl).toBe("redis://127.0.0.1:6379");
    expect(config.redisPrefix).toBe("tpb:");
    expect(config.catalogPath).toBe("catalog.example.json");
    expect(config.fiatCurrency).toBe("USD");
    expect(config.orderTtlMinutes).toBe(30);
    expect(config.latePaymentPolicy).toBe("fulfil");
    expect(config.pollIntervalMs).toBe(3000);
    expect(config.logLevel).toBe("info");
    expect(config.adminIds).toEqual([]);
    expect(config.tonconnectManifestUrl).toBeUndefined();
    expect(config.tonconnectWalletsListUrl).toBe("https://config.ton.org/wallets-v2.json");
    expect(config.tonconnectRequestTtlSeconds).toBe(300);
    expect(config.tonconnectMaxOpenLinks).toBe(200);
    expect(config.fulfilmentConcurrency).toBe(10);
    expect(config.coinLabel).toBe("GRAM");
    expect(config.metricsPort).toBeUndefined();
    expect(config.metricsHost).toBe("127.0.0.1");
  });

  it("reads METRICS_PORT and METRICS_HOST, and refuses a port that is not one in one line", () => {
    const config = loadConfig({ METRICS_PORT: "9464", METRICS_HOST: "0.0.0.0" });
    expect(config.metricsPort).toBe(9464);
    expect(config.metricsHost).toBe("0.0.0.0");
    expect(loadConfig({ METRICS_PORT: "" }).metricsPort).toBeUndefined();
    expect(() => loadConfig({ METRICS_PORT: "http" })).toThrow(
      new ConfigError("METRICS_PORT must be a whole number"),
    );
    expect(() => loadConfig({ METRICS_PORT: "70000" })).toThrow(
      new ConfigError("METRICS_PORT must be between 0 and 65535"),
    );
    expect(() => loadConfig({ METRICS_HOST: "my host" })).toThrow(
      new ConfigError("METRICS_HOST must be a host name or IP address, such as 0.0.0.0"),
    );
  });

  it("reads COIN_LABEL, so a merchant may keep showing TON while buyers get used to Gram", () => {
    expect(loadConfig({ COIN_LABEL: "TON" }).coinLabel).toBe("TON");
    expect(loadConfig({ COIN_LABEL: " Gram " }).coinLabel).toBe("Gram");
    expect(loadConfig({ COIN_LABEL: "" }).coinLabel).toBe("GRAM");
  });

  it("takes official USDT as USDT_MASTER on mainnet, none on testnet, and the one given on either", () => {
    const official = loadConfig({ TON_NETWORK: "mainnet" }).usdtMaster;
    expect(official?.equals(Address.parse(MAINNET_USDT_MASTER))).toBe(true);
    expect(official?.toString()).toBe("EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDs");
    expect(
      loadConfig({ TON_NETWORK: "mainnet", USDT_MASTER: "" }).usdtMaster?.equals(
        official ?? fail(),
      ),
    ).toBe(true);
    expect(loadConfig({}).usdtMaster).toBeUndefined();
    expect(loadConfig({ TON_NETWORK: "testnet", USDT_MASTER: "" }).usdtMaster).toBeUndefined();

    const test = "kQD___________________________________________Bi";
    const own = loadConfig({ USDT_MASTER: test }).usdtMaster;
    expect(own?.toRawString()).toBe(`0:${"f".repeat(64)}`);
    const raw = loadConfig({ TON_NETWORK: "mainnet", USDT_MASTER: `0:${"a".repeat(64)}` });
    expect(raw.usdtMaster?.toRawString()).toBe(`0:${"a".repeat(64)}`);
  });

  it("refuses a USDT_MASTER that is not an address, or a testnet one on mainnet, in one line", () => {
    const oneLine = "USDT_MASTER is not a TON address (it names the USDT jetton master)";
    // The official master with one character changed: its checksum no longer holds.
    for (const bad of ["USDT", "EQCxE6mUtQJKFnGfaROTKOt1lZbDiiX1kCixRv7Nw2Id_sDt", "0:xyz"]) {
      expect(() => loadConfig({ TON_NETWORK: "mainnet", USDT_MASTER: bad }), bad).toThrow(
        new ConfigError(oneLine),
      );
    }
    expect(() =>
      loadConfig({
        TON_NETWORK: "mainnet",
        USDT_MASTER: "kQD___________________________________________Bi",
      }),
    ).toThrow(new ConfigError("USDT_MASTER is a testnet-only address but TON_NETWORK=mainnet"));
  });

  it("reads a live setup", () => {
    const config = loadConfig({
      BOT_TOKEN: TOKEN,
      MERCHANT_ADDRESS: MERCHANT,
      TON_NETWORK: "mainnet",
      TONCENTER_API_KEY: "key",
      ADMIN_IDS: "1, 22 ,333",
      ORDER_TTL_MINUTES: "15",
      LATE_PAYMENT_POLICY: "hold",
      FULFILMENT_CONCURRENCY: "32",
    });
    expect(config.toncenterEndpoint).toBe("https://toncenter.com/api/v2/jsonRPC");
    expect(config.toncenterRps).toBe(10);
    expect(config.adminIds).toEqual([1, 22, 333]);
    expect(config.merchantAddress?.toRawString()).toMatch(/^0:f{64}$/);
    expect(config.orderTtlMinutes).toBe(15);
    expect(config.latePaymentPolicy).toBe("hold");
    expect(config.fulfilmentConcurrency).toBe(32);
  });

  it.each([
    [{ ORDER_TTL_MINUTES: "abc" }, /^ORDER_TTL_MINUTES must be a whole number$/],
    [{ ORDER_TTL_MINUTES: "0" }, /^ORDER_TTL_MINUTES must be between 1 and/],
    [{ BOT_MODE: "carrier-pigeon" }, /^BOT_MODE must be polling or webhook$/],
    [{ TON_NETWORK: "devnet" }, /^TON_NETWORK must be testnet or mainnet$/],
    [{ MERCHANT_ADDRESS: "not-an-address" }, /^MERCHANT_ADDRESS is not a TON address$/],
    [{ ADMIN_IDS: "1,bob" }, /^ADMIN_IDS has "bob"/],
    [{ REDIS_URL: "http://x" }, /^REDIS_URL must start with redis:\/\//],
    [{ LATE_PAYMENT_POLICY: "maybe" }, /^LATE_PAYMENT_POLICY must be fulfil or hold$/],
    [{ FIAT_CURRENCY: "dollars" }, /^FIAT_CURRENCY must be a three-letter/],
    [
      { FIAT_CURRENCY: "XYZ" },
      /^FIAT_CURRENCY must be a currency Telegram Payments supports \(e\.g\. USD, EUR\)$/,
    ],
    [{ BOT_TOKEN: "nonsense" }, /^BOT_TOKEN does not look like a bot token/],
    [{ BOT_TOKEN: TOKEN }, /^MERCHANT_ADDRESS is required when BOT_TOKEN is set/],
    [{ MERCHANT_WEBHOOK_URL: "https://shop.example/hook" }, /^MERCHANT_WEBHOOK_SECRET is required/],
    [{ TELEGRAM_API_ROOT: "ftp://x" }, /^TELEGRAM_API_ROOT must be an http\(s\) URL$/],
    [{ TONCONNECT_MANIFEST_URL: "manifest.json" }, /^TONCONNECT_MANIFEST_URL must be an http/],
    [{ TONCONNECT_REQUEST_TTL_SECONDS: "5" }, /^TONCONNECT_REQUEST_TTL_SECONDS must be between 10/],
    [{ FULFILMENT_CONCURRENCY: "0" }, /^FULFILMENT_CONCURRENCY must be between 1 and 1000$/],
    [
      { COIN_LABEL: "GRAM COIN" },
      /^COIN_LABEL must be 1 to 10 letters or digits, such as GRAM or TON$/,
    ],
    [{ COIN_LABEL: "NANOGRAMS11" }, /^COIN_LABEL must be 1 to 10 letters or digits/],
    [{ COIN_LABEL: "<b>GRAM</b>" }, /^COIN_LABEL must be 1 to 10 letters or digits/],
    [
      { TONCONNECT_MAX_OPEN_LINKS: "0" },
      /^TONCONNECT_MAX_OPEN_LINKS must be between 1 and 100000$/,
    ],
    [{ TONCONNECT_MAX_OPEN_LINKS: "lots" }, /^TONCONNECT_MAX_OPEN_LINKS must be a whole number$/],
    [
      {
        BOT_TOKEN: TOKEN,
        MERCHANT_ADDRESS: "0QD__________________________________________62n",
        BOT_MODE: "webhook",
        WEBHOOK_URL: "https://shop.example/tg",
      },
      /^WEBHOOK_SECRET is required when BOT_MODE=webhook$/,
    ],
    [
      { WEBHOOK_SECRET: "base64+would/fail=" },
      /^WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and - \(Telegram's rule\)$/,
    ],
    [{ WEBHOOK_SECRET: "hook secret with spaces" }, /^WEBHOOK_SECRET may hold only A-Z/],
    [{ REDIS_PREFIX: "shop{1}:" }, /^REDIS_PREFIX must not contain \{ or \}/],
    [{ WEBHOOK_SECRET: "s3cret_hook" }, /^WEBHOOK_SECRET must be at least 16 characters/],
    [{ WEBHOOK_SECRET: "a".repeat(257) }, /^WEBHOOK_SECRET must be at most 256 characters/],
    [
      {
        TON_NETWORK: "mainnet",
        MERCHANT_ADDRESS: "0QD__________________________________________62n",
      },
      /^MERCHANT_ADDRESS is a testnet-only address but TON_NETWORK=mainnet$/,
    ],
  ])("stops on a bad value with one line naming the variable %#", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("reads ADMIN_CHAT_ID as a group's chat id, and refuses a user's", () => {
    expect(loadConfig({}).adminChatId).toBeUndefined();
    expect(loadConfig({ ADMIN_CHAT_ID: "" }).adminChatId).toBeUndefined();
    expect(loadConfig({ ADMIN_CHAT_ID: " -1001234567890 " }).adminChatId).toBe(-1001234567890);
    expect(loadConfig({ ADMIN_CHAT_ID: "-4012345678" }).adminChatId).toBe(-4012345678);
    for (const bad of ["123456789", "-0", "-12ab", "@shop_team", "-1e12"]) {
      expect(() => loadConfig({ ADMIN_CHAT_ID: bad }), bad).toThrow(
        /^ADMIN_CHAT_ID must be a group's chat id, a negative number such as -1001234567890$/,
      );
    }
    expect(() => loadConfig({ ADMIN_CHAT_ID: "-9999999999999999" })).toThrow(
      /^ADMIN_CHAT_ID is beyond any Telegram chat id$/,
    );
  });

  it("takes a webhook secret of 16 to 256 characters Telegram accepts", () => {
    const env = {
      BOT_TOKEN: TOKEN,
      MERCHANT_ADDRESS: "0QD__________________________________________62n",
      BOT_MODE: "webhook",
      WEBHOOK_URL: "https://shop.example/tg",
    };
    const shortest = "A-z_0123456789ab";
    expect(loadConfig({ ...env, WEBHOOK_SECRET: shortest }).webhookSecret).toBe(shortest);
    const longest = "x".repeat(256);
    expect(loadConfig({ ...env, WEBHOOK_SECRET: longest }).webhookSecret).toBe(longest);
    // Unset in polling mode is fine; blank counts as unset.
    expect(loadConfig({ WEBHOOK_SECRET: "" }).webhookSecret).toBeUndefined();
  });

  it("accepts any currency Telegram Payments supports, such as HUF", () => {
    expect(loadConfig({ FIAT_CURRENCY: "HUF" }).fiatCurrency).toBe("HUF");
    expect(loadConfig({ FIAT_CURRENCY: " JPY " }).fiatCurrency).toBe("JPY");
  });

  it("reads REDIS_CLUSTER_NODES as seed nodes, with credentials and TLS from its URLs", () => {
    expect(loadConfig({}).redisCluster).toBeUndefined();
    expect(loadConfig({ REDIS_CLUSTER_NODES: "" }).redisCluster).toBeUndefined();
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: "10.0.0.1:7000, 10.0.0.2:7001,,10.0.0.1:7000" })
        .redisCluster,
    ).toEqual({
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "10.0.0.2", port: 7001 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
      redisUrlIgnored: false,
    });
    // Percent-encoded as in any URL; a bare entry takes the credentials the URLs give.
    const managed = loadConfig({
      REDIS_CLUSTER_NODES:
        "rediss://shop:p%40ss@clustercfg.shop.cache.example:6380,rediss://shop:p%40ss@[::1],node-3:6380",
      REDIS_PREFIX: "shop:",
    });
    expect(managed.redisCluster).toEqual({
      nodes: [
        { host: "clustercfg.shop.cache.example", port: 6380 },
        { host: "::1", port: 6379 },
        { host: "node-3", port: 6380 },
      ],
      username: "shop",
      password: "p@ss",
      tls: true,
      redisUrlIgnored: false,
    });
    expect(managed.redisPrefix).toBe("shop:");
    expect(
      loadConfig({ REDIS_CLUSTER_NODES: "redis://:secret@h:7000" }).redisCluster,
    ).toMatchObject({ username: undefined, password: "secret", tls: false });
  });

  it("writes a cluster back as the REDIS_CLUSTER_NODES that reads as the same cluster", () => {
    for (const value of [
      "127.0.0.1:7000,127.0.0.1:7001",
      "rediss://shop:p%40ss:word@node-1:6380,[::1]:6381",
      "redis://:only-a-password@node-1:7000",
    ]) {
      const cluster = loadConfig({ REDIS_CLUSTER_NODES: value }).redisCluster;
      if (cluster === undefined) throw new Error(`${value} read as no cluster`);
      const again = loadConfig({ REDIS_CLUSTER_NODES: clusterNodesEnv(cluster) }).redisCluster;
      expect(again).toEqual(cluster);
    }
  });

  it("says REDIS_URL is ignored when REDIS_CLUSTER_NODES is set too", () => {
    const both = loadConfig({
      REDIS_URL: "redis://127.0.0.1:6379",
      REDIS_CLUSTER_NODES: "127.0.0.1:7000",
    });
    expect(both.redisCluster?.redisUrlIgnored).toBe(true);
    expect(both.redisUrl).toBe("redis://127.0.0.1:6379");
  });

  it.each([
    [
      "127.0.0.1",
      /^REDIS_CLUSTER_NODES has "127\.0\.0\.1", which is not host:port or a redis:\/\/ or rediss:\/\/ URL$/,
    ],
    ["h:7000,h:seven", /^REDIS_CLUSTER_NODES has "h:seven", which is not host:port/],
    ["h:0", /^REDIS_CLUSTER_NODES has "h:0", which is not host:port/],
    ["h:70000", /^REDIS_CLUSTER_NODES has "h:70000", which is not host:port/],
    ["http://h:7000", /^REDIS_CLUSTER_NODES has "http:\/\/h:7000", which is not host:port/],
    ["h:7000/", /^REDIS_CLUSTER_NODES has "h:7000\/", which is not host:port/],
    [
      "redis://h:7000/2",
      /^REDIS_CLUSTER_NODES has "redis:\/\/h:7000\/2": a Redis Cluster has only database 0$/,
    ],
    [",,", /^REDIS_CLUSTER_NODES must name at least one node \(host:port\)$/],
    [
      "redis://h:7000,rediss://h:7001",
      /^REDIS_CLUSTER_NODES mixes redis:\/\/ and rediss:\/\/ entries: every node is reached the same way$/,
    ],
    [
      "redis://shop:one-secret@h:7000,redis://shop:two-secret@h:7001",
      /^REDIS_CLUSTER_NODES has entries with different credentials: give every node the same user and password$/,
    ],
  ])("stops on a bad REDIS_CLUSTER_NODES entry, naming it: %s", (value, message) => {
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_CLUSTER_NODES: value })).toThrow(message);
  });

  it("never shows a password from REDIS_CLUSTER_NODES, whatever is wrong with the entry", () => {
    for (const value of [
      "redis://shop:hunter2-secret@",
      "shop:hunter2-secret@h:7000",
      "http://shop:hunter2-secret@h:7000",
      "redis://shop:hunter2-secret@h:7000/5",
      "redis://shop:hunter2-secret@h:7000?tls=1",
      "redis://shop:hunter2-secret@h:7000,redis://shop:other-secret@h:7001",
      "redis://shop:hunter2@secret@h:x",
    ]) {
      let message = "";
      try {
        loadConfig({ REDIS_CLUSTER_NODES: value });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, value).toMatch(/^REDIS_CLUSTER_NODES /);
      expect(message, value).not.toMatch(/hunter2|secret/);
    }
  });

  it("never repeats a secret value in its error", () => {
    try {
      loadConfig({ BOT_TOKEN: "123:short-secret-value" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("short-secret-value");
    }
  });
});

describe("logger", () => {
  it("redacts tokens, keys and mnemonics in objects", () => {
    const { lines, log } = capturedLog();
    log.info(
      {
        botToken: TOKEN,
        apiKey: "tc-key",
        wallet: { mnemonic: "word ".repeat(24) },
        orderId: "ord_1",
      },
      "started",
    );
    const text = lines.join("");
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("tc-key");
    expect(text).not.toContain("word word");
    expect(text).toContain("ord_1");
  });

  it("masks a bot token inside a message or an error", () => {
    const { lines, log } = capturedLog();
    log.info(`calling https://api.telegram.org/bot${TOKEN}/getMe`);
    log.error({ err: new Error(`request to /bot${TOKEN}/sendMessage failed`) }, "failed");
    const text = lines.join("");
    expect(text).not.toContain(TOKEN);
    expect(text).toContain("bot<redacted>/getMe");
  });
});
