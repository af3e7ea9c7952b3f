export { EmulatedChannel, type EmulatedChannelOptions } from "./channel.js";
export { type InvoicePayment, type PayInvoiceOptions, SAMPLE_ADDRESS } from "./checkout.js";
export { EmulatorClock } from "./clock.js";
export { BotApiError } from "./errors.js";
export { EmulatedGroup, type EmulatedGroupOptions } from "./group.js";
export { htmlToPlainText } from "./html.js";
export type { AdminRights, BotStanding, JoinResult } from "./invites.js";
export {
  type BotApiExchange,
  startTelegramEmulator,
  type TelegramEmulator,
  type TelegramEmulatorOptions,
  type TelegramFaults,
} from "./server.js";
export { BotStars } from "./stars.js";
export type { ChatMessage, EmulatorState, SentInvoice } from "./state.js";
export type { StarSubscription, StarSubscriptions } from "./subscriptions.js";
export { type CallbackAnswer, EmulatedUser, type EmulatedUserOptions } from "./user.js";
