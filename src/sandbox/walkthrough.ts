import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Address, SendMode, toNano } from "@ton/core";
import { internal, TonClient, WalletContractV4 } from "@ton/ton";
import {
  type ChatMessage,
  type EmulatedUser,
  SAMPLE_ADDRESS,
  type TelegramEmulatorOptions,
} from "@ton-payment-bot/emulators/telegram";
import { currencyDecimals, formatUnits } from "../catalog/units.js";
import { verifyWebhookSignature } from "../fulfilment/webhook.js";
import { formatPrice } from "../notices/format.js";
import { displayAddress } from "../payments/ton/links.js";
import { partitionOf, redisKeys } from "../redis/keys.js";
import { BUYER_USDT, Sandbox } from "./world.js";

const STEP_TIMEOUT_MS = 20_000;
/** The merchant's Telegram user id in the sandbox (ADMIN_IDS). */
const MERCHANT_ID = 100_001;
/** A buyer's screenshot, as far as the walkthrough needs one: a JPEG's first and last bytes. */
const SCREENSHOT = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0xff, 0xd9]);
const ton = (nano: bigint) => formatPrice(nano, "TON");
const usdt = (millionths: bigint) => formatPrice(millionths, "USDT");

class StepFailed extends Error {
  override name = "StepFailed";
}

/** Prints a numbered transcript; a step that does not hold stops the run. */
class Transcript {
  private step = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}

  line(text = ""): void {
    this.out.write(`${text}\n`);
  }

  async check<T>(
    title: string,
    run: () => Promise<T>,
    describe: (value: T) => string[] = () => [],
  ) {
    this.step++;
    const label = `${String(this.step).padStart(2)}.`;
    try {
      const value = await run();
      this.line(`${label} ✓ ${title}`);
      for (const detail of describe(value)) this.line(`      ${detail}`.trimEnd());
      return value;
    } catch (error) {
      this.line(`${label} ✗ ${title}`);
      this.line(`      ${(error as Error).message}`);
      throw new StepFailed(title);
    }
  }
}

