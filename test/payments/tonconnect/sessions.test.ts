import { toNano } from "@ton/core";
import { EmulatedChain } from "@ton-payment-bot/emulators/ton";
import {
  EmulatedWalletApp,
  startTonConnectBridge,
  type TonConnectBridgeEmulator,
} from "@ton-payment-bot/emulators/tonconnect";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { TooManyOpenLinks } from "../../../src/payments/tonconnect/errors.js";
import {
  type SessionEvent,
  WalletSessions,
  type WalletSessionsOptions,
} from "../../../src/payments/tonconnect/sessions.js";
import { universalLinkFor } from "../../../src/payments/tonconnect/wallets.js";
import { redisKeys } from "../../../src/redis/keys.js";
import { testRedis } from "../../support/redis.js";

const { redis, prefix } = testRedis();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function world(idleMs: number, options: Partial<WalletSessionsOptions> = {}) {
  const bridge = await startTonConnectBridge();
  cleanups.push(() => bridge.close());
  const chain = await EmulatedChain.create();
  const wallet = await chain.createWallet({ version: "v4", balance: toNano("10") });
  const phone = new EmulatedWalletApp({ bridgeUrl: bridge.bridgeUrl, chain, wallet });
  cleanups.push(() => phone.close());
  const events: SessionEvent[] = [];
  const sessions = new WalletSessions({
    redis,
    prefix,
    manifestUrl: bridge.manifestUrl,
    walletsListUrl: bridge.walletsListUrl,
    testnet: true,
    idleMs,
    log: silentLogger,
    onEvent: (event) => events.push(event),
    ...options,
  });
  cleanups.push(() => sessions.close());
  return { bridge, phone, sessions, events };
}

function streamsOpen(bridge: TonConnectBridgeEmulator): number {
  return bridge.stats.streamsOpen;
}

describe("WalletSessions", () => {
  it("pauses an idle buyer's connector and restores the session from Redis on the next use", async () => {
    const { bridge, phone, sessions, events } = await world(200);
    const userId = 7001;
    const wallets = await sessions.wallets();
    const { link } = await sessions.connect(userId, wallets);
    const [tonkeeper] = wallets;
    if (!tonkeeper) throw new Error("no wallet offered");
    expect(await phone.openLink(universalLinkFor(link, tonkeeper))).toBe("connected");
    await expect.poll(() => events.map((event) => event.type)).toContain("connected");

    // Nothing in hand: the connector goes, and with it this process's bridge stream.
    await expect.poll(() => sessions.openCount, { timeout: 5000 }).toBe(0);
    await expect.poll(() => streamsOpen(bridge)).toBe(1); // the wallet's own stream
    const stored = await redis.keys(`${prefix}tonconnect:${userId}:*`);
    expect(stored.length).toBeGreaterThan(0);

    const connector = await sessions.open(userId);
    expect(connector.connected).toBe(true);
    expect(connector.account?.address).toBe(phone.address.toRawString());
  });

  it("keeps the bridge open while a buyer has work in hand", async () => {
    // The buyer's checkout is in hand from the link on, so the connector never idles between
    // the wallet connecting and the work, however slowly the connected event arrives.
    const { bridge, phone, sessions, events } = await world(300);
    const wallets = await sessions.wallets();
    const [tonkeeper] = wallets;
    if (!tonkeeper) throw new Error("no wallet offered");
    const { link } = await sessions.connect(7002, wallets);
    sessions.hold(7002);
    await phone.openLink(universalLinkFor(link, tonkeeper));
    await expect.poll(() => events.some((e) => e.type === "connected")).toBe(true);

    await expect.poll(() => streamsOpen(bridge)).toBe(2); // the shop's and the wallet's
    // Four idle periods pass with the buyer's work in hand: nothing is paused.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(sessions.openCount).toBe(1);
    expect(streamsOpen(bridge)).toBe(2);
    sessions.release(7002);
    await expect.poll(() => sessions.openCount, { timeout: 5000 }).toBe(0);
    await expect.poll(() => streamsOpen(bridge)).toBe(1);
  });

  it("reports a wallet that ends the session, but not one the buyer disconnects through the bot", async () => {
    const { phone, sessions, events } = await world(60_000);
    const wallets = await sessions.wallets();
    const [tonkeeper] = wallets;
    if (!tonkeeper) throw new Error("no wallet offered");

    await phone.openLink(universalLinkFor((await sessions.connect(7003, wallets)).link, tonkeeper));
    await expect.poll(() => events.filter((e) => e.type === "connected").length).toBe(1);
    expect(await sessions.disconnect(7003)).toBe(true);
    await expect.poll(() => phone.connected).toBe(false);
    expect(events.filter((e) => e.type === "disconnected")).toHaveLength(0);
    expect(
      await redis.keys(`${prefix}tonconnect:7003:ton-connect-storage_bridge-connection`),
    ).toEqual([]);

    await phone.openLink(universalLinkFor((await sessions.connect(7003, wallets)).link, tonkeeper));
    await expect.poll(() => events.filter((e) => e.type === "connected").length).toBe(2);
    await phone.disconnect();
    await expect.poll(() => events.filter((e) => e.type === "disconnected").length).toBe(1);
    expect((await sessions.open(7003)).connected).toBe(false);
  });
});

