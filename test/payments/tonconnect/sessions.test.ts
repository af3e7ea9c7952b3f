import { toNano } from "@ton/core";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { type SessionEvent, WalletSessions } from "../../../src/payments/tonconnect/sessions.js";
import { universalLinkFor } from "../../../src/payments/tonconnect/wallets.js";
import { EmulatedChain } from "../../../src/sandbox/ton/index.js";
import {
  EmulatedWalletApp,
  startTonConnectBridge,
  type TonConnectBridgeEmulator,
} from "../../../src/sandbox/tonconnect/index.js";
import { testRedis } from "../../support/redis.js";

const { redis, prefix } = testRedis();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function world(idleMs: number) {
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
    expect(connector.account?.address).toBe(phone.address.toRawString());
    expect(sessions.openCount).toBe(1);
  });

  it("keeps the bridge open while a buyer has work in hand", async () => {
    const { bridge, phone, sessions, events } = await world(100);
    const wallets = await sessions.wallets();
    const [tonkeeper] = wallets;
    if (!tonkeeper) throw new Error("no wallet offered");
    await phone.openLink(universalLinkFor((await sessions.connect(7002, wallets)).link, tonkeeper));
    await expect.poll(() => events.some((event) => event.type === "connected")).toBe(true);

    sessions.hold(7002);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(sessions.openCount).toBe(1);
    expect(streamsOpen(bridge)).toBe(2); // the shop's and the wallet's
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
