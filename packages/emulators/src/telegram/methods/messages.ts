import type { Message } from "grammy/types";
import { badRequest, QUERY_TOO_OLD } from "../errors.js";
import { renderText } from "../html.js";
import { readInlineMarkup, readReplyMarkup } from "../markup.js";
import {
  chatIdParam,
  isRecord,
  optionalJson,
  optionalObject,
  optionalString,
  requiredInt,
  requiredString,
} from "../params.js";
import { mediaFields, repliedForm } from "../people.js";
import type { Params } from "../request.js";
import type { AnyReplyMarkup, ChatMessage, EmulatorState, StoredFile } from "../state.js";
import type { Handler, MethodContext } from "./context.js";

const MAX_TEXT = 4096;
const MAX_CAPTION = 1024;
const CHAT_ACTIONS = new Set([
  "typing",
  "upload_photo",
  "record_video",
  "upload_video",
  "record_voice",
  "upload_voice",
  "upload_document",
  "choose_sticker",
  "find_location",
  "record_video_note",
  "upload_video_note",
]);
const NOT_MODIFIED =
  "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

/** Sending, editing and deleting messages, and answering button presses. */
export function messageMethods(): Record<string, Handler> {
  return {
    sendMessage(params, { state }) {
      const chat = state.chatForBot(chatIdParam(params));
      const raw = requiredString(params, "text", "message text is empty");
      const parseMode = optionalString(params, "parse_mode");
      // Telegram checks the text left after parsing: "<b> </b>" is as empty as "".
      const text = renderText(raw, parseMode);
      if (text.trim() === "") throw badRequest("message text is empty");
      if (text.length > MAX_TEXT) throw badRequest("message is too long");
      const replyMarkup = readReplyMarkup(params);
      const replyTo = repliedMessage(params, chat.chat.id, state.findMessage.bind(state));
      const preview = optionalObject(params, "link_preview_options");
      return state.addMessage(chat.chat.id, true, (base) => ({
        text,
        ...optional({ parseMode, replyMarkup }),
        edits: 0,
        deleted: false,
        message: {
          ...base,
          text,
          ...inlineOnly(replyMarkup),
          ...(replyTo === undefined ? {} : { reply_to_message: repliedForm(replyTo.message) }),
          ...(preview === undefined ? {} : { link_preview_options: preview }),
        } as Message,
      })).message;
    },

    sendPhoto(params, ctx) {
      return sendFile(params, ctx, "photo");
    },

    sendDocument(params, ctx) {
      return sendFile(params, ctx, "document");
    },

    copyMessage(params, { state }) {
      const chat = state.chatForBot(chatIdParam(params));
      const fromChatId = chatIdParam(params, "from_chat_id");
      const messageId = requiredInt(params, "message_id", "message identifier is not specified");
      // A chat the bot is not in is unknown to it, as the target chat would be.
      if (typeof fromChatId === "number") state.chatOf(fromChatId);
      const source =
        typeof fromChatId === "number" ? state.findMessage(fromChatId, messageId) : undefined;
      if (source === undefined) throw badRequest("message to copy not found");
      // Service messages (a payment, say) and invoices have nothing a copy could carry.
      const kind = source.photo ? "photo" : source.document ? "document" : "text";
      if (kind === "text" && source.text === undefined) throw badRequest("message can't be copied");
      if (source.invoice !== undefined) throw badRequest("message can't be copied");
      const parseMode = optionalString(params, "parse_mode");
      const newCaption = optionalString(params, "caption");
      // A new caption replaces a medium's own; a text message has none to replace.
      const caption =
        kind === "text"
          ? undefined
          : newCaption === undefined
            ? source.caption
            : newCaption === ""
              ? undefined
              : renderText(newCaption, parseMode);
      if (caption !== undefined && caption.length > MAX_CAPTION) {
        throw badRequest("message caption is too long");
      }
      const replyMarkup = readReplyMarkup(params);
      const replyTo = repliedMessage(params, chat.chat.id, state.findMessage.bind(state));
      const sourceMessage = source.message as Message & {
        entities?: unknown;
        caption_entities?: unknown;
      };
      const file = kind === "text" ? undefined : (source.photo ?? source.document);
      const copy = state.addMessage(chat.chat.id, true, (base) => ({
        ...(kind === "text" ? { text: source.text } : { [kind]: file }),
        ...optional({ caption, replyMarkup }),
        edits: 0,
        deleted: false,
        message: {
          ...base,
          ...(kind === "text"
            ? {
                text: source.text,
                ...(sourceMessage.entities === undefined
                  ? {}
                  : { entities: sourceMessage.entities }),
              }
            : mediaFields(kind, file as StoredFile)),
          ...(caption === undefined ? {} : { caption }),
          ...(caption !== undefined &&
          newCaption === undefined &&
          sourceMessage.caption_entities !== undefined
            ? { caption_entities: sourceMessage.caption_entities }
            : {}),
          ...inlineOnly(replyMarkup),
          ...(replyTo === undefined ? {} : { reply_to_message: repliedForm(replyTo.message) }),
        } as Message,
      }));
      // Only the new message's id: a copy has no link back to the original.
      return { message_id: copy.messageId };
    },

    editMessageText(params, { state }) {
      const stored = messageToEdit(params, state.findMessage.bind(state));
      if (stored.text === undefined) throw badRequest("there is no text in the message to edit");
      const raw = requiredString(params, "text", "message text is empty");
      const parseMode = optionalString(params, "parse_mode");
      const text = renderText(raw, parseMode);
      if (text.trim() === "") throw badRequest("message text is empty");
      if (text.length > MAX_TEXT) throw badRequest("message is too long");
      // Telegram drops the inline keyboard when an edit does not repeat it.
      const replyMarkup = readInlineMarkup(params);
      if (text === stored.text && sameMarkup(replyMarkup, stored.replyMarkup)) {
        throw badRequest(NOT_MODIFIED);
      }
      stored.text = text;
      stored.parseMode = parseMode;
      return applyEdit(stored, replyMarkup, { text }, state);
    },

    editMessageCaption(params, { state }) {
      const stored = messageToEdit(params, state.findMessage.bind(state));
      if (stored.photo === undefined && stored.document === undefined) {
        throw badRequest("there is no caption in the message to edit");
      }
      const raw = optionalString(params, "caption") ?? "";
      const parseMode = optionalString(params, "parse_mode");
      const caption = raw === "" ? undefined : renderText(raw, parseMode);
      if (caption !== undefined && caption.length > MAX_CAPTION) {
        throw badRequest("message caption is too long");
      }
      const replyMarkup = readInlineMarkup(params);
      if (caption === stored.caption && sameMarkup(replyMarkup, stored.replyMarkup)) {
        throw badRequest(NOT_MODIFIED);
      }
      stored.caption = caption;
      return applyEdit(stored, replyMarkup, { caption }, state);
    },

    editMessageMedia(params, ctx) {
      // As the Bot API server does: markup and media are read before the message is looked for.
      const replyMarkup = readInlineMarkup(params);
      const media = inputMedia(params);
      const kind = media.type;
      const file = resolveMediaFile(media, ctx);
      const stored = messageToEdit(params, ctx.state.findMessage.bind(ctx.state));
      if (stored.photo === undefined && stored.document === undefined) {
        throw badRequest("there is no media in the message to edit");
      }
      const caption = media.caption === "" ? undefined : renderText(media.caption, media.parseMode);
      if (caption !== undefined && caption.length > MAX_CAPTION) {
        throw badRequest("message caption is too long");
      }
      const before = stored.photo ?? stored.document;
      if (
        before?.fileUniqueId === file.fileUniqueId &&
        (stored.photo ? "photo" : "document") === kind &&
        caption === stored.caption &&
        sameMarkup(replyMarkup, stored.replyMarkup)
      ) {
        throw badRequest(NOT_MODIFIED);
      }
      const {
        photo: _,
        document: __,
        ...rest
      } = stored.message as Message & {
        photo?: unknown;
        document?: unknown;
      };
      stored.message = { ...rest, ...mediaFields(kind, file) } as Message;
      delete stored.photo;
      delete stored.document;
      stored[kind] = file;
      stored.caption = caption;
      stored.parseMode = media.parseMode;
      return applyEdit(stored, replyMarkup, { caption }, ctx.state);
    },

    editMessageReplyMarkup(params, { state }) {
      const stored = messageToEdit(params, state.findMessage.bind(state));
      const replyMarkup = readInlineMarkup(params);
      if (sameMarkup(replyMarkup, stored.replyMarkup)) throw badRequest(NOT_MODIFIED);
      return applyEdit(stored, replyMarkup, {}, state);
    },

    deleteMessage(params, { state }) {
      const chatId = state.chatForBot(chatIdParam(params)).chat.id;
      const messageId = requiredInt(params, "message_id", "message identifier is not specified");
      const stored = state.findMessage(chatId, messageId);
      if (stored === undefined) throw badRequest("message to delete not found");
      stored.deleted = true;
      state.changed(chatId);
      return true;
    },

    answerCallbackQuery(params, { state }) {
      const id = requiredString(params, "callback_query_id", "query_id is empty");
      const pending = state.queries.get(id);
      if (pending?.kind !== "callback_query") throw QUERY_TOO_OLD;
      state.queries.delete(id);
      const { callback_query_id: _, ...answer } = params;
      pending.answer(answer);
      return true;
    },

    sendChatAction(params, { state }) {
      const chatId = state.chatForBot(chatIdParam(params)).chat.id;
      const action = requiredString(params, "action", "wrong parameter action in request");
      if (!CHAT_ACTIONS.has(action)) throw badRequest("wrong parameter action in request");
      state.chatActions.push({ chatId, action });
      return true;
    },
  };
}

