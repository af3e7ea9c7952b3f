import type { ChatMessage, EmulatedUser } from "@ton-payment-bot/emulators/telegram";
import { afterEach, describe, expect, it } from "vitest";
import { redisKeys } from "../../src/redis/keys.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { capturedLog } from "../support/log.js";
import { checkoutTon, startShop } from "../support/sandbox.js";

/*
 * The support inbox, through the real bot and the Bot API emulator: a buyer's /support or
 * /paysupport opens a ticket, what they write reaches the admins with a header, and an admin's
 * reply reaches the buyer as the shop's answer.
 */

const ADMIN_ID = 900_101;
const SECOND_ADMIN = 900_102;
const TEAM_CHAT = -1_001_234_500_001;
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0xff, 0xd9]);

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

async function shop(config: Parameters<typeof startShop>[0] = {}) {
  sandbox = await startShop({ config: { adminIds: [ADMIN_ID] }, ...config });
  return sandbox;
}

/** /support (or /paysupport) and the bot's answer to it. */
async function openTicket(buyer: EmulatedUser, command = "/support"): Promise<ChatMessage> {
  const before = buyer.lastMessageId();
  buyer.send(command);
  return buyer.waitForText(/[Tt]icket #\d+ is/, { after: before });
}

/** What the buyer sends, and the bot's word that it went on (or was kept). */
async function write(buyer: EmulatedUser, send: () => ChatMessage, told = "Passed on") {
  const sent = send();
  const answer = await buyer.waitFor(
    (m) =>
      (m.text ?? "").includes(told) && m.message.reply_to_message?.message_id === sent.messageId,
  );
  return { sent, answer };
}

describe("the support inbox", () => {
  it("relays text, a photo and a document with the ticket's header and the buyer's recent orders", async () => {
    const s = await shop();
    const admin = s.user({ id: ADMIN_ID, firstName: "Merchant" });
    const buyer = s.user({ firstName: "Alice", username: "alice_b" });
    const { orderId } = await checkoutTon(buyer, "TON Developer");

    const opened = await openTicket(buyer);
    expect(opened.text).toContain("Ticket #1 is open.");
    expect(opened.text).toContain("Write your message");
    expect(opened.text).toContain("Support hours: We answer every day, 9:00–21:00 UTC");
    expect(buyer.buttonsData(opened)).toEqual(["ticket:1"]);

    await write(buyer, () => buyer.send("My <order> never came"));
    const header = await admin.waitForText("Ticket #1");
    expect(header.text).toContain("Ticket #1 · support");
    expect(header.text).toContain(`From: Alice · @alice_b · id ${buyer.id}`);
    expect(header.text).toContain("Recent orders:");
    expect(header.text).toContain(
      `• ${orderId} · TON Developer's Guide (e-book) · waiting for payment`,
    );
    expect(header.text).toContain("My <order> never came");
    expect(admin.buttonsData(header)).toEqual(["ticket:1"]);

    await write(buyer, () => buyer.sendPhoto({ bytes: JPEG, caption: "the screen" }));
    const photo = await admin.waitFor((m) => m.photo !== undefined);
    expect(photo.photo?.bytes).toEqual(JPEG);
    expect(photo.caption).toBe("the screen");
    const photoHeader = admin
      .fromBot()
      .find((m) => m.messageId === photo.message.reply_to_message?.message_id);
    expect(photoHeader?.text).toContain("Ticket #1 · support");

    const pdf = Buffer.from("%PDF-1.4 receipt");
    await write(buyer, () => buyer.sendDocument({ bytes: pdf, filename: "receipt.pdf" }));
    const file = await admin.waitFor((m) => m.document !== undefined);
    expect(file.document?.bytes).toEqual(pdf);
    expect(file.message.document?.file_name).toBe("receipt.pdf");

    // The admin answers the photo by replying to it; the buyer gets the shop's answer.
    const since = buyer.lastMessageId();
    admin.send("We are <sending> a new one today", { replyTo: photo });
    const answer = await buyer.waitForText("Answer from the shop", { after: since });
    expect(answer.text).toBe(
      "💬 Answer from the shop (ticket #1):\nWe are <sending> a new one today",
    );
    await admin.waitForText("✅ Sent to Alice (ticket #1).");
    expect((await s.app.tickets.get(1))?.state).toBe("answered");

    // An answer with a photo arrives as a photo, under the shop's line.
    admin.sendPhoto({ bytes: JPEG, caption: "tracking" }, { replyTo: header });
    const media = await buyer.waitFor((m) => m.photo !== undefined && m.messageId > since);
    expect(media.caption).toBe("tracking");
    const above = buyer
      .fromBot()
      .find((m) => m.messageId === media.message.reply_to_message?.message_id);
    expect(above?.text).toBe("💬 Answer from the shop (ticket #1):");

    // The buyer writes again: open again, and everything is in the log, in order.
    await write(buyer, () => buyer.send("thanks!"));
    await expect.poll(async () => (await s.app.tickets.get(1))?.state).toBe("open");
    expect((await s.app.tickets.log(1)).map((e) => [e.from, e.content, e.excerpt])).toEqual([
      ["buyer", "text", "My <order> never came"],
      ["buyer", "photo", "the screen"],
      ["buyer", "document", ""],
      ["shop", "text", "We are <sending> a new one today"],
      ["shop", "photo", "tracking"],
      ["buyer", "text", "thanks!"],
    ]);
    // Commands are not relayed, and shopping still works with a ticket open.
    const relays = admin.fromBot().length;
    buyer.send("/shop");
    await buyer.waitForButton("TON Developer", { after: since });
    expect(admin.fromBot()).toHaveLength(relays);
  });

  it("tells a /paysupport buyer that Telegram's support cannot help, and asks for the order", async () => {
    const s = await shop();
    const admin = s.user({ id: ADMIN_ID });
    const buyer = s.user();
    const opened = await openTicket(buyer, "/paysupport");
    expect(opened.text).toContain(
      "Telegram support and bot support cannot help with purchases made through this bot",
    );
    expect(opened.text).toContain("Write your order number");

    const ru = s.user({ languageCode: "ru" });
    ru.send("/paysupport");
    const russian = await ru.waitForText("Обращение #2");
    expect(russian.text).toContain("поддержка Telegram и поддержка ботов не могут помочь");
    const zh = s.user({ languageCode: "zh-hans" });
    zh.send("/paysupport");
    const chinese = await zh.waitForText("工单");
    expect(chinese.text).toContain("Telegram 客服和机器人客服无法处理通过本机器人进行的购买");

    await write(buyer, () => buyer.send("ord_x paid twice"));
    const header = await admin.waitForText("Ticket #1");
    expect(header.text).toContain("Ticket #1 · payment support");
    expect(header.text).toContain("No orders yet.");
    // /support again continues the same ticket and offers to close it.
    const again = await openTicket(buyer);
    expect(again.text).toContain("Your ticket #1 is still open.");
    expect(buyer.buttonsData(again)).toEqual(["ticket:1"]);
  });

  it("gives two buyers writing at once each their own answer", async () => {
    const s = await shop();
    const admin = s.user({ id: ADMIN_ID });
    const alice = s.user({ firstName: "Alice" });
    const bob = s.user({ firstName: "Bob" });
    await Promise.all([openTicket(alice), openTicket(bob)]);
    await Promise.all([
      write(alice, () => alice.send("Alice's question")),
      write(bob, () => bob.send("Bob's question")),
    ]);
    const fromAlice = await admin.waitForText("Alice's question");
    const fromBob = await admin.waitForText("Bob's question");
    admin.send("for Bob", { replyTo: fromBob });
    admin.send("for Alice", { replyTo: fromAlice });
    await alice.waitForText("for Alice");
    await bob.waitForText("for Bob");
    await expect.poll(() => admin.fromBot().filter((m) => m.text?.startsWith("✅")).length).toBe(2);
    expect(alice.fromBot().some((m) => m.text?.includes("for Bob"))).toBe(false);
    expect(bob.fromBot().some((m) => m.text?.includes("for Alice"))).toBe(false);
  });

  it("relays to ADMIN_CHAT_ID only, where any admin answers and other members cannot", async () => {
    const { records, log } = capturedLog();
    const s = await shop({
      config: { adminIds: [ADMIN_ID, SECOND_ADMIN], adminChatId: TEAM_CHAT },
      log,
    });
    const first = s.user({ id: ADMIN_ID, firstName: "Merchant" });
    const second = s.user({ id: SECOND_ADMIN, firstName: "Partner" });
    const staff = s.user({ firstName: "Staff" });
    const team = s.telegram.group({
      id: TEAM_CHAT,
      supergroup: true,
      members: [first, second, staff],
    });
    const buyer = s.user({ firstName: "Carol" });
    await openTicket(buyer);
    await write(buyer, () => buyer.send("where is my key?"));
    const header = await team.waitForText("where is my key?");
    expect(first.fromBot()).toEqual([]);
    expect(second.fromBot()).toEqual([]);

    // A member who is not an admin replies: nothing reaches the buyer.
    team.send(staff, "I'll look", { replyTo: header });
    await expect
      .poll(() => records().filter((r) => r.msg.startsWith("ticket answer refused")))
      .toMatchObject([{ userId: staff.id, ticket: 1 }]);
    expect(buyer.fromBot().some((m) => m.text?.includes("I'll look"))).toBe(false);

    const since = buyer.lastMessageId();
    team.send(second, "Sent again just now", { replyTo: header });
    await buyer.waitForText("Sent again just now", { after: since });
    await team.waitForText("✅ Sent to Carol");
    await write(buyer, () => buyer.send("got it"));
    const next = await team.waitForText("got it");
    team.send(first, "Great!", { replyTo: next });
    await buyer.waitForText("Great!");
    expect(buyer.fromBot().some((m) => m.text?.includes("I'll look"))).toBe(false);

    // An admin closes it from the header's button.
    expect(await first.press("Close ticket #1", header)).toEqual({
      text: "Ticket #1 closed; the buyer was told.",
    });
    await buyer.waitForText("The shop closed ticket #1.");
    expect((await s.app.tickets.get(1))?.state).toBe("closed");
    // The button goes; its data pressed by a member who is not an admin is refused.
    await expect.poll(() => header.replyMarkup).toBeUndefined();
    expect(await staff.pressData("ticket:1", header)).toEqual({
      text: "This button is not valid any more. Tap /shop to start again.",
      show_alert: true,
    });
  });

  it("lets the buyer close the ticket; then nothing more is relayed, and /admin shows the states", async () => {
    const s = await shop();
    const admin = s.user({ id: ADMIN_ID });
    const alice = s.user({ firstName: "Alice", username: "alice" });
    const bob = s.user({ firstName: "Bob" });
    const carol = s.user({ firstName: "Carol" });
    const opened = await openTicket(alice);
    await openTicket(bob);
    await openTicket(carol);
    await write(alice, () => alice.send("first question"));
    await write(bob, () => bob.send("second question"));
    admin.send("an answer", { replyTo: await admin.waitForText("second question") });
    await bob.waitForText("an answer");

    // A stranger cannot close Alice's ticket with her button's data.
    expect(await carol.pressData("ticket:1", await carol.waitForButton("Close"))).toEqual({
      text: "This button is not valid any more. Tap /shop to start again.",
      show_alert: true,
    });
    expect(await alice.press("Close ticket #1", opened)).toEqual({});
    await alice.waitForText("Ticket #1 is closed. /support opens a new one.");
    expect(await s.app.tickets.current(alice.id)).toBeUndefined();
    const relays = admin.fromBot().length;
    const before = alice.lastMessageId();
    alice.send("one more thing");
    alice.send("/orders");
    await alice.waitFor((m) => m.messageId > before && !(m.text ?? "").includes("Passed on"));
    expect(
      alice.fromBot().filter((m) => m.messageId > before && m.text?.includes("Passed on")),
    ).toEqual([]);
    expect(admin.fromBot()).toHaveLength(relays);

    admin.send("/close 3");
    await admin.waitForText("Ticket #3 closed; the buyer was told.");
    await carol.waitForText("The shop closed ticket #3.");
    admin.send("/close 3");
    await admin.waitForText("Ticket #3 is already closed.");
    admin.send("/close abc");
    await admin.waitForText("Usage: /close");

    admin.send("/admin");
    await admin.press("Tickets", await admin.waitForButton("Tickets"));
    const view = await admin.waitForText("Support tickets");
    expect(view.text).toContain("#2 · answered · Bob · 0 min · “an answer”");
    expect(view.text).not.toContain("#1 ·");
    expect(view.text).not.toContain("#3 ·");
    expect(view.text).toContain("Closed so far: 2");
  });

  it("keeps the buyer's message in the ticket and says so when relaying fails", async () => {
    const { records, log } = capturedLog();
    const s = await shop({ log });
    const admin = s.user({ id: ADMIN_ID });
    const buyer = s.user();
    await openTicket(buyer);

    // Telegram fails the header's sendMessage: nothing reaches the admin.
    s.telegram.faults.serverError = { methods: ["sendMessage"], times: 1 };
    const { answer } = await write(buyer, () => buyer.send("are you there?"), "Saved in ticket #1");
    expect(answer.text).toContain("If it is urgent, please send it again in a few minutes");
    expect(admin.fromBot()).toEqual([]);

    // The header goes out, then copying the photo fails: the photo is kept all the same.
    s.telegram.faults.serverError = { methods: ["copyMessage"], times: 1 };
    await write(buyer, () => buyer.sendPhoto({ bytes: JPEG }), "Saved in ticket #1");
    expect(admin.fromBot().some((m) => m.photo !== undefined)).toBe(false);

    expect((await s.app.tickets.log(1)).map((e) => [e.content, e.excerpt])).toEqual([
      ["text", "are you there?"],
      ["photo", ""],
    ]);
    expect(records().filter((r) => r.msg === "support message not relayed")).toHaveLength(2);
    // Telegram back: the next message goes through.
    await write(buyer, () => buyer.send("hello again"));
    await admin.waitForText("hello again");
  });

  it("logs no answer Telegram did not deliver, so the admin's second try reaches the buyer once", async () => {
    const s = await shop();
    const admin = s.user({ id: ADMIN_ID });
    const buyer = s.user({ firstName: "Alice" });
    await openTicket(buyer);
    await write(buyer, () => buyer.send("hello?"));
    const header = await admin.waitForText("hello?");

    const since = buyer.lastMessageId();
    s.telegram.faults.serverError = { methods: ["sendMessage"], times: 1 };
    admin.send("first try", { replyTo: header });
    await admin.waitForText("Something went wrong");
    expect(buyer.fromBot().filter((m) => m.messageId > since)).toEqual([]);
    expect((await s.app.tickets.get(1))?.state).toBe("open");

    admin.send("second try", { replyTo: header });
    await admin.waitForText("✅ Sent to Alice (ticket #1).");
    expect(
      buyer
        .fromBot()
        .filter((m) => m.messageId > since)
        .map((m) => m.text),
    ).toEqual(["💬 Answer from the shop (ticket #1):\nsecond try"]);
    expect((await s.app.tickets.log(1)).map((e) => [e.from, e.excerpt])).toEqual([
      ["buyer", "hello?"],
      ["shop", "second try"],
    ]);
    expect((await s.app.tickets.get(1))?.state).toBe("answered");
  });

  it("tells the admin an answer went out when logging it then fails, so it is never sent twice", async () => {
    const s = await shop();
    const admin = s.user({ id: ADMIN_ID });
    const buyer = s.user({ firstName: "Alice" });
    await openTicket(buyer);
    await write(buyer, () => buyer.send("hello?"));
    const header = await admin.waitForText("hello?");

    // The ticket's log holds another type: the write after delivery fails with WRONGTYPE.
    const logKey = redisKeys(s.config.redisPrefix).ticketLog(1);
    const kept = await s.app.redis.lrange(logKey, 0, -1);
    await s.app.redis.del(logKey);
    await s.app.redis.set(logKey, "in the way");
    const since = buyer.lastMessageId();
    admin.send("it is on its way", { replyTo: header });
    await admin.waitForText("✅ Sent to Alice (ticket #1).");
    expect(admin.fromBot().filter((m) => m.text?.includes("Something went wrong"))).toEqual([]);
    expect(
      buyer
        .fromBot()
        .filter((m) => m.messageId > since)
        .map((m) => m.text),
    ).toEqual(["💬 Answer from the shop (ticket #1):\nit is on its way"]);
    await s.app.redis.del(logKey);
    await s.app.redis.rpush(logKey, ...kept);
  });

  it("sends an answer longer than a heading can carry as a copy after it", async () => {
    const s = await shop();
    const admin = s.user({ id: ADMIN_ID });
    const buyer = s.user({ firstName: "Alice" });
    await openTicket(buyer);
    await write(buyer, () => buyer.send("tell me everything"));
    const header = await admin.waitForText("tell me everything");

    const long = `${"All the details. ".repeat(235)}The end.`;
    expect(long.length).toBeGreaterThan(4000);
    const since = buyer.lastMessageId();
    admin.send(long, { replyTo: header });
    await admin.waitForText("✅ Sent to Alice (ticket #1).");
    const answer = buyer.fromBot().filter((m) => m.messageId > since);
    expect(answer.map((m) => m.text)).toEqual([
      expect.stringContaining("Answer from the shop (ticket #1)"),
      long,
    ]);
    expect((await s.app.tickets.get(1))?.state).toBe("answered");
  });

  it("opens no ticket from a group: answers go only to a buyer's private chat", async () => {
    const s = await shop();
    const member = s.user({ firstName: "Gus" });
    const group = s.telegram.group({ title: "Fans", members: [member] });
    const before = group.lastMessageId();
    group.send(member, `/start@${s.telegram.bot.username}`);
    const welcome = await group.waitForButton("Support", { after: before });
    await member.press("Support", welcome);
    await group.waitForText("Support works in a private chat", { after: welcome.messageId });
    expect(await s.app.tickets.current(member.id)).toBeUndefined();
  });

  it("answers an admin's reply to a message that leads to no ticket, and tells the buyer nothing", async () => {
    const s = await shop();
    const admin = s.user({ id: ADMIN_ID });
    const buyer = s.user();
    await openTicket(buyer);
    await write(buyer, () => buyer.send("old question"));
    const header = await admin.waitForText("old question");

    // The link of an old relay expired.
    await s.app.redis.del(redisKeys(s.config.redisPrefix).ticketRelay(admin.id, header.messageId));
    const since = buyer.lastMessageId();
    admin.send("late answer", { replyTo: header });
    const unlinked = await admin.waitForText("leads to no support ticket");
    expect(unlinked.text).toContain("older than 30 days");

    // A bot message that never was a relay.
    admin.send("/admin");
    const menu = await admin.waitForButton("Tickets");
    admin.send("hm", { replyTo: menu });
    await expect
      .poll(
        () => admin.fromBot().filter((m) => m.text?.includes("leads to no support ticket")).length,
      )
      .toBe(2);
    expect(buyer.fromBot().filter((m) => m.messageId > since)).toEqual([]);
    expect((await s.app.tickets.log(1)).map((e) => e.from)).toEqual(["buyer"]);
  });
});
