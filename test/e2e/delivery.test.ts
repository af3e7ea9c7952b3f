import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Sandbox } from "../../src/sandbox/world.js";
import { checkoutTon, orderReaches, startShop } from "../support/sandbox.js";

describe("delivering the goods in the chat", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("sends a file product as a document with its caption, then the receipt", async () => {
    const dir = await mkdtemp(join(tmpdir(), "shop-"));
    const pdf = Buffer.from("%PDF-1.4\n% the TON guide\n");
    await writeFile(join(dir, "guide.pdf"), pdf);
    await writeFile(
      join(dir, "catalog.json"),
      JSON.stringify({
        products: [
          {
            id: "guide-pdf",
            kind: "digital",
            title: { en: "Guide (PDF)", ru: "Руководство (PDF)" },
            description: "The guide as a file.",
            prices: { ton: "0.25", stars: "50" },
            delivery: {
              type: "file",
              path: "guide.pdf",
              caption: { en: "Here is your guide.", ru: "Ваше руководство." },
            },
          },
        ],
      }),
    );
    sandbox = await startShop({ config: { catalogPath: join(dir, "catalog.json") } });
    const buyer = sandbox.user({ languageCode: "ru" });
    buyer.send("/language");
    await buyer.press("English", await buyer.waitForButton("English"));
    await buyer.waitForText("Language: English.");
    const { message, comment, orderId } = await checkoutTon(buyer, "Guide (PDF)");

    const wallet = await sandbox.buyerWallet();
    await wallet.pay(250_000_000n, comment);
    const file = await buyer.waitFor((m) => m.document !== undefined, {
      after: message.messageId,
    });
    expect(file.caption).toBe("Here is your guide.");
    expect(file.document?.filename).toBe("guide.pdf");
    expect(file.document?.bytes?.equals(pdf)).toBe(true);
    const receipt = await buyer.waitForText("Receipt", { after: file.messageId });
    expect(receipt.text).toContain("Guide (PDF) × 1");
    await orderReaches(sandbox, orderId, "fulfilled");
  });
});
