import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Sandbox } from "../../src/sandbox/world.js";
import { checkoutTon, invoiceFor, orderReaches, startShop } from "../support/sandbox.js";

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

  it("gives every buyer the goods while the merchant's webhook hangs", async () => {
    // The merchant's backend takes every request and never answers.
    const held = new Set<ServerResponse>();
    const backend = createServer((_request, response) => {
      held.add(response);
    });
    backend.listen(0, "127.0.0.1");
    await once(backend, "listening");
    const { port } = backend.address() as AddressInfo;
    try {
      sandbox = await startShop({
        config: {
          merchantWebhookUrl: `http://127.0.0.1:${port}/hooks/tpb`,
          merchantWebhookSecret: "whsec_e2e_0123456789",
        },
      });
      const buyers = [sandbox.user(), sandbox.user()];
      for (const buyer of buyers) {
        const { invoice, orderId } = await invoiceFor(buyer, "ton-guide", "Telegram Stars");
        expect((await buyer.payInvoice(invoice)).ok).toBe(true);
        const goods = await buyer.waitForText("Your download link", { after: invoice.messageId });
        await buyer.waitForText("Receipt", { after: goods.messageId });
        await orderReaches(sandbox, orderId, "fulfilled");
      }
      // Both events reached the backend, which still has not answered either.
      await vi.waitFor(() => expect(held.size).toBe(2));
    } finally {
      backend.closeAllConnections();
      backend.close();
    }
  });
});
