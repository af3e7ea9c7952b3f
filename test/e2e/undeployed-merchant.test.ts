import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/world.js";
import { checkoutTon, orderReaches, startShop } from "../support/sandbox.js";

const HALF_TON = 500_000_000n;

// A fresh merchant wallet has no code on chain until it first sends money. Every transfer to it
// is aborted with the compute phase skipped, yet a non-bounceable one leaves the money there.
describe("a merchant wallet that was never deployed", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("is paid from the Tonkeeper link, and the order is delivered once", async () => {
    sandbox = await startShop({ merchantWallet: "undeployed" });
    expect((await sandbox.chain.account(sandbox.merchant.address)).state).toBe("nonexist");
    const buyer = sandbox.user();
    const { message, orderId } = await checkoutTon(buyer, "TON Developer");

    const wallet = await sandbox.buyerWallet();
    await wallet.payLink(buyer.link("Open in Tonkeeper", message));

    const [received] = sandbox.chain.transactions(sandbox.merchant.address);
    expect(received?.description.type === "generic" && received.description.aborted).toBe(true);
    const account = await sandbox.chain.account(sandbox.merchant.address);
    expect(account).toMatchObject({ state: "uninitialized", balance: HALF_TON });

    await buyer.waitForText("Payment received", { after: message.messageId });
    await buyer.waitForText("Receipt", { after: message.messageId });
    const order = await orderReaches(sandbox, orderId, "fulfilled");
    expect(order.paid).toBe(HALF_TON);
    expect(order.payments).toHaveLength(1);
    expect(order.payments[0]?.key).toBe(`ton:${received?.hash().toString("hex")}`);

    // Later polls and the reconcile pass find the same transaction: nothing more happens.
    await sandbox.app.watcher?.pollOnce();
    expect(await sandbox.app.watcher?.reconcile(Date.now() - 3_600_000)).toMatchObject({
      recovered: 0,
    });
    const chat = buyer.fromBot().map((m) => m.text ?? "");
    expect(chat.filter((text) => text.includes("Your download link"))).toHaveLength(1);
    expect(chat.filter((text) => text.startsWith("Receipt"))).toHaveLength(1);
  });

  it("keeps money sent with no comment for the admin instead of dropping it", async () => {
    sandbox = await startShop({ merchantWallet: "undeployed" });
    const wallet = await sandbox.buyerWallet();
    await wallet.payLink(
      `ton://transfer/${sandbox.merchant.address.toString({ bounceable: false, testOnly: true })}?amount=${HALF_TON}`,
    );
    const unmatched = sandbox.app.unmatched;
    await expect.poll(() => unmatched.count()).toBe(1);
    const [kept] = await unmatched.list();
    expect(kept).toMatchObject({ amount: HALF_TON, reason: "no-comment", method: "ton" });
  });
});
