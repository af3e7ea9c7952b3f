export {
  type BridgeFaults,
  type BridgeStats,
  type DappManifest,
  MAX_TTL_SECONDS,
  startTonConnectBridge,
  type TonConnectBridgeEmulator,
  type TonConnectBridgeOptions,
} from "./bridge.js";
export {
  BridgeRefusedError,
  type ConnectOutcome,
  EmulatedWalletApp,
  type EmulatedWalletAppOptions,
  InvalidConnectLinkError,
  NoRequestError,
  type RequestedMessage,
  type RequestOutcome,
  type TransactionAnswer,
  type TransactionRequest,
  type WalletNetwork,
} from "./wallet.js";