type FindMessage = (chatId: number, messageId: number) => ChatMessage | undefined;

function repliedMessage(params: Params, chatId: number, find: FindMessage) {
  const reply = optionalObject(params, "reply_parameters");
  if (reply === undefined) return undefined;
  const messageId = requiredInt(reply, "message_id", "message to be replied not found");
  const target = find(chatId, messageId);
  if (target === undefined && reply.allow_sending_without_reply !== true) {
    throw badRequest("message to be replied not found");
  }
  return target;
}

function messageToEdit(params: Params, find: FindMessage): ChatMessage {
  if (params.inline_message_id !== undefined) {
    throw badRequest("inline messages are not supported by the emulator");
  }
  const chatId = chatIdParam(params);
  const messageId = requiredInt(params, "message_id", "message identifier is not specified");
  const stored = typeof chatId === "number" ? find(chatId, messageId) : undefined;
  if (stored === undefined) throw badRequest("message to edit not found");
  if (!stored.fromBot) throw badRequest("message can't be edited");
  return stored;
}

function applyEdit(
  stored: ChatMessage,
  replyMarkup: AnyReplyMarkup | undefined,
  content: { text?: string; caption?: string },
  state: EmulatorState,
): Message {
  const { reply_markup: _, edit_date: __, ...rest } = stored.message;
  const next = {
    ...rest,
    ...content,
    edit_date: state.clock.unixNow(),
    ...inlineOnly(replyMarkup),
  };
  if ("caption" in content && content.caption === undefined) delete next.caption;
  stored.replyMarkup = replyMarkup;
  stored.message = next as Message;
  stored.edits++;
  state.changed(stored.chatId);
  return stored.message;
}

