import type { BotCommand, MenuButton } from "grammy/types";
import { badRequest } from "../errors.js";
import { isRecord, optionalArray, optionalInt, optionalObject, optionalString } from "../params.js";
import type { Params } from "../request.js";
import type { Handler } from "./context.js";

const DEFAULT_MENU_BUTTON: MenuButton = { type: "commands" };

/** getMe, the command lists per scope and language, and the menu button. */
export function settingsMethods(): Record<string, Handler> {
  return {
    getMe(_params, { state }) {
      return state.bot;
    },

    setMyCommands(params, { state }) {
      const list = optionalArray(params, "commands") ?? [];
      const commands = list.map(readCommand);
      state.commands.set(commandsKey(params), commands);
      return true;
    },

    getMyCommands(params, { state }) {
      return state.commands.get(commandsKey(params)) ?? [];
    },

    deleteMyCommands(params, { state }) {
      state.commands.delete(commandsKey(params));
      return true;
    },

    setChatMenuButton(params, { state }) {
      const chatId = optionalInt(params, "chat_id") ?? 0;
      const button = optionalObject(params, "menu_button") ?? { type: "default" };
      if (!["commands", "web_app", "default"].includes(String(button.type))) {
        throw badRequest("can't parse menu button JSON object");
      }
      state.menuButtons.set(chatId, button as unknown as MenuButton);
      return true;
    },

    getChatMenuButton(params, { state }) {
      const chatId = optionalInt(params, "chat_id") ?? 0;
      const button = state.menuButtons.get(chatId) ?? state.menuButtons.get(0);
      return button === undefined || button.type === "default" ? DEFAULT_MENU_BUTTON : button;
    },
  };
}

/** The key a command list is stored under: its scope and language, as getMyCommands matches. */
export function commandsKey(params: Params): string {
  const scope = optionalObject(params, "scope") ?? { type: "default" };
  const type = String(scope.type);
  const allowed = ["default", "all_private_chats", "all_group_chats", "all_chat_administrators"];
  let scopeKey = type;
  if (["chat", "chat_administrators", "chat_member"].includes(type)) {
    scopeKey = `${type}:${String(scope.chat_id)}:${String(scope.user_id ?? "")}`;
  } else if (!allowed.includes(type)) {
    throw badRequest("can't parse BotCommandScope JSON object");
  }
  const language = optionalString(params, "language_code") ?? "";
  if (language !== "" && !/^[a-z]{2}$/.test(language)) throw badRequest("LANG_CODE_INVALID");
  return `${scopeKey}|${language}`;
}

function readCommand(item: unknown): BotCommand {
  if (!isRecord(item) || typeof item.command !== "string" || typeof item.description !== "string") {
    throw badRequest("can't parse BotCommand JSON object");
  }
  // Telegram trims both and drops one leading slash, so "/start" is stored as "start".
  const command = item.command.trim().replace(/^\//, "");
  const description = item.description.trim();
  if (!/^[a-z0-9_]{1,32}$/.test(command)) throw badRequest("BOT_COMMAND_INVALID");
  if (description.length < 1 || description.length > 256) {
    throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
  }
  return { command, description };
}
