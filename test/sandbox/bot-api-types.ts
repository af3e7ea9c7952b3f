// The Bot API as @grammyjs/types publishes it, in the shapes the conformance test turns into
// JSON schemas: each method's parameters and result, and Telegram's error object.
import type { ApiError, ApiMethods } from "@grammyjs/types";

/** Files travel as strings on the wire: attach://<part>, a file_id or a URL. */
type Methods = ApiMethods<string>;
type ArgsOf<T> = T extends (args: infer A) => unknown ? A : never;

export type BotApiParams = { [M in keyof Methods]: ArgsOf<Methods[M]> };
export type BotApiResults = { [M in keyof Methods]: ReturnType<Methods[M]> };
export type BotApiError = ApiError;
