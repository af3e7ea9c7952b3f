export {
  type AccountInfo,
  AccountNotActiveError,
  type AccountState,
  type CreateWalletOptions,
  DEFAULT_PAYER,
  EmulatedChain,
  type EmulatedWallet,
  type FabricatedPayment,
  type GetMethodOutcome,
  MessageRejectedError,
  type OutgoingMessage,
  type TransferOptions,
} from "./chain.js";
export { type FaultPlan, type InjectedFault, mulberry32, noFaults } from "./faults.js";
export {
  DEFAULT_FORWARD_TON,
  deployJetton,
  type EmulatedJetton,
  JETTON_TRANSFER_TON,
  type JettonTransfer,
  jettonBalance,
  jettonCode,
  jettonTransferBody,
  MESSAGES_PER_TRANSFER,
  mintJetton,
  OP_EXCESSES,
  OP_INTERNAL_TRANSFER,
  OP_TRANSFER,
  OP_TRANSFER_NOTIFICATION,
  type PayloadPlace,
  sendJetton,
  sendJettons,
} from "./jetton.js";
export { ToncenterError } from "./methods.js";
export {
  type EmulatorStats,
  injectedServerError,
  RATE_LIMIT_BODY,
  startToncenterEmulator,
  type ToncenterEmulator,
  type ToncenterEmulatorOptions,
} from "./server.js";
