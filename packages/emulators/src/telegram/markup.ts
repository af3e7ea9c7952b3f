import { badRequest } from "./errors.js";
import { isRecord, optionalObject } from "./params.js";
import type { Params } from "./request.js";
import type { AnyReplyMarkup } from "./state.js";

const MAX_CALLBACK_DATA_BYTES = 64;

/** Reads and checks reply_markup the way Telegram rejects broken keyboards. */
export function readReplyMarkup(params: Params): AnyReplyMarkup | undefined {
  const markup = optionalObject(params, "reply_markup");
  if (markup === undefined) return undefined;
  if ("inline_keyboard" in markup) {
    checkInlineKeyboard(markup.inline_keyboard);
    return markup as unknown as AnyReplyMarkup;
  }
  if ("keyboard" in markup) {
    if (!isRows(markup.keyboard)) throw badRequest('field "keyboard" must be an Array');
    return markup as unknown as AnyReplyMarkup;
  }
  if (markup.remove_keyboard === true || markup.force_reply === true) {
    return markup as unknown as AnyReplyMarkup;
  }
  throw badRequest("can't parse reply keyboard markup JSON object");
}

/** Only inline keyboards may be attached by edits and to invoices. */
export function readInlineMarkup(params: Params): AnyReplyMarkup | undefined {
  const markup = readReplyMarkup(params);
  if (markup !== undefined && !("inline_keyboard" in markup)) {
    throw badRequest("inline keyboard expected");
  }
  return markup;
}

function isRows(value: unknown): value is unknown[][] {
  return Array.isArray(value) && value.every((row) => Array.isArray(row));
}

function checkInlineKeyboard(rows: unknown): void {
  if (!isRows(rows)) throw badRequest('field "inline_keyboard" must be an Array');
  for (const button of rows.flat()) {
    if (!isRecord(button) || typeof button.text !== "string" || button.text === "") {
      throw badRequest(
        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
      );
    }
    const data = button.callback_data;
    if (data !== undefined) {
      const size = typeof data === "string" ? Buffer.byteLength(data) : 0;
      if (size < 1 || size > MAX_CALLBACK_DATA_BYTES) throw badRequest("BUTTON_DATA_INVALID");
    } else if (typeof button.url === "string") {
      if (!/^(https?|tg):\/\/\S+$/.test(button.url)) throw badRequest("BUTTON_URL_INVALID");
    } else if (
      !["pay", "web_app", "login_url", "switch_inline_query", "copy_text"].some((k) => k in button)
    ) {
      throw badRequest(
        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
      );
    }
  }
}

/** The callback_data values of an inline keyboard, for checking what a user can press. */
export function callbackDataOf(markup: AnyReplyMarkup | undefined): string[] {
  if (markup === undefined || !("inline_keyboard" in markup)) return [];
  return markup.inline_keyboard
    .flat()
    .flatMap((b) =>
      "callback_data" in b && typeof b.callback_data === "string" ? [b.callback_data] : [],
    );
}
