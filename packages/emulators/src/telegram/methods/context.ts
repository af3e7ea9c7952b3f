import type { UploadedFile } from "../multipart.js";
import type { Params } from "../request.js";
import type { EmulatorState } from "../state.js";

/** What a method handler can use besides its parameters. */
export interface MethodContext {
  state: EmulatorState;
  /** Uploaded files of this request by part name. */
  files: Map<string, UploadedFile>;
  /** Aborts when the caller hangs up (e.g. grammY's bot.stop() during a long poll). */
  signal: AbortSignal;
}

/** Returns the `result` of a successful call or throws a BotApiError. */
export type Handler = (params: Params, ctx: MethodContext) => unknown;
