/** Extra fields Telegram adds to some errors, e.g. how long to wait after a 429. */
export interface ResponseParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}

/**
 * An answer the Bot API gives as `{"ok":false,"error_code":status,"description":…}`. The
 * description is Telegram's full text, prefix included ("Bad Request: …").
 */
export class BotApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly parameters?: ResponseParameters,
  ) {
    super(description);
    this.name = "BotApiError";
  }

  body(): string {
    return JSON.stringify({
      ok: false,
      error_code: this.status,
      description: this.description,
      ...(this.parameters === undefined ? {} : { parameters: this.parameters }),
    });
  }
}

export function badRequest(reason: string): BotApiError {
  return new BotApiError(400, `Bad Request: ${reason}`);
}

export function forbidden(reason: string): BotApiError {
  return new BotApiError(403, `Forbidden: ${reason}`);
}

export function tooManyRequests(retryAfter: number): BotApiError {
  return new BotApiError(429, `Too Many Requests: retry after ${retryAfter}`, {
    retry_after: retryAfter,
  });
}

export function internalServerError(reason: string): BotApiError {
  return new BotApiError(500, `Internal Server Error: ${reason}`);
}

/** What Telegram's front end answers while the Bot API server behind it is unreachable. */
export const BAD_GATEWAY = new BotApiError(502, "Bad Gateway");
export const UNAUTHORIZED = new BotApiError(401, "Unauthorized");
export const METHOD_NOT_FOUND = new BotApiError(404, "Not Found: method not found");
/** Telegram's answer to an expired or unknown callback / pre-checkout query id. */
export const QUERY_TOO_OLD = badRequest(
  "query is too old and response timeout expired or query ID is invalid",
);
