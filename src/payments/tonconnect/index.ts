export {
  type CheckoutEvent,
  type ConnectedWallet,
  type ConnectOffer,
  type PaymentOutcome,
  type PaymentRequested,
  TonConnectCheckout,
  type TonConnectCheckoutOptions,
} from "./checkout.js";
export * from "./errors.js";
export { chainOf, commentPayload, paymentTransaction, type WalletPayment } from "./request.js";
export type { WalletChoice } from "./wallets.js";
