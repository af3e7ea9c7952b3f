import { startTelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { Api } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { failureOf } from "./failure.js";

/*
 * What people send besides text — photos, files, replies — and copyMessage, held to
 * core.telegram.org/bots/api: a copy is a new message with no link back, its result a MessageId,
 * and a message that is gone or cannot be copied is refused in Telegram's words.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startEmulator() {
  const emulator = await startTelegramEmulator();
  cleanups.push(() => emulator.close());
  return { emulator, api: new Api(emulator.token, { apiRoot: emulator.apiRoot }) };
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 0xff, 0xd9]);

describe("what people send", () => {
  it("delivers a photo, a document and a reply as Telegram shapes them", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user({ firstName: "Alice" });
    const photo = alice.sendPhoto({ bytes: JPEG, caption: "the box arrived broken" });
    alice.sendDocument({ bytes: Buffer.from("%PDF-1.4"), filename: "receipt.pdf" });
    const sent = await api.sendMessage(alice.id, "Which order?");
    const reply = alice.send("TP-7K3M9Q2D", { replyTo: defined(alice.fromBot().at(-1)) });

    const updates = await api.getUpdates({ timeout: 1 });
    const [first, second, third] = updates.map((u) => u.message);
    expect(first?.caption).toBe("the box arrived broken");
    expect(first?.photo).toEqual([
      expect.objectContaining({ file_id: photo.photo?.fileId, file_size: JPEG.length }),
    ]);
    expect(second?.document).toMatchObject({ file_name: "receipt.pdf", file_size: 8 });
    expect(second?.caption).toBeUndefined();
    expect(third?.text).toBe("TP-7K3M9Q2D");
    expect(third?.reply_to_message).toMatchObject({
      message_id: sent.message_id,
      text: "Which order?",
      from: { id: emulator.bot.id, is_bot: true },
    });
    expect(reply.message.reply_to_message?.message_id).toBe(sent.message_id);
    // The file a person sent can be sent again by its file_id, as a bot does with any file.
    const again = await api.sendPhoto(alice.id, defined(first?.photo?.[0]).file_id);
    expect(again.photo?.[0]?.file_unique_id).toBe(photo.photo?.fileUniqueId);
  });

  it("gives a bot in privacy mode a member's reply to its message, and no other reply", async () => {
    const { emulator, api } = await startEmulator();
    const alice = emulator.user();
    const bob = emulator.user();
    const team = emulator.group({ members: [alice, bob] });
    await api.sendMessage(team.id, "Ticket #1");
    const header = defined(team.fromBot().at(-1));
    const chatter = team.send(alice, "who takes this one?");
    team.send(bob, "me", { replyTo: chatter });
    team.sendPhoto(bob, { bytes: JPEG, caption: "here is the fix" }, { replyTo: header });
    const updates = await api.getUpdates({ timeout: 1 });
    expect(updates.map((u) => u.message?.caption ?? u.message?.text)).toEqual(["here is the fix"]);
    expect(updates[0]?.message?.reply_to_message?.message_id).toBe(header.messageId);
  });
});

describe("copyMessage", () => {
  it("copies text, a photo and a document as new messages and answers a MessageId", async () => {
    const { emulator, api } = await startEmulator();
    const buyer = emulator.user({ firstName: "Buyer" });
    const admin = emulator.user({ firstName: "Admin" });
    const text = buyer.send("/start now");
    const photo = buyer.sendPhoto({ bytes: JPEG, caption: "broken" });
    const doc = buyer.sendDocument({ bytes: Buffer.from("hello"), filename: "a.txt" });
    await api.sendMessage(admin.id, "Ticket #3");
    const header = defined(admin.fromBot().at(-1));

    const copied = await api.copyMessage(admin.id, buyer.id, text.messageId, {
      reply_parameters: { message_id: header.messageId },
    });
    expect(Object.keys(copied)).toEqual(["message_id"]);
    const textCopy = defined(admin.fromBot().find((m) => m.messageId === copied.message_id));
    expect(textCopy.text).toBe("/start now");
    expect(textCopy.message.entities).toEqual(text.message.entities);
    expect(textCopy.message.reply_to_message?.message_id).toBe(header.messageId);
    expect(textCopy.message.from?.id).toBe(emulator.bot.id);
    expect(textCopy.message).not.toHaveProperty("forward_origin");

    const photoCopy = await api.copyMessage(admin.id, buyer.id, photo.messageId);
    const shown = defined(admin.fromBot().find((m) => m.messageId === photoCopy.message_id));
    expect(shown.photo?.fileUniqueId).toBe(photo.photo?.fileUniqueId);
    expect(shown.caption).toBe("broken");

    const withCaption = await api.copyMessage(admin.id, buyer.id, doc.messageId, {
      caption: "<b>From #3</b>",
      parse_mode: "HTML",
    });
    const docCopy = defined(admin.fromBot().find((m) => m.messageId === withCaption.message_id));
    expect(docCopy.document?.bytes?.toString()).toBe("hello");
    expect(docCopy.caption).toBe("From #3");
    expect(docCopy.message.document?.file_name).toBe("a.txt");
  });

  it("refuses a message that is gone, a chat it does not know and a service message", async () => {
    const { emulator, api } = await startEmulator();
    const buyer = emulator.user();
    const admin = emulator.user();
    const gone = await failureOf(api.copyMessage(admin.id, buyer.id, 999));
    expect(gone.error_code).toBe(400);
    expect(gone.description).toBe("Bad Request: message to copy not found");
    const stranger = await failureOf(api.copyMessage(admin.id, 123_456, 1));
    expect(stranger.description).toBe("Bad Request: chat not found");

    const invoice = await api.sendInvoice(buyer.id, "Mug", "A mug", "ord_1", "XTR", [
      { label: "Mug", amount: 10 },
    ]);
    const refused = await failureOf(api.copyMessage(admin.id, buyer.id, invoice.message_id));
    expect(refused.description).toBe("Bad Request: message can't be copied");

    const deleted = buyer.send("oops");
    await api.deleteMessage(buyer.id, deleted.messageId);
    const late = await failureOf(api.copyMessage(admin.id, buyer.id, deleted.messageId));
    expect(late.description).toBe("Bad Request: message to copy not found");
    expect(admin.fromBot()).toEqual([]);

    emulator.state.setBlocked(admin.id, true);
    const hello = buyer.send("hello");
    const blocked = await failureOf(api.copyMessage(admin.id, buyer.id, hello.messageId));
    expect(blocked.error_code).toBe(403);
  });
});

function defined<T>(value: T | undefined): T {
  if (value === undefined) throw new Error("missing");
  return value;
}