describe("WalletSessions: open connection links", () => {
  /** Whether a connection link is offered to `userId` now, or refused for the limit. */
  async function offer(sessions: WalletSessions, userId: number) {
    try {
      return (await sessions.connect(userId, await sessions.wallets())).link;
    } catch (error) {
      if (error instanceof TooManyOpenLinks) return "refused";
      throw error;
    }
  }

  async function tonkeeperLink(sessions: WalletSessions, link: string) {
    const [tonkeeper] = await sessions.wallets();
    if (!tonkeeper) throw new Error("no wallet offered");
    return universalLinkFor(link, tonkeeper);
  }

  const linkKey = (userId: number) => redisKeys(prefix).tonconnectLink(userId);

  it("holds at most the limit open, gives an open link again, and frees it when the wallet connects", async () => {
    const { bridge, phone, sessions, events } = await world(60_000, { maxOpenLinks: 1 });
    const first = await offer(sessions, 7101);
    expect(first).toMatch(/^tc:\/\//);
    expect(await offer(sessions, 7102)).toBe("refused");
    // The buyer who holds the slot is given the same link, not refused.
    expect(await offer(sessions, 7101)).toBe(first);
    // One bridge stream: the refused buyer opened none.
    await expect.poll(() => bridge.stats.streamsOpen).toBe(1);

    expect(await phone.openLink(await tonkeeperLink(sessions, first))).toBe("connected");
    await expect.poll(() => events.map((event) => event.type)).toContain("connected");
    expect(await redis.exists(linkKey(7101))).toBe(0);
    expect(await offer(sessions, 7102)).toMatch(/^tc:\/\//);
    expect(await offer(sessions, 7103)).toBe("refused");
  });

  it("frees a link's place when the wallet declines it", async () => {
    const { phone, sessions, events } = await world(60_000, { maxOpenLinks: 1 });
    const link = await offer(sessions, 7111);
    expect(await phone.openLink(await tonkeeperLink(sessions, link), { decline: true })).toBe(
      "declined",
    );
    await expect.poll(() => events.map((event) => event.type)).toContain("connect-failed");
    expect(await offer(sessions, 7112)).toMatch(/^tc:\/\//);
  });

  it("frees a link's place when the link expires unanswered", async () => {
    const { sessions } = await world(60_000, { maxOpenLinks: 1, connectWindowMs: 300 });
    await offer(sessions, 7121);
    expect(await offer(sessions, 7122)).toBe("refused");
    await expect.poll(() => redis.exists(linkKey(7121))).toBe(0);
    await expect.poll(() => offer(sessions, 7122)).toMatch(/^tc:\/\//);
  });

  it("frees a link's place when the buyer disconnects before the wallet answered", async () => {
    const { sessions } = await world(60_000, { maxOpenLinks: 1 });
    await offer(sessions, 7131);
    expect(await sessions.disconnect(7131)).toBe(false);
    expect(await redis.exists(linkKey(7131))).toBe(0);
    expect(await offer(sessions, 7132)).toMatch(/^tc:\/\//);
  });

  it("listens again after a restart to no more open links than the limit", async () => {
    // A prefix of its own: the links other tests left open are not this shop's.
    const own = `${prefix}restart:`;
    const { bridge, sessions } = await world(60_000, { maxOpenLinks: 3, prefix: own });
    const links = [];
    for (const userId of [7141, 7142, 7143]) links.push(await offer(sessions, userId));
    await sessions.close();

    const restarted = new WalletSessions({
      redis,
      prefix: own,
      manifestUrl: bridge.manifestUrl,
      walletsListUrl: bridge.walletsListUrl,
      testnet: true,
      idleMs: 60_000,
      maxOpenLinks: 2,
      log: silentLogger,
      onEvent: () => undefined,
    });
    cleanups.push(() => restarted.close());
    // The two that expire first are listened to; the third buyer waits for a free place.
    expect(await restarted.resumeConnecting()).toBe(2);
    expect(await offer(restarted, 7141)).toBe(links[0]);
    expect(await offer(restarted, 7143)).toBe("refused");
    expect(await offer(restarted, 7144)).toBe("refused");
  });
});