/** Received merchant-webhook calls, each checked against the shared secret. */
async function startMerchantBackend(secret: string) {
  const received: { type: string; orderId: string; signatureValid: boolean }[] = [];
  const server = createServer(async (request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = JSON.parse(raw) as { type: string; order: { id: string } };
    received.push({
      type: body.type,
      orderId: body.order.id,
      signatureValid: verifyWebhookSignature(secret, request.headers, raw),
    });
    response.writeHead(200).end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/orders`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`${what} did not happen within ${STEP_TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A bot message as a chat shows it: text or caption, a photo marker, and its buttons. */
function render(message: ChatMessage): string[] {
  const lines: string[] = [];
  if (message.photo) lines.push("[photo: QR code]");
  if (message.document) lines.push(`[file: ${message.document.filename ?? "document"}]`);
  const invoice = message.invoice;
  if (invoice) {
    const total = formatUnits(BigInt(invoice.totalAmount), currencyDecimals(invoice.currency));
    const unit = invoice.currency === "XTR" ? "⭐" : invoice.currency;
    lines.push(`[invoice: ${invoice.title} — ${total} ${unit}]`, invoice.description);
  }
  const body = message.text ?? message.caption;
  if (body !== undefined) lines.push(...body.split("\n"));
  const markup = message.replyMarkup;
  if (markup && "inline_keyboard" in markup) {
    for (const row of markup.inline_keyboard) {
      lines.push(row.map((button) => `[ ${button.text} ]`).join(" "));
    }
  }
  return lines.map((line, i) => `${i === 0 ? "bot   ›" : "       "} ${line}`.trimEnd());
}

/** What the bot sent after message `after`, each as the chat shows it now. */
function replies(buyer: EmulatedUser, after: number): string[] {
  return buyer
    .fromBot()
    .filter((m) => m.messageId > after)
    .flatMap(render);
}

/**
 * The offline sandbox: Redis, an emulated TON chain behind the toncenter emulator, the Telegram
 * Bot API emulator and the whole shop, then a narrated purchase in a buyer's chat. Returns true
 * when every step held.
 */
export async function runWalkthrough(
  out: NodeJS.WritableStream = process.stdout,
  options: { telegram?: TelegramEmulatorOptions } = {},
): Promise<boolean> {
  const t = new Transcript(out);
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  t.line("TON Payment Bot — offline sandbox");
  t.line("No BOT_TOKEN is set, so everything runs here on loopback: nothing reaches the internet.");
  t.line();
  try {
    const webhookSecret = randomBytes(16).toString("hex");
    const backend = await startMerchantBackend(webhookSecret);
    cleanups.push(() => backend.close());
    const sandbox = await Sandbox.start({
      redisUrl: process.env.REDIS_URL || undefined,
      // As `npm run testnet-wallet` makes it: no code on chain until its first transfer out.
      merchantWallet: "undeployed",
      // A test USDT on the chain, and the shop sells the e-book in it too.
      usdt: true,
      telegram: options.telegram,
      config: {
        merchantWebhookUrl: backend.url,
        merchantWebhookSecret: webhookSecret,
        adminIds: [MERCHANT_ID],
      },
    });
    cleanups.push(() => sandbox.stop());
    // The merchant has a chat with the bot from the start, so the admin notices reach her.
    const mira = sandbox.user({ id: MERCHANT_ID, firstName: "Mira", username: "mira_shop" });
    const { config, merchant, chain } = sandbox;
    const buyerWallet = await chain.createWallet({ version: "v4", balance: toNano("20") });
    const testUsdt = sandbox.usdt;
    if (!testUsdt) throw new Error("the sandbox has no test USDT");
    const usdtWallet = await sandbox.buyerWallet(toNano("5"));

    t.line(
      `  Redis        ${config.redisUrl}${process.env.REDIS_URL ? "" : " (started for this run)"}`,
    );
    t.line(`  toncenter    ${config.toncenterEndpoint} (emulated chain, real wallet contracts)`);
    t.line(`  Telegram     ${config.telegramApiRoot} (Bot API emulator; the bot is real grammY)`);
    t.line(
      `  TON Connect  ${sandbox.bridge.bridgeUrl} (bridge emulator; the bot runs the real SDK)`,
    );
    t.line(
      `  merchant     ${displayAddress(merchant.address, true)} (wallet v5r1, fresh: not deployed yet, and payments arrive all the same)`,
    );
    t.line(
      `  buyer        ${displayAddress(buyerWallet.address, true)} (wallet v4, ${ton(toNano(20))})`,
    );
    t.line(
      `  USDT         ${testUsdt.master.toString({ testOnly: true })} (a test TEP-74 jetton, the shop's USDT_MASTER)`,
    );
    t.line(
      `  USDT buyer   ${displayAddress(usdtWallet.wallet.address, true)} (wallet v4, ${ton(toNano(5))} and ${usdt(BUYER_USDT)})`,
    );
    t.line(`  webhook      ${backend.url} (the merchant's backend, checks signatures)`);
    t.line();

    // Alice reads the terms and agrees herself; the other buyers agree when asked.
    const alice = sandbox.user({ firstName: "Alice", username: "alice", agreesToTerms: false });
    const say = async (text: string) => {
      const after = alice.lastMessageId();
      alice.send(text);
      await alice.waitFor(() => true, { after, timeoutMs: STEP_TIMEOUT_MS });
      return after;
    };

    await t.check(
      "Alice opens the bot",
      async () => {
        const after = await say("/start");
        return [`alice › /start`, ...replies(alice, after)];
      },
      (lines) => lines,
    );

    const mug = await t.check(
      "She opens the shop and taps the mug",
      async () => {
        const after = await say("/shop");
        const list = replies(alice, after);
        const shop = await alice.waitForButton("TON mug", { after });
        await alice.press("TON mug", shop);
        const card = await alice.waitForButton("Pay with Gram (TON)", {
          timeoutMs: STEP_TIMEOUT_MS,
        });
        return { card, lines: ["alice › /shop", ...list, "alice › [ TON mug ]", ...render(card)] };
      },
      ({ lines }) => lines,
    );

    await t.check(
      "She wants two: the card updates in place",
      async () => {
        await alice.press("+", mug.card);
        const card = await alice.waitFor((m) => (m.text ?? "").includes("Quantity: 2"), {
          timeoutMs: STEP_TIMEOUT_MS,
        });
        return ["alice › [ + ]", ...render(card)];
      },
      (lines) => lines,
    );

    const terms = await t.check(
      "She chooses Gram (TON): before her first purchase, the shop's terms of sale, and nothing ordered yet",
      async () => {
        const after = alice.lastMessageId();
        await alice.press("Pay with Gram (TON)", mug.card);
        const message = await alice.waitForText("Before your first purchase", {
          after,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const orders = await sandbox.app.store.listByUser(alice.id, 10);
        if (orders.length > 0)
          throw new Error("an order was made before Alice agreed to the terms");
        return { message, lines: ["alice › [ Pay with Gram (TON) ]", ...render(message)] };
      },
      ({ lines }) => lines,
    );

    const checkout = await t.check(
      "She agrees, and the purchase goes on: amount, address and comment to copy, wallet buttons and a QR code",
      async () => {
        const after = terms.message.messageId;
        await alice.press("I agree", terms.message);
        const message = await alice.waitForText("Send exactly", {
          after,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        await alice.waitFor((m) => m.photo !== undefined, { after, timeoutMs: STEP_TIMEOUT_MS });
        const comment = /with the comment (\S+)/.exec(message.text ?? "")?.[1];
        const orderId = /^Order (\S+)/.exec(message.text ?? "")?.[1];
        if (!comment || !orderId) throw new Error("the payment message has no comment or order");
        return {
          message,
          comment,
          orderId,
          lines: ["alice › [ ✅ I agree ]", ...replies(alice, after)],
        };
      },
      ({ lines }) => lines,
    );
    const order = await sandbox.app.store.require(checkout.orderId);

    // Alice's wallet app signs a transfer and hands it to toncenter, as Tonkeeper would.
    const client = new TonClient({ endpoint: config.toncenterEndpoint });
    const wallet = client.open(
      WalletContractV4.create({ workchain: 0, publicKey: buyerWallet.keyPair.publicKey }),
    );
    const pay = async (amount: bigint, comment: string) => {
      await wallet.sendTransfer({
        seqno: await wallet.getSeqno(),
        secretKey: buyerWallet.keyPair.secretKey,
        // Fees on top, as wallet apps do, so the merchant receives exactly `amount`; the address
        // the bot shows is the non-bounceable form, so the wallet sends non-bounceable.
        sendMode: SendMode.PAY_GAS_SEPARATELY | SendMode.IGNORE_ERRORS,
        messages: [internal({ to: merchant.address, value: amount, body: comment, bounce: false })],
      });
    };

    const first = order.amount / 2n;
    const underpaid = await t.check(
      `Her wallet sends only ${ton(first)}; the watcher sees it and the bot says what is still owed`,
      async () => {
        const after = alice.lastMessageId();
        await pay(first, checkout.comment);
        const reply = await alice.waitForText("We received", { after, timeoutMs: STEP_TIMEOUT_MS });
        return {
          reply,
          lines: [`wallet sends ${ton(first)} with comment ${checkout.comment}`, ...render(reply)],
        };
      },
      ({ lines }) => lines,
    );

    await t.check(
      "She sends the rest, typing the comment by hand in lower case: paid, goods and a receipt",
      async () => {
        const after = underpaid.reply.messageId;
        const typed = checkout.comment.toLowerCase().replace("-", " ");
        await pay(order.amount - first, typed);
        await alice.waitForText("Receipt", { after, timeoutMs: STEP_TIMEOUT_MS });
        return [
          `wallet sends ${ton(order.amount - first)} with comment "${typed}"`,
          ...replies(alice, after),
        ];
      },
      (lines) => lines,
    );

    await t.check(
      "The merchant's backend received one signed order.paid event",
      async () => {
        const events = await until("the merchant webhook", async () => {
          const got = backend.received.filter((e) => e.orderId === order.id);
          return got.length > 0 ? got : undefined;
        });
        if (events.length !== 1) throw new Error(`received ${events.length} events`);
        if (!events[0]?.signatureValid) throw new Error("the signature did not verify");
        return events[0];
      },
      (e) => [`${e.type}, HMAC-SHA256 signature valid`],
    );

    await t.check(
      "A payment with a comment nobody issued is kept for the admin, not lost",
      async () => {
        await pay(toNano("0.3"), "TP-ZZZZZZZZ");
        return until("recording the unmatched payment", async () => {
          const [latest] = await sandbox.app.unmatched.list(1);
          return latest?.comment === "TP-ZZZZZZZZ" ? latest : undefined;
        });
      },
      (u) => [
        `${ton(u.amount)} from ${displayAddress(Address.parseRaw(u.from ?? ""), true)}, reason: ${u.reason}`,
      ],
    );

    await t.check(
      "Nothing was fulfilled twice",
      async () => {
        const stored = await until("fulfilment", async () => {
          const current = await sandbox.app.store.require(order.id);
          return current.status === "fulfilled" ? current : undefined;
        });
        const stream = redisKeys(config.redisPrefix).fulfilment(partitionOf(order.id));
        const entries = await sandbox.app.redis.xrange(stream, "-", "+");
        const jobs = entries.filter(([, fields]) => fields.includes(order.id)).length;
        if (stored.payments.length !== 2)
          throw new Error(`order has ${stored.payments.length} payments`);
        if (jobs !== 1) throw new Error(`${jobs} fulfilment jobs were queued`);
        const receipts = alice.fromBot().filter((m) => m.text?.startsWith("Receipt"));
        if (receipts.length !== 1) throw new Error(`${receipts.length} receipts were sent`);
        return stored;
      },
      (o) => [
        `order ${o.id}: ${o.status}, ${ton(o.paid)} in ${o.payments.length} payments, 1 job, 1 receipt`,
      ],
    );

    await t.check(
      "“I have paid” reports what the watcher decided",
      async () => {
        const answer = await alice.press("I have paid", checkout.message);
        if (!answer?.text) throw new Error("the button was not answered");
        return [`alice › [ I have paid ]`, `bot   › (alert) ${answer.text}`];
      },
      (lines) => lines,
    );

    const bob = sandbox.user({ firstName: "Bob", username: "bob" });
    /** Opens a product by deep link and presses its pay button; returns the invoice. */
    const invoiceFrom = async (buyer: EmulatedUser, productId: string, button: string) => {
      const after = buyer.lastMessageId();
      buyer.send(`/start buy_${productId}`);
      const card = await buyer.waitForButton(button, { after, timeoutMs: STEP_TIMEOUT_MS });
      const before = buyer.lastMessageId();
      await buyer.press(button, card);
      const invoice = await buyer.waitFor((m) => m.invoice !== undefined, {
        after: before,
        timeoutMs: STEP_TIMEOUT_MS,
      });
      return { card, invoice };
    };

    await t.check(
      "Bob buys the e-book for Telegram Stars: an invoice, pre-checkout, paid, delivered",
      async () => {
        const { card, invoice } = await invoiceFrom(bob, "ton-guide", "Pay with Telegram Stars");
        const paid = await bob.payInvoice(invoice);
        if (!paid.ok) throw new Error(`the payment was refused: ${paid.errorMessage}`);
        await bob.waitForText("Receipt", { after: invoice.messageId, timeoutMs: STEP_TIMEOUT_MS });
        return [
          "bob   › /start buy_ton-guide",
          ...render(card),
          "bob   › [ Pay with Telegram Stars ]",
          ...render(invoice),
          `bob   › pays 150 ⭐ (pre-checkout answered, charge ${paid.chargeId?.slice(0, 12)}…)`,
          ...replies(bob, invoice.messageId),
        ];
      },
      (lines) => lines,
    );

    const carol = sandbox.user({ firstName: "Carol", username: "carol" });
    await t.check(
      "Carol buys the mug by card, with express shipping and a tip",
      async () => {
        const { invoice } = await invoiceFrom(carol, "mug", "Pay with Card");
        const paid = await carol.payInvoice(invoice, {
          tip: 100,
          shippingOptionId: "express",
          orderInfo: {
            name: "Carol Buyer",
            phone_number: "+4915100000000",
            shipping_address: SAMPLE_ADDRESS,
          },
        });
        if (!paid.ok) throw new Error(`the payment was refused: ${paid.errorMessage}`);
        await carol.waitForText("Receipt", {
          after: invoice.messageId,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        return [
          "carol › [ Pay with Card ]",
          ...render(invoice),
          "carol › address in Berlin, Express courier (14.99 USD), tip 1.00 USD",
          `carol › pays ${formatUnits(BigInt(paid.totalAmount ?? 0), 2)} USD by card`,
          ...replies(carol, invoice.messageId),
        ];
      },
      (lines) => lines,
    );

    const dan = sandbox.user({ firstName: "Dan", username: "dan" });
    const tonkeeper = await sandbox.walletApp({ balance: toNano("20") });
    const danOrder = await t.check(
      "Dan orders the mug for Gram and taps “Pay with my wallet”: he connects Tonkeeper",
      async () => {
        const after = dan.lastMessageId();
        dan.send("/start buy_mug");
        const card = await dan.waitForButton("Pay with Gram (TON)", {
          after,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const before = dan.lastMessageId();
        await dan.press("Pay with Gram (TON)", card);
        const message = await dan.waitForText("Send exactly", {
          after: before,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const orderId = /^Order (\S+)/.exec(message.text ?? "")?.[1] ?? "";
        const offerFrom = dan.lastMessageId();
        await dan.press("Pay with my wallet", message);
        const offer = await dan.waitForButton("Tonkeeper", {
          after: offerFrom,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const answer = await tonkeeper.openLink(dan.link("Tonkeeper", offer));
        if (answer !== "connected") throw new Error(`the wallet did not connect: ${answer}`);
        const connected = await dan.waitForText("is connected:", {
          after: offerFrom,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        return {
          orderId,
          connected,
          lines: [
            "dan   › [ 👛 Pay with my wallet ]",
            ...render(offer),
            "Tonkeeper on Dan's phone opens the link and approves the connection",
            ...render(connected),
          ],
        };
      },
      ({ lines }) => lines,
    );

    await t.check(
      "He taps it again: Tonkeeper asks once, he confirms, the watcher sees the transfer",
      async () => {
        const after = dan.lastMessageId();
        await dan.press("Pay with my wallet", danOrder.connected);
        const request = await tonkeeper.nextRequest(STEP_TIMEOUT_MS);
        const [transfer] = request.messages;
        if (!transfer) throw new Error("the request asked for no transfer");
        await dan.waitForText("Receipt", { after, timeoutMs: STEP_TIMEOUT_MS });
        const paid = await sandbox.app.store.require(danOrder.orderId);
        if (paid.payments.length !== 1) throw new Error(`${paid.payments.length} payments`);
        // The merchant's notice for it, before she opens /admin below.
        await mira.waitForText(`Order ${danOrder.orderId} paid`, { timeoutMs: STEP_TIMEOUT_MS });
        return [
          "dan   › [ 👛 Pay with my wallet ]",
          `Tonkeeper shows: send ${ton(transfer.amount)} to ${displayAddress(transfer.address, true)}, comment ${transfer.comment}`,
          `Dan confirms; the wallet signs and sends it (${request.outcome})`,
          ...replies(dan, after),
        ];
      },
      (lines) => lines,
    );

    const erin = sandbox.user({ firstName: "Erin", username: "erin" });
    const erinsOrder = await t.check(
      "Erin buys the e-book in USDT: the amount in USDT, the merchant's address and a comment, and a Tonkeeper link naming the USDT jetton",
      async () => {
        const after = erin.lastMessageId();
        erin.send("/start buy_ton-guide");
        const card = await erin.waitForButton("Pay with USDT", {
          after,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const before = erin.lastMessageId();
        await erin.press("Pay with USDT", card);
        const message = await erin.waitForText("Send exactly", {
          after: before,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const qr = await erin.waitFor((m) => m.photo !== undefined, {
          after: message.messageId,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const comment = /with the comment (\S+)/.exec(message.text ?? "")?.[1];
        const orderId = /^Order (\S+)/.exec(message.text ?? "")?.[1];
        if (!comment || !orderId) throw new Error("the payment message has no comment or order");
        const link = erin.link("Open in Tonkeeper", message);
        const asked = new URL(link).searchParams;
        if (!testUsdt.master.equals(Address.parse(asked.get("jetton") ?? "")))
          throw new Error(`the Tonkeeper link names another jetton: ${link}`);
        if (asked.get("text") !== comment) throw new Error(`the link carries no comment: ${link}`);
        const order = await sandbox.app.store.require(orderId);
        if (order.method !== "usdt" || asked.get("amount") !== order.amount.toString())
          throw new Error(
            `the link asks for ${asked.get("amount")}, the order for ${order.amount}`,
          );
        return {
          orderId,
          comment,
          link,
          lines: [
            "erin  › /start buy_ton-guide",
            ...render(card),
            "erin  › [ Pay with USDT ] (and agrees to the terms when asked)",
            ...render(message),
            ...render(qr),
            `[ Open in Tonkeeper ] → ${link}`,
          ],
        };
      },
      ({ lines }) => lines,
    );

    await t.check(
      "Her wallet opens the link and sends the USDT: the watcher of our USDT wallet finds it, she gets the e-book once, and the merchant holds it",
      async () => {
        const held = await sandbox.merchantUsdt();
        const after = erin.lastMessageId();
        // A jetton transfer: to Erin's own USDT wallet, which credits ours and notifies the merchant.
        await usdtWallet.payLink(erinsOrder.link);
        // The notice and the goods go out on their own, in whichever order they are ready.
        await erin.waitForText("Payment received", { after, timeoutMs: STEP_TIMEOUT_MS });
        await erin.waitForText("Receipt", { after, timeoutMs: STEP_TIMEOUT_MS });
        const paid = await until("fulfilment", async () => {
          const current = await sandbox.app.store.require(erinsOrder.orderId);
          return current.status === "fulfilled" ? current : undefined;
        });
        const [payment] = paid.payments;
        if (paid.payments.length !== 1 || payment?.method !== "usdt")
          throw new Error(`the order has ${paid.payments.length} payments, not one in USDT`);
        // The credit the watcher counted is a transaction of our USDT wallet, as toncenter lists it.
        const ours = await testUsdt.walletOf(merchant.address);
        const hash = payment.reference?.hash ?? "";
        const seen = await client.getTransactions(ours, { limit: 10, archival: true });
        if (!seen.some((tx) => tx.hash().toString("hex") === hash))
          throw new Error(`tx ${hash} is not a transaction of our USDT wallet`);
        const goods = erin.fromBot().filter((m) => m.text?.includes("Your download link"));
        if (goods.length !== 1) throw new Error(`the e-book was sent ${goods.length} times`);
        // The merchant's notice for it, before she opens /admin below.
        await mira.waitForText(`Order ${paid.id} paid`, { timeoutMs: STEP_TIMEOUT_MS });
        const holds = await sandbox.merchantUsdt();
        if (holds - held !== paid.amount)
          throw new Error(`the merchant's USDT went from ${usdt(held)} to ${usdt(holds)}`);
        return [
          `Erin's wallet sends ${usdt(paid.amount)} from her USDT wallet ${(await testUsdt.walletOf(usdtWallet.wallet.address)).toString({ testOnly: true })}, comment ${erinsOrder.comment}`,
          `our USDT wallet ${ours.toString({ testOnly: true })} is credited: tx ${hash.slice(0, 16)}… (lt ${payment.reference?.lt})`,
          ...replies(erin, after),
          `order ${paid.id}: ${paid.status}, ${usdt(paid.paid)} in 1 payment, 1 download link; the merchant's USDT: ${usdt(held)} → ${usdt(holds)}`,
        ];
      },
      (lines) => lines,
    );

    await t.check(
      "Mira, the merchant, opens /admin: balances, sales, exceptions, and the notices she was sent",
      async () => {
        const after = mira.lastMessageId();
        mira.send("/admin");
        const menu = await mira.waitForButton("Sales", { after, timeoutMs: STEP_TIMEOUT_MS });
        const lines = ["mira  › /admin", ...render(menu)];
        for (const [button, marker] of [
          ["Balances", "USDT (our jetton wallet)"],
          ["Sales", "30 days"],
          ["Exceptions", "Exceptions"],
        ] as const) {
          const current = await mira.waitForButton(button, { timeoutMs: STEP_TIMEOUT_MS });
          await mira.press(button, current);
          const view = await mira.waitFor(
            (m) => m.messageId === current.messageId && (m.text ?? "").includes(marker),
            { timeoutMs: STEP_TIMEOUT_MS },
          );
          lines.push(`mira  › [ ${button} ]`, ...render(view));
          await mira.press("Back", view);
        }
        const notices = mira
          .fromBot()
          .filter((m) => m.messageId <= after)
          .map((m) => (m.text ?? "").split("\n")[0] ?? "");
        lines.push(`(notices Mira got as it happened: ${notices.length})`);
        for (const notice of notices) lines.push(`bot   › ${notice}`);
        return lines;
      },
      (lines) => lines,
    );

    await t.check(
      "Dan writes to /support; Mira gets it with his orders and answers by replying",
      async () => {
        const after = dan.lastMessageId();
        dan.send("/support");
        await dan.waitForText("is open", { after, timeoutMs: STEP_TIMEOUT_MS });
        const written = dan.lastMessageId();
        dan.send("Does the VPN key work on two phones?");
        await dan.waitForText("Passed on", { after: written, timeoutMs: STEP_TIMEOUT_MS });
        const relay = await mira.waitForText("Does the VPN key work", {
          timeoutMs: STEP_TIMEOUT_MS,
        });
        // A photo travels as a copy, under a header of its own.
        const shown = dan.lastMessageId();
        dan.sendPhoto({ bytes: SCREENSHOT, caption: "what my phone shows" });
        await dan.waitForText("Passed on", { after: shown, timeoutMs: STEP_TIMEOUT_MS });
        const photo = await mira.waitFor((m) => m.photo !== undefined, {
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const answered = dan.lastMessageId();
        mira.send("Yes, on up to three devices.", { replyTo: photo });
        await dan.waitForText("Answer from the shop", {
          after: answered,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const confirmed = await mira.waitForText("Sent to Dan", { timeoutMs: STEP_TIMEOUT_MS });
        return [
          "dan   › /support",
          ...dan
            .fromBot()
            .filter((m) => m.messageId > after && m.messageId <= written)
            .flatMap(render),
          "dan   › Does the VPN key work on two phones?",
          ...render(relay).map((line) => line.replace(/^bot {3}›/, "mira  ‹")),
          "dan   › [photo] what my phone shows",
          "mira  ‹ (the header again, then the photo and its caption, as a copy)",
          "mira  › (replying to the photo) Yes, on up to three devices.",
          ...replies(dan, answered),
          ...render(confirmed).map((line) => line.replace(/^bot {3}›/, "mira  ‹")),
        ];
      },
      (lines) => lines,
    );

    const fay = sandbox.user({ firstName: "Fay", username: "fay" });
    const club = await t.check(
      "Fay subscribes to the TON Builders' Club for 250 ⭐ every 30 days: a subscription link, and this month's issue arrives",
      async () => {
        const after = fay.lastMessageId();
        fay.send("/start buy_builders-club");
        const subscribe = "Subscribe for 250 ⭐ / 30 days";
        const card = await fay.waitForButton(subscribe, { after, timeoutMs: STEP_TIMEOUT_MS });
        await fay.press(subscribe, card);
        const offer = await fay.waitForButton("⭐ Subscribe", {
          after: card.messageId,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const orderId = /^Order (\S+)/.exec(offer.text ?? "")?.[1] ?? "";
        const link = fay.link("⭐ Subscribe", offer);
        const invoice = sandbox.telegram.state.invoiceLinks.get(link);
        if (invoice?.subscriptionPeriod !== 2_592_000)
          throw new Error(`the link is not a 30-day subscription: ${JSON.stringify(invoice)}`);
        const paid = await fay.payInvoiceLink(link);
        if (!paid.ok || paid.chargeId === undefined) throw new Error(`payment: ${paid.reason}`);
        await fay.waitForText("Receipt", { after: offer.messageId, timeoutMs: STEP_TIMEOUT_MS });
        const order = await until("the first month's delivery", async () => {
          const current = await sandbox.app.store.require(orderId);
          return current.status === "fulfilled" ? current : undefined;
        });
        return {
          orderId,
          chargeId: paid.chargeId,
          lines: [
            "fay   › /start buy_builders-club",
            ...render(card),
            `fay   › [ ${subscribe} ] (she agrees to the terms when asked)`,
            ...render(offer),
            `fay   › opens ${link}: Telegram's form, "Subscribe", 250 ⭐ a month`,
            ...replies(fay, offer.messageId),
            `order ${orderId}: ${order.status}, period 1 paid until ${new Date(order.subscription?.paidUntil ?? 0).toISOString()}`,
          ],
        };
      },
      (value) => value.lines,
    );

    await t.check(
      "31 days pass on Telegram's clock: Telegram charges Fay's renewal, and the shop delivers the second month once",
      async () => {
        const after = fay.lastMessageId();
        sandbox.telegram.state.clock.advance(31 * 86_400_000);
        await fay.waitForText("period 2", { after, timeoutMs: STEP_TIMEOUT_MS });
        const order = await until("the second month's delivery", async () => {
          const current = await sandbox.app.store.require(club.orderId);
          return current.subscription?.periods === 2 && current.status === "fulfilled"
            ? current
            : undefined;
        });
        const issues = fay.fromBot().filter((m) => m.text?.includes("Builders' Club issue"));
        if (issues.length !== 2) throw new Error(`Fay got ${issues.length} issues, not 2`);
        return [
          `Telegram's clock: +31 days; it charges 250 ⭐ from Fay's Stars with a new charge id`,
          ...replies(fay, after),
          `order ${club.orderId}: ${order.payments.length} payments, paid until ${new Date(order.subscription?.paidUntil ?? 0).toISOString()}`,
        ];
      },
      (lines) => lines,
    );

    await t.check(
      "Fay cancels the renewal in /subscriptions: nothing more is charged, and her access ends when the paid month does",
      async () => {
        const after = fay.lastMessageId();
        fay.send("/subscriptions");
        const list = await fay.waitForButton("Cancel renewal", {
          after,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        await fay.press("Cancel renewal", list);
        const canceled = await fay.waitForText("Renewal canceled", {
          after: list.messageId,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const paidUntil = (await sandbox.app.store.require(club.orderId)).subscription?.paidUntil;
        const charges = sandbox.telegram.state.payments.size;
        sandbox.telegram.state.clock.advance(31 * 86_400_000);
        if (sandbox.telegram.state.payments.size !== charges)
          throw new Error("Telegram charged a canceled subscription");
        const ended = await sandbox.app.endSubscriptions();
        const told = await fay.waitForText("has ended", {
          after: canceled.messageId,
          timeoutMs: STEP_TIMEOUT_MS,
        });
        const order = await sandbox.app.store.require(club.orderId);
        const endedAt = order.subscription?.endedAt ?? 0;
        if (ended !== 1 || endedAt < (paidUntil ?? Infinity))
          throw new Error(`access ended at ${endedAt}, before ${paidUntil}`);
        return [
          "fay   › /subscriptions",
          ...render(list),
          "fay   › [ Cancel renewal: TON Builders' Club ]",
          ...render(canceled),
          "Telegram's clock: +31 days; no charge, and the shop ends the access",
          ...render(told),
        ];
      },
      (lines) => lines,
    );

    t.line();
    t.line("Every step held.");
    t.line();
    t.line("To go live: copy .env.example to .env and set BOT_TOKEN (from @BotFather),");
    t.line("MERCHANT_ADDRESS and TONCENTER_API_KEY; check the setup with `npm run doctor`,");
    t.line(
      "then run `npm start` again. `npm run testnet-wallet` makes a testnet wallet to try it.",
    );
    return true;
  } catch (error) {
    if (!(error instanceof StepFailed))
      t.line(`✗ the sandbox could not start: ${(error as Error).message}`);
    return false;
  } finally {
    for (const cleanup of cleanups.reverse())
      await Promise.resolve(cleanup()).catch(() => undefined);
  }
}
