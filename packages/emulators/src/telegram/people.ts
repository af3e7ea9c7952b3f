import type { Message, MessageEntity, PhotoSize, User } from "grammy/types";
import type { ChatMessage, EmulatorState, StoredFile } from "./state.js";

/** A text message's content; a leading /command (with an optional @bot) is marked as Telegram marks it. */
export function textContent(text: string): { text: string; entities?: MessageEntity[] } {
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  return command === null
    ? { text }
    : { text, entities: [{ type: "bot_command", offset: 0, length: command[0].length }] };
}

/** What a person can write: text, a photo or a file, each perhaps as a reply. */
export type PersonContent =
  | { kind: "text"; text: string }
  | { kind: "photo"; bytes: Buffer; caption?: string }
  | { kind: "document"; bytes: Buffer; filename: string; caption?: string };

export interface SendOptions {
  /** The message (in the same chat) this one replies to, as a person swipes to reply. */
  replyTo?: ChatMessage;
}

/**
 * The photo or document fields of a Message for a stored file. A photo is one size here where
 * Telegram lists several; the bot reads the last, the largest, either way.
 */
export function mediaFields(kind: "photo" | "document", file: StoredFile) {
  const size = file.bytes?.length;
  return kind === "photo"
    ? {
        photo: [
          {
            file_id: file.fileId,
            file_unique_id: file.fileUniqueId,
            width: 800,
            height: 800,
            ...(size === undefined ? {} : { file_size: size }),
          } satisfies PhotoSize,
        ],
      }
    : {
        document: {
          file_id: file.fileId,
          file_unique_id: file.fileUniqueId,
          ...(file.filename === undefined ? {} : { file_name: file.filename }),
          ...(size === undefined ? {} : { file_size: size }),
        },
      };
}

/** A message as a reply to it shows it: Telegram never nests a reply_to_message in another. */
export function repliedForm(message: Message): Message {
  const { reply_to_message: _, ...replied } = message as Message & { reply_to_message?: unknown };
  return replied as Message;
}

/**
 * Stores what a person wrote in `chatId` and returns it. A reply carries the replied message as
 * Telegram shows it: without a reply_to_message of its own.
 */
export function addPersonMessage(
  state: EmulatorState,
  chatId: number,
  content: PersonContent,
  options: SendOptions & { sender?: User },
): ChatMessage {
  const replyTo = options.replyTo;
  if (replyTo !== undefined && (replyTo.chatId !== chatId || replyTo.deleted)) {
    throw new Error(`message ${replyTo.messageId} is not in chat ${chatId}`);
  }
  const reply = replyTo === undefined ? {} : { reply_to_message: repliedForm(replyTo.message) };
  if (content.kind === "text") {
    return state.addMessage(
      chatId,
      false,
      (base) => ({
        text: content.text,
        edits: 0,
        deleted: false,
        message: { ...base, ...textContent(content.text), ...reply } as Message,
      }),
      options.sender,
    );
  }
  const file = state.storeFile(
    content.kind === "document"
      ? { bytes: content.bytes, filename: content.filename }
      : { bytes: content.bytes },
  );
  return state.addMessage(
    chatId,
    false,
    (base) => ({
      [content.kind]: file,
      ...(content.caption === undefined ? {} : { caption: content.caption }),
      edits: 0,
      deleted: false,
      message: {
        ...base,
        ...mediaFields(content.kind, file),
        ...(content.caption === undefined ? {} : { caption: content.caption }),
        ...reply,
      } as Message,
    }),
    options.sender,
  );
}
