import { GrammyError, HttpError } from "grammy";

/**
 * Telegram will not take a message for this chat: 403, the user blocked the bot; 400, the chat
 * is gone. Sending again will not help, so senders give up with a log line instead of retrying.
 */
export function recipientUnreachable(error: unknown): error is GrammyError {
  return error instanceof GrammyError && (error.error_code === 403 || error.error_code === 400);
}

/**
 * Telegram itself did not answer: the network failed, a gateway answered in its place (a 502
 * page is not JSON), or the Bot API reported a 5xx. The same call may succeed later.
 */
export function telegramUnreachable(error: unknown): boolean {
  return error instanceof HttpError || (error instanceof GrammyError && error.error_code >= 500);
}
