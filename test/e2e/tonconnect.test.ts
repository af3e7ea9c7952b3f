import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox, WalletAppOptions } from "../../src/sandbox/world.js";
import { capturedLog } from "../support/log.js";
import { checkoutTon, orderReaches, startShop } from "../support/sandbox.js";

type ShopOptions = Parameters<typeof startShop>[0];

const MUG = "TON mug";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

/**
 * A shop, a buyer with a fresh TON order for the mug, their wallet app, and what the bot offers
 * when they press "Pay with my wallet" with no wallet connected yet.
 */
async function buyerAtOffer(shopOptions: ShopOptions = {}, walletOptions: WalletAppOptions = {}) {
  const shop = await startShop(shopOptions);
  sandbox = shop;
  const buyer = shop.user();
  const phone = await shop.walletApp(walletOptions);
  const checkout = await checkoutTon(buyer, MUG);
  const before = buyer.lastMessageId();
  await buyer.press("Pay with my wallet", checkout.message);
  const offer = await buyer.waitForButton("Tonkeeper", { after: before });
  return { shop, buyer, phone, checkout, offer, before };
}

/** The same, with the wallet app connected through the offer's Tonkeeper link. */
async function buyerWithWallet(shopOptions: ShopOptions = {}) {
  const { shop, buyer, phone, checkout, offer, before } = await buyerAtOffer(shopOptions);
  expect(offer.caption).toContain("Connect your wallet");
  expect(offer.caption).toContain(`pay order ${checkout.orderId}`);
  expect(offer.photo).toBeDefined();
  expect(await phone.openLink(buyer.link("Tonkeeper", offer))).toBe("connected");
  const connected = await buyer.waitForText("is connected:", { after: before });
  return { shop, buyer, phone, checkout, connected };
}

/** Money on chain from `phone` to the merchant carrying `comment`. */
function transfersWithComment(shop: Sandbox, comment: string) {
  return shop.chain.transactions(shop.merchant.address).filter((tx) => {
    const info = tx.inMessage?.info;
    if (info?.type !== "internal") return false;
    const body = tx.inMessage?.body.beginParse();
    if (!body || body.remainingBits < 32 || body.loadUint(32) !== 0) return false;
    return body.loadStringTail() === comment;
  });
}

