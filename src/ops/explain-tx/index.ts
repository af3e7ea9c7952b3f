/**
 * `npm run explain-tx`: why a TON transaction was (not) counted, for the day a buyer says "I
 * paid". It reads the transaction with the watcher's own decoder and classifier, then asks the
 * shop's Redis which order the payment is on or would go to, and where the watcher stands.
 */
export { EXPLAIN_USAGE, type ExplainArgs, parseExplainArgs, parseTransactionHash } from "./args.js";
export type { Explained } from "./explain.js";
export { explainOffline, type OfflineArgs } from "./offline.js";
export { explainOnline, type OnlineArgs } from "./online.js";
export type { Output } from "./output.js";
export type { Search } from "./search.js";
export type { ShopRecord, WatcherState } from "./shop.js";
