import { freePort } from "@ton-payment-bot/emulators/redis";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { buyData, checkOrderData, productData, quantityData } from "../../src/bot/callback-data.js";
import { Sandbox } from "../../src/sandbox/world.js";
import { capturedLog } from "../support/log.js";
import { checkoutTon, startShop } from "../support/sandbox.js";

/** A person presses buttons at most a few times a second; the flood limit is tested on its own. */
const humanPace = () => new Promise((resolve) => setTimeout(resolve, 250));
/** Synchronisation only: one step of waiting for something another party does. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 25));

describe("what the bot does with input it should not trust", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("refuses forged callback data politely and changes nothing", async () => {
    sandbox = await startShop();
    const owner = sandbox.user({ firstName: "Owner" });
    const { message, orderId } = await checkoutTon(owner, "TON Developer");
    const intruder = sandbox.user({ firstName: "Intruder" });
    intruder.send("/shop");
    const shop = await intruder.waitForButton("TON mug");
    const ordersBefore = await sandbox.app.store.listByUser(intruder.id, 10);

    await humanPace();
    const someoneElses = await intruder.pressData(checkOrderData.pack({ orderId }), shop);
    expect(someoneElses?.text).toBe("This order belongs to someone else.");
    expect(someoneElses?.show_alert).toBe(true);

    await humanPace();
    const missingOrder = await intruder.pressData(checkOrderData.pack({ orderId: "NOPE" }), shop);
    expect(missingOrder?.text).toContain("not valid any more");

    await humanPace();
    const missingProduct = await intruder.pressData(productData.pack({ id: "yacht" }), shop);
    expect(missingProduct?.text).toContain("not on sale any more");

    await humanPace();
    const tooMany = await intruder.pressData(
      buyData.pack({ id: "mug", quantity: 500, method: "ton" }),
      shop,
    );
    expect(tooMany?.text).toContain("cannot be paid that way");
    await humanPace();
    const negative = await intruder.pressData("buy:mug:ton:-2", shop);
    expect(negative?.text).toContain("not valid any more");
    await humanPace();
    const noSuchMethod = await intruder.pressData("buy:mug:gold:1", shop);
    expect(noSuchMethod?.text).toContain("not valid any more");

    await humanPace();
    const garbage = await intruder.pressData("\u0000💥; DROP TABLE orders", shop);
    expect(garbage?.text).toContain("not valid any more");

    // A quantity beyond the product's limit is clamped on the card, never trusted.
    await humanPace();
    const before = intruder.lastMessageId();
    await intruder.pressData(quantityData.pack({ id: "mug", quantity: 99 }), shop);
    const card = await intruder.waitFor((m) => (m.text ?? "").includes("Quantity: 5"));
    expect(card.messageId).toBeLessThanOrEqual(before);

    expect(await sandbox.app.store.listByUser(intruder.id, 10)).toEqual(ordersBefore);
    const order = await sandbox.app.store.require(orderId);
    expect(order.status).toBe("pending");
    expect(order.userId).toBe(owner.id);
    expect(owner.fromBot().at(-1)?.messageId).toBeGreaterThanOrEqual(message.messageId);
  });

  it("answers data no button of ours carries with one warn line, in the buyer's language", async () => {
    const { records, log } = capturedLog();
    sandbox = await startShop({ log });
    const intruder = sandbox.user({ firstName: "Intruder" });
    intruder.send("/start buy_mug");
    const card = await intruder.waitForButton("Pay with Gram (TON)");
    const cardBefore = structuredClone(card.message);
    const messagesBefore = intruder.fromBot().length;
    const forged = [
      "buy:mug:NaN",
      "buy:mug:ton:NaN",
      "buy:mug:ton:",
      "buy:mug:ton:1.5",
      "buy:mug:ton:1e3",
      "buy:mug:ton:Infinity",
      "buy:mug:ton:07",
      "buy:mug:ton:3abc",
      "buy:mug:ton:99999999",
      "buy:mug:ton:1:extra",
      "qty:mug:NaN",
      "qty:mug:-1",
      "qty:mug:",
      "product:mug:extra",
      "product:",
      "check:",
      "check:ord_1:ord_2",
      "lang:de",
      "shop:again",
      "wallet:pay",
      "wallet:steal:ord_1",
      "sell:mug:ton:1",
      `product:${"ё".repeat(40)}`,
      `buy:mug:ton:${"1".repeat(64)}`,
    ];
    for (const data of forged) {
      await humanPace();
      const from = records().length;
      const answer = await intruder.pressData(data, card);
      expect(answer, data).toEqual({
        text: "This button is not valid any more. Tap /shop to start again.",
        show_alert: true,
      });
      const lines = records()
        .slice(from)
        .filter((r) => r.userId === intruder.id);
      expect(lines, data).toHaveLength(1);
      expect(lines[0], data).toMatchObject({ level: 40, msg: "unknown callback data" });
      expect(lines[0]?.err, data).toBeUndefined();
    }

    // Nothing failed, nothing was bought, and the chat is as it was.
    expect(records().filter((r) => r.level >= 50)).toEqual([]);
    expect(records().some((r) => JSON.stringify(r).includes('"stack"'))).toBe(false);
    expect(await sandbox.app.store.listByUser(intruder.id, 10)).toEqual([]);
    expect(intruder.fromBot()).toHaveLength(messagesBefore);
    expect(card.message).toEqual(cardBefore);
    expect(intruder.fromBot().some((m) => m.text?.includes("Something went wrong"))).toBe(false);

    // In the buyer's own language.
    const russian = sandbox.user({ languageCode: "ru" });
    russian.send("/start buy_mug");
    const russianCard = await russian.waitForButton("TON");
    const answer = await russian.pressData("buy:mug:ton:NaN", russianCard);
    expect(answer?.text).toBe(
      "Эта кнопка больше не действует. Нажмите /shop, чтобы начать заново.",
    );
  });

  it("answers a deep link to a product that does not exist, and opens one that does", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    buyer.send("/start buy_yacht");
    await buyer.waitForText("This product is not on sale any more");
    buyer.send("/start buy_mug");
    const card = await buyer.waitForButton("Pay with Gram (TON)");
    expect(card.text).toContain("TON mug");
    expect(card.text).toContain("Quantity: 1");
  });

  it("keeps the card as it is when − is pressed at the lowest quantity", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user();
    buyer.send("/start buy_mug");
    const card = await buyer.waitForButton("Pay with Gram (TON)");
    const answers = () => sandbox?.telegram.stats.byMethod.answerCallbackQuery ?? 0;
    const before = answers();
    const answer = await buyer.press("−", card);
    expect(answer).toEqual({});
    // Handled, not failed: a failed update would be answered a second time with an apology.
    await buyer.press("+", card);
    await buyer.waitForText("Quantity: 2");
    expect(answers() - before).toBe(2);
  });

  it("slows down a flooding user without losing the shop for anyone else", async () => {
    sandbox = await startShop();
    const flooder = sandbox.user();
    for (let i = 0; i < 30; i++) flooder.send("/help");
    await flooder.waitForText("Too many requests");
    const calm = sandbox.user();
    calm.send("/help");
    await calm.waitForText("How to buy");
    // Everything the flood caused has been sent once the calm user's answer is back.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const helps = flooder.fromBot().filter((m) => m.text?.includes("How to buy"));
    const warnings = flooder.fromBot().filter((m) => m.text?.includes("Too many requests"));
    expect(helps.length).toBeGreaterThan(0);
    expect(helps.length).toBeLessThan(30);
    expect(warnings.length).toBeLessThan(30 - helps.length);
  });

  it("speaks the buyer's language and switches it on request", async () => {
    sandbox = await startShop();
    const buyer = sandbox.user({ languageCode: "ru" });
    buyer.send("/start");
    const welcome = await buyer.waitFor(() => true);
    const english = sandbox.user({ languageCode: "en" });
    english.send("/start");
    const englishWelcome = await english.waitForText("Welcome");
    expect(welcome.text).not.toBe(englishWelcome.text);
    expect(welcome.text).toMatch(/[а-яё]/i);

    buyer.send("/language");
    const chooser = await buyer.waitForButton("中文");
    await buyer.press("中文", chooser);
    const after = buyer.lastMessageId();
    buyer.send("/help");
    const help = await buyer.waitFor(() => true, { after });
    expect(help.text).toMatch(/[\u4e00-\u9fff]/);

    // The command menu exists in every language.
    const menu = (code: string) => sandbox?.telegram.state.commands.get(`default|${code}`) ?? [];
    expect(menu("en").map((c) => c.command)).toContain("shop");
    expect(menu("ru")).toHaveLength(menu("en").length);
    expect(menu("zh")).toHaveLength(menu("en").length);
    expect(menu("ru")[0]?.description).not.toBe(menu("en")[0]?.description);
  });

  it("rides out Telegram's 429 with the retry_after it gives", async () => {
    sandbox = await startShop();
    sandbox.telegram.faults.rateLimit = {
      methods: ["sendMessage"],
      times: 2,
      retryAfterSeconds: 1,
    };
    const buyer = sandbox.user();
    buyer.send("/help");
    await buyer.waitForText("How to buy");
    expect(sandbox.telegram.stats.rateLimited).toBe(2);
    expect(buyer.fromBot().filter((m) => m.text?.includes("How to buy"))).toHaveLength(1);
  });

  it("takes updates by webhook and refuses a request without the secret", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/telegram/hook`;
    sandbox = await startShop({
      config: { botMode: "webhook", webhookUrl: url, webhookSecret: "s3cret_hook", port },
    });
    expect(sandbox.telegram.state.webhook?.secretToken).toBe("s3cret_hook");
    const buyer = sandbox.user();
    buyer.send("/help");
    await buyer.waitForText("How to buy");
    expect(sandbox.telegram.stats.webhookPushes).toBeGreaterThan(0);

    const forged = {
      update_id: 1,
      message: {
        message_id: 1,
        date: 0,
        chat: { id: buyer.id, type: "private" },
        from: { id: buyer.id, is_bot: false, first_name: "X" },
        text: "/help",
      },
    };
    const count = buyer.fromBot().length;
    const noSecret = await fetch(url, {
      method: "POST",
      body: JSON.stringify(forged),
      headers: { "content-type": "application/json" },
    });
    expect(noSecret.status).toBe(401);
    const wrongSecret = await fetch(url, {
      method: "POST",
      body: JSON.stringify(forged),
      headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": "guess" },
    });
    expect(wrongSecret.status).toBe(401);
    expect(buyer.fromBot()).toHaveLength(count);
  });

  it("answers a webhook update that failed and carries no money 200, and tells the buyer", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/telegram/hook`;
    // A Redis of its own, so it can be made full without touching other tests.
    sandbox = await Sandbox.start({
      config: { botMode: "webhook", webhookUrl: url, webhookSecret: "s3cret_hook", port },
    });
    const admin = new Redis(sandbox.config.redisUrl);
    const buyer = sandbox.user();
    buyer.send("/start buy_ton-guide");
    const card = await buyer.waitForButton("Pay with Gram (TON)");

    // Redis is full: the order cannot be created and the press fails.
    await admin.config("SET", "maxmemory", "1");
    const answer = await buyer.press("Pay with Gram (TON)", card);
    await admin.config("SET", "maxmemory", "0");
    await admin.quit();

    expect(answer?.text).toContain("Something went wrong");
    // Telegram is told the update was handled: it neither holds nor repeats it.
    const { queue } = sandbox.telegram.state;
    for (let waited = 0; queue.size > 0 && waited < 5000; waited += 25) await tick();
    expect(queue.size).toBe(0);
    expect(sandbox.telegram.state.webhook?.lastErrorMessage).toBeUndefined();
    expect(await sandbox.app.store.listByUser(buyer.id, 10)).toEqual([]);
  });
});