describe("TON Connect checkout", () => {
  it("connects a wallet, asks it to pay, and fulfils the order once the watcher sees the transfer", async () => {
    const { shop, buyer, phone, checkout, connected } = await buyerWithWallet();
    const order = await shop.app.store.require(checkout.orderId);

    const friendly = phone.address.toString({ urlSafe: true, bounceable: false, testOnly: true });
    expect(connected.text).toContain(
      `Tonkeeper is connected: ${friendly.slice(0, 4)}…${friendly.slice(-4)}`,
    );
    expect(connected.text).toContain(`Pay order ${checkout.orderId}`);

    const before = buyer.lastMessageId();
    const answer = await buyer.press("Pay with my wallet", connected);
    expect(answer?.text).toContain("Confirm the payment in Tonkeeper");
    await buyer.waitForText("Payment request sent to Tonkeeper", { after: before });

    const request = await phone.nextRequest();
    expect(request.messages).toHaveLength(1);
    expect(request.messages[0]?.address.equals(shop.merchant.address)).toBe(true);
    expect(request.messages[0]?.amount).toBe(order.amount);
    expect(request.messages[0]?.comment).toBe(checkout.comment);
    expect(request.network).toBe("-3");
    expect((request.validUntil ?? 0) * 1000).toBeLessThanOrEqual(order.expiresAt);

    const fulfilled = await orderReaches(shop, checkout.orderId, "fulfilled");
    expect(request.outcome).toBe("approved");
    expect(fulfilled.paid).toBe(order.amount);
    expect(fulfilled.payments).toHaveLength(1);
    expect(fulfilled.payments[0]?.from).toBeDefined();
    expect(transfersWithComment(shop, checkout.comment)).toHaveLength(1);
    await buyer.waitForText(`Payment received for order ${checkout.orderId}`, { after: before });
  });

  it("asks the wallet for only the rest of an order paid in part", async () => {
    const { shop, buyer, phone, checkout } = await buyerWithWallet();
    const order = await shop.app.store.require(checkout.orderId);
    const part = 1_250_000_000n;
    await (await shop.buyerWallet()).pay(part, checkout.comment);
    await buyer.waitForText("We received 1.25 GRAM", { after: checkout.message.messageId });
    await buyer.waitFor((m) => m.messageId === checkout.message.messageId && m.edits > 0);

    // From the redrawn payment message, as the buyer would tap it.
    const before = buyer.lastMessageId();
    await buyer.press("Pay with my wallet", checkout.message);
    const sent = await buyer.waitForText("Payment request sent to Tonkeeper", { after: before });
    expect(sent.text).toContain("2 GRAM for order");
    const request = await phone.nextRequest();
    expect(request.messages[0]?.amount).toBe(order.amount - part);
    expect(request.messages[0]?.comment).toBe(checkout.comment);

    const fulfilled = await orderReaches(shop, checkout.orderId, "fulfilled");
    expect(fulfilled.paid).toBe(order.amount);
    expect(fulfilled.exceptions).toEqual([]);
  });

  it("tells the buyer a declined request kindly, keeps the order open, and lets them try again", async () => {
    const { shop, buyer, phone, checkout, connected } = await buyerWithWallet();

    phone.answer("reject");
    const before = buyer.lastMessageId();
    await buyer.press("Pay with my wallet", connected);
    const declined = await buyer.waitForText("You declined the payment", { after: before });
    expect((await phone.nextRequest()).outcome).toBe("rejected");
    expect((await shop.app.store.require(checkout.orderId)).status).toBe("pending");
    expect(transfersWithComment(shop, checkout.comment)).toHaveLength(0);
    // The link and QR code under the payment message still work, and so does another try.
    expect(buyer.link("Open in Tonkeeper", checkout.message)).toContain(checkout.comment);

    await buyer.press("Try my wallet again", declined);
    await orderReaches(shop, checkout.orderId, "fulfilled");
    expect(transfersWithComment(shop, checkout.comment)).toHaveLength(1);
  });

  it("asks one request at a time and says when an unanswered one expired", async () => {
    const { shop, buyer, phone, checkout, connected } = await buyerWithWallet({
      config: { tonconnectRequestTtlSeconds: 10 },
    });

    phone.answer("ignore");
    const before = buyer.lastMessageId();
    await buyer.press("Pay with my wallet", connected);
    const request = await phone.nextRequest();
    const order = await shop.app.store.require(checkout.orderId);
    expect((request.validUntil ?? 0) * 1000).toBeLessThan(order.expiresAt);

    const again = await buyer.press("Pay with my wallet", connected);
    expect(again?.text).toContain("already waiting in your wallet");
    await buyer.waitForText("expired before your wallet confirmed it", {
      after: before,
      timeoutMs: 30_000,
    });
    expect(phone.requests).toHaveLength(1);
    expect((await shop.app.store.require(checkout.orderId)).status).toBe("pending");
    expect(transfersWithComment(shop, checkout.comment)).toHaveLength(0);
  });

  it("tells the buyer when the wallet disconnects while a request waits, and offers to reconnect", async () => {
    const { shop, buyer, phone, checkout, connected } = await buyerWithWallet();

    phone.answer("ignore");
    const before = buyer.lastMessageId();
    await buyer.press("Pay with my wallet", connected);
    await phone.nextRequest();
    await phone.disconnect();
    const interrupted = await buyer.waitForText("Your wallet disconnected before confirming", {
      after: before,
    });
    await buyer.waitForText("ended its connection", { after: before });
    expect((await shop.app.store.require(checkout.orderId)).status).toBe("pending");

    // Reconnecting goes through the offer again, then paying works.
    const offerFrom = buyer.lastMessageId();
    await buyer.press("Connect a wallet", interrupted);
    const offer = await buyer.waitForButton("Tonkeeper", { after: offerFrom });
    expect(await phone.openLink(buyer.link("Tonkeeper", offer))).toBe("connected");
    const reconnected = await buyer.waitForText("is connected:", { after: offerFrom });
    await buyer.press("Pay with my wallet", reconnected);
    await orderReaches(shop, checkout.orderId, "fulfilled");
  });

  it("restores the buyer's wallet session from Redis after the bot restarts", async () => {
    const { shop, buyer, phone, checkout, connected } = await buyerWithWallet();

    await shop.restart();
    expect(shop.app.wallets).toBeDefined();

    const before = buyer.lastMessageId();
    buyer.send("/wallet");
    const status = await buyer.waitForText("Connected: Tonkeeper", { after: before });
    expect(status.text).toContain("…");
    await buyer.press("Pay with my wallet", connected);
    expect((await phone.nextRequest()).outcome).toBe("approved");
    await orderReaches(shop, checkout.orderId, "fulfilled");
  });

  it("tells the buyer the wallet connected even when the bot restarted while the link was open", async () => {
    const { shop, buyer, phone, checkout, offer, before } = await buyerAtOffer();
    await shop.restart();
    expect(await phone.openLink(buyer.link("Tonkeeper", offer))).toBe("connected");
    const connected = await buyer.waitForText("is connected:", { after: before });
    expect(connected.text).toContain(`Pay order ${checkout.orderId}`);
    await buyer.press("Pay with my wallet", connected);
    await orderReaches(shop, checkout.orderId, "fulfilled");
  });

  it("will not ask the wallet again while a payment it sent waits for the watcher", async () => {
    // The watcher is slowed right down, so the order is still pending after the wallet answers.
    const { shop, buyer, phone, checkout, connected } = await buyerWithWallet({
      config: { pollIntervalMs: 3_600_000 },
    });
    const before = buyer.lastMessageId();
    await buyer.press("Pay with my wallet", connected);
    await buyer.waitForText("Your wallet sent the payment", { after: before });

    const again = await buyer.press("Pay with my wallet", connected);
    expect(again?.text).toContain("already sent the payment for this order");
    expect(phone.requests).toHaveLength(1);
    expect((await shop.app.store.require(checkout.orderId)).status).toBe("pending");

    await shop.app.watcher?.pollOnce();
    const fulfilled = await orderReaches(shop, checkout.orderId, "fulfilled");
    expect(fulfilled.payments).toHaveLength(1);
  });

  it("keeps a request left waiting by a stopped bot, so a restart cannot ask the wallet twice", async () => {
    const { shop, buyer, phone, connected } = await buyerWithWallet();
    phone.answer("ignore");
    await buyer.press("Pay with my wallet", connected);
    await phone.nextRequest();

    await shop.restart();
    const again = await buyer.press("Pay with my wallet", connected);
    expect(again?.text).toContain("already waiting in your wallet");
    expect(phone.requests).toHaveLength(1);
  });

  it("gives the same link to a second offer, so the first QR code still connects", async () => {
    const { buyer, phone, checkout, offer: first, before } = await buyerAtOffer();
    buyer.send("/wallet");
    const second = await buyer.waitForButton("Tonkeeper", { after: first.messageId });
    expect(buyer.link("Tonkeeper", second)).toBe(buyer.link("Tonkeeper", first));

    expect(await phone.openLink(buyer.link("Tonkeeper", first))).toBe("connected");
    const connected = await buyer.waitForText("is connected:", { after: before });
    // The order the first offer was for is still the one offered for payment.
    expect(connected.text).toContain(`Pay order ${checkout.orderId}`);
  });

  it("refuses a mainnet wallet at a testnet shop with a clear message, connecting nothing", async () => {
    const { shop, buyer, phone, checkout, offer, before } = await buyerAtOffer(
      {},
      { network: "-239" },
    );
    await phone.openLink(buyer.link("Tonkeeper", offer));
    const refused = await buyer.waitForText("different TON network", { after: before });
    expect(refused.text).toContain("this shop is on TON testnet");

    // Not connected: the next try offers the connection again instead of a request.
    const next = buyer.lastMessageId();
    await buyer.press("Pay with my wallet", checkout.message);
    await buyer.waitForButton("Tonkeeper", { after: next });
    expect(phone.requests).toHaveLength(0);
    expect((await shop.app.store.require(checkout.orderId)).status).toBe("pending");
  });

  it("disconnects from the bot, and will not ask a wallet to pay someone else's order", async () => {
    const { shop, buyer, phone, connected } = await buyerWithWallet();
    const theirs = await checkoutTon(shop.user({ firstName: "Eve" }), MUG);

    // Eve's order id on a button of Alice's: refused, and her wallet is asked nothing.
    const forged = await buyer.pressData(`wallet:pay:${theirs.orderId}`, connected);
    expect(forged?.text).toContain("belongs to someone else");
    expect(phone.requests).toHaveLength(0);

    const before = buyer.lastMessageId();
    await buyer.press("Disconnect the wallet", connected);
    await buyer.waitForText("Your wallet is disconnected", { after: before });
    await expect.poll(() => phone.connected).toBe(false);
    buyer.send("/wallet");
    await buyer.waitForText("Connect your wallet", { after: before });
  });

  it("asks buyers to pay by link while too many are connecting a wallet, and offers wallets again once a place is free", async () => {
    const { shop, buyer, phone, offer, before } = await buyerAtOffer({
      config: { tonconnectMaxOpenLinks: 1 },
    });
    // The first buyer's link holds the one place; the next buyer taps "Pay with my wallet".
    const bob = shop.user({ firstName: "Bob" });
    const checkout = await checkoutTon(bob, MUG);
    const from = bob.lastMessageId();
    await bob.press("Pay with my wallet", checkout.message);
    const busy = await bob.waitForText("Too many buyers are connecting a wallet", { after: from });
    expect(busy.text).toContain(`Pay order ${checkout.orderId} with the button below`);
    expect(bob.fromBot().filter((m) => m.caption?.includes("Connect your wallet"))).toHaveLength(0);
    const carol = shop.user({ firstName: "Carol" });
    carol.send("/wallet");
    await carol.waitForText("Please try again in a few minutes");

    // The button under the apology pays Bob's order the ordinary way.
    await (await shop.buyerWallet()).payLink(bob.link("Tonkeeper", busy));
    await orderReaches(shop, checkout.orderId, "fulfilled");

    // The first buyer's wallet connects, which frees the place: Carol is offered the wallets.
    expect(await phone.openLink(buyer.link("Tonkeeper", offer))).toBe("connected");
    await buyer.waitForText("is connected:", { after: before });
    const next = carol.lastMessageId();
    carol.send("/wallet");
    const offered = await carol.waitForButton("Tonkeeper", { after: next });
    expect(offered.caption).toContain("Connect your wallet");
  });

  it("survives a wallet that cannot read the shop's manifest, tells the buyer, and names the setting", async () => {
    const { lines, log } = capturedLog();
    const { shop, buyer, phone, checkout, offer, before } = await buyerAtOffer({
      // Nothing listens on the discard port: every wallet fails to fetch this manifest.
      config: { tonconnectManifestUrl: "http://127.0.0.1:9/tonconnect-manifest.json" },
      log,
    });
    expect(await phone.openLink(buyer.link("Tonkeeper", offer))).toBe("manifest-not-found");
    await buyer.waitForText("The wallet could not connect", { after: before });
    const named = () => lines.filter((line) => line.includes("TONCONNECT_MANIFEST_URL"));
    // Once when the shop started, once when a wallet refused.
    await expect.poll(() => named().length).toBe(2);
    expect(named().some((line) => line.includes("does not serve a usable manifest"))).toBe(true);
    expect(named().some((line) => line.includes("a wallet could not read"))).toBe(true);

    // The shop carries on: the same order is still paid the ordinary way.
    const payer = await shop.buyerWallet();
    const order = await shop.app.store.require(checkout.orderId);
    await payer.pay(order.amount, checkout.comment);
    await orderReaches(shop, checkout.orderId, "fulfilled");
  });
});