/** Uploads (multipart), URLs and known file_ids for sendPhoto / sendDocument. */
function sendFile(params: Params, ctx: MethodContext, kind: "photo" | "document"): Message {
  const { state } = ctx;
  const chat = state.chatForBot(chatIdParam(params));
  const file = resolveFile(params, ctx, kind);
  const parseMode = optionalString(params, "parse_mode");
  const rawCaption = optionalString(params, "caption");
  const caption = rawCaption === undefined ? undefined : renderText(rawCaption, parseMode);
  if (caption !== undefined && caption.length > MAX_CAPTION) {
    throw badRequest("message caption is too long");
  }
  const replyMarkup = readReplyMarkup(params);
  const media = mediaFields(kind, file);
  return state.addMessage(chat.chat.id, true, (base) => ({
    [kind]: file,
    ...optional({ caption, parseMode, replyMarkup }),
    edits: 0,
    deleted: false,
    message: {
      ...base,
      ...media,
      ...(caption === undefined ? {} : { caption }),
      ...inlineOnly(replyMarkup),
    } as Message,
  })).message;
}

interface InputMedia {
  type: "photo" | "document";
  media: string;
  caption: string;
  parseMode: string | undefined;
}

/** The `media` parameter, read and refused with the Bot API server's wording. */
function inputMedia(params: Params): InputMedia {
  const value = optionalJson(params, "media", "input media");
  if (value === undefined) throw badRequest('parameter "media" is required');
  const fail = (reason: string) => badRequest(`can't parse InputMedia: ${reason}`);
  if (!isRecord(value)) throw fail("expected an Object");
  const text = (field: string) => {
    const got = value[field];
    if (got === undefined || got === null) return undefined;
    if (typeof got !== "string") throw fail(`Field "${field}" must be of type String`);
    return got;
  };
  const caption = text("caption") ?? "";
  const parseMode = text("parse_mode");
  const type = text("type");
  if (type === undefined) throw fail('Can\'t find field "type"');
  const media = text("media") ?? "";
  if (media === "" || (media.startsWith("attach://") && media.length === 9)) {
    throw fail("media not found");
  }
  if (type === "photo" || type === "document") return { type, media, caption, parseMode };
  if (["video", "animation", "audio", "live_photo"].includes(type)) {
    throw badRequest(`the emulator does not store ${type} messages`);
  }
  throw fail(`type "${type}" is unsupported`);
}

