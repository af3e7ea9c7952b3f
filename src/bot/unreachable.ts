import { GrammyError } from "grammy";

/**
 * Telegram will not take a message for this chat: 403, the user blocked the bot; 400, the chat
 * is gone. Sending again will not help, so senders give up with a log line instead of retrying.
 */
export function recipientUnreachable(error: unknown): error is GrammyError {
  return error instanceof GrammyError && (error.error_code === 403 || error.error_code === 400);
}
