import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import { afterEach, describe, expect, it } from "vitest";
import { buyData } from "../../src/bot/callback-data.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { orderReaches, startShop } from "../support/sandbox.js";

const KEYS = ["CODE-A1", "CODE-B2", "CODE-C3", "CODE-D4", "CODE-E5"];

/** A shop selling activation codes from the "codes" pool, up to five at a time. */
async function codesShop(stock: string[]): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), "shop-"));
  await writeFile(
    join(dir, "catalog.json"),
    JSON.stringify({
      products: [
        {
          id: "code",
          kind: "digital",
          title: "Activation code",
          description: "One code per licence.",
          prices: { ton: "1.2", stars: "100" },
          maxQuantity: 5,
          delivery: { type: "stock", pool: "codes" },
        },
      ],
    }),
  );
  return startShop({ config: { catalogPath: join(dir, "catalog.json") }, stock: { codes: stock } });
}

/** The product card at `quantity`, reached with the "+" button as a buyer would. */
async function cardAt(buyer: EmulatedUser, quantity: number) {
  const start = buyer.lastMessageId();
  buyer.send("/shop");
  await buyer.press(
    "Activation code",
    await buyer.waitForButton("Activation code", { after: start }),
  );
  let card = await buyer.waitForButton("Pay with Gram (TON)", { after: start });
  for (let n = 1; n < quantity; n++) {
    await buyer.press("+", card);
    card = await buyer.waitFor(
      (m) => m.messageId === card.messageId && (m.text ?? "").includes(`Quantity: ${n + 1}`),
    );
  }
  return card;
}

/** Every stock code the buyer was sent, in order, counting repeats. */
function codesIn(buyer: EmulatedUser): string[] {
  return buyer.fromBot().flatMap((m) => m.text?.match(/CODE-[A-Z]\d/g) ?? []);
}

describe("stock products bought by the handful", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("delivers three distinct codes for a quantity of three, and the pool is three down", async () => {
    sandbox = await codesShop(KEYS);
    const buyer = sandbox.user();
    const card = await cardAt(buyer, 3);
    const before = buyer.lastMessageId();
    await buyer.press("Pay with Gram (TON)", card);
    const message = await buyer.waitForText("Send exactly 3.6 GRAM", { after: before });
    const comment = /with the comment (\S+)/.exec(message.text ?? "")?.[1] ?? "";
    const orderId = /^Order (\S+)/.exec(message.text ?? "")?.[1] ?? "";

    await (await sandbox.buyerWallet()).pay(3_600_000_000n, comment);
    const codes = await buyer.waitForText("Your keys (3):", { after: message.messageId });
    const receipt = await buyer.waitForText("Receipt", { after: codes.messageId });
    expect(receipt.text).toContain("Activation code × 3");
    await orderReaches(sandbox, orderId, "fulfilled");

    const sent = codesIn(buyer);
    expect(sent).toHaveLength(3);
    expect(new Set(sent).size).toBe(3);
    expect(await sandbox.app.stock.issuedTo("codes", orderId)).toEqual(sent);
    expect(await sandbox.app.stock.available("codes")).toBe(2);
  });

  it("refuses before payment a quantity the pool cannot cover, saying how many are left", async () => {
    sandbox = await codesShop(KEYS.slice(0, 2));
    const buyer = sandbox.user();
    // The card stops "+" at what is in stock.
    const card = await cardAt(buyer, 2);
    expect(card.text).toContain("In stock: 2");
    await buyer.press("+", card);
    expect(card.text).toContain("Quantity: 2");

    // A button for three, as an old card would carry: refused, and no order is made.
    const forged = await buyer.pressData(
      buyData.pack({ id: "code", quantity: 3, method: "ton" }),
      card,
    );
    expect(forged?.text).toBe("Only 2 left in stock — choose 2 or fewer.");
    expect(await sandbox.app.store.listByUser(buyer.id, 10)).toEqual([]);
    expect(await sandbox.app.stock.available("codes")).toBe(2);
  });

  it("refuses a Stars payment at pre-checkout once the pool no longer covers the quantity", async () => {
    sandbox = await codesShop(KEYS.slice(0, 3));
    const first = sandbox.user();
    const card = await cardAt(first, 3);
    const before = first.lastMessageId();
    await first.press("Pay with Telegram Stars", card);
    const invoice = await first.waitFor((m) => m.invoice !== undefined, { after: before });

    // Meanwhile another buyer takes one code.
    const second = sandbox.user();
    const other = await cardAt(second, 1);
    const asked = second.lastMessageId();
    await second.press("Pay with Telegram Stars", other);
    const theirs = await second.waitFor((m) => m.invoice !== undefined, { after: asked });
    expect((await second.payInvoice(theirs)).ok).toBe(true);
    await second.waitForText("Your key:", { after: theirs.messageId });

    const refused = await first.payInvoice(invoice);
    expect(refused).toMatchObject({ ok: false });
    expect(refused.errorMessage).toBe(
      "Too few are left in stock for this quantity now. Tap /shop and choose fewer — you have not been charged.",
    );
    expect(sandbox.telegram.state.starBalance).toBe(100);
    expect(await sandbox.app.stock.available("codes")).toBe(2);
  });
});