/** An InputMedia's file: an upload named by attach://, a URL, or a file_id already issued. */
function resolveMediaFile(media: InputMedia, { state, files }: MethodContext): StoredFile {
  if (media.media.startsWith("attach://")) {
    const upload = files.get(media.media.slice("attach://".length));
    if (upload === undefined) throw badRequest("can't parse InputMedia: media not found");
    return state.storeFile(upload);
  }
  if (/^https?:\/\//.test(media.media)) return state.storeFile({ url: media.media });
  const known = state.files.get(media.media);
  if (known === undefined) throw badRequest("wrong file identifier/HTTP URL specified");
  return known;
}

function resolveFile(params: Params, { state, files }: MethodContext, field: string): StoredFile {
  const direct = files.get(field);
  if (direct !== undefined) return state.storeFile(direct);
  const value = optionalString(params, field);
  if (value === undefined || value === "") throw badRequest(`there is no ${field} in the request`);
  if (value.startsWith("attach://")) {
    const upload = files.get(value.slice("attach://".length));
    if (upload === undefined) throw badRequest("wrong file identifier/HTTP URL specified");
    return state.storeFile(upload);
  }
  if (/^https?:\/\//.test(value)) return state.storeFile({ url: value });
  const known = state.files.get(value);
  if (known === undefined) throw badRequest("wrong file identifier/HTTP URL specified");
  return known;
}

function inlineOnly(markup: AnyReplyMarkup | undefined): { reply_markup?: AnyReplyMarkup } {
  return markup !== undefined && "inline_keyboard" in markup ? { reply_markup: markup } : {};
}

function sameMarkup(a: AnyReplyMarkup | undefined, b: AnyReplyMarkup | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Drops undefined values so optional fields stay absent rather than present-but-undefined. */
function optional<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
