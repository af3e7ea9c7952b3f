/** Why a buyer's wallet request could not go ahead; the bot turns each into a sentence. */
export class WalletCheckoutError extends Error {
  override name = "WalletCheckoutError";
}

export class WalletNotConnected extends WalletCheckoutError {
  override name = "WalletNotConnected";
  constructor() {
    super("no wallet is connected");
  }
}

export class WalletAlreadyConnected extends WalletCheckoutError {
  override name = "WalletAlreadyConnected";
  constructor(readonly address: string) {
    super("a wallet is already connected");
  }
}

/** The connected wallet holds another network's TON (a mainnet wallet at a testnet shop). */
export class WalletOnWrongNetwork extends WalletCheckoutError {
  override name = "WalletOnWrongNetwork";
  constructor(readonly chain: string) {
    super(`the wallet is on chain ${chain}`);
  }
}

/** One request at a time per buyer, so a double tap cannot ask the wallet to pay twice. */
export class PaymentRequestPending extends WalletCheckoutError {
  override name = "PaymentRequestPending";
  constructor(
    readonly orderId: string,
    readonly validUntil: number,
  ) {
    super(`a payment request for ${orderId} is waiting in the wallet`);
  }
}

/**
 * The wallet said it sent this order's payment and the watcher has not seen it yet; asking again
 * would have the buyer pay twice.
 */
export class PaymentAlreadySent extends WalletCheckoutError {
  override name = "PaymentAlreadySent";
  constructor(readonly orderId: string) {
    super(`the wallet already sent the payment for ${orderId}`);
  }
}

/**
 * This process already holds as many connection links open as TONCONNECT_MAX_OPEN_LINKS allows;
 * each keeps an SDK instance and a bridge stream until its wallet answers or it expires.
 */
export class TooManyOpenLinks extends WalletCheckoutError {
  override name = "TooManyOpenLinks";
  constructor(readonly limit: number) {
    super(`${limit} wallet connection links are open already`);
  }
}

/** Neither the wallets list nor the SDK's built-in one has a wallet this shop can offer. */
export class NoWalletAvailable extends WalletCheckoutError {
  override name = "NoWalletAvailable";
  constructor() {
    super("no wallet to offer");
  }
}

/**
 * "not-ton" is an order not paid on the TON chain (Stars, card; USDT at a shop selling none);
 * "paid" covers every order that took its money already: paid, fulfilled, refunded;
 * "too-late" an order that expires before a wallet could be asked and answer.
 */
export type NotPayableReason =
  | "not-found"
  | "not-yours"
  | "not-ton"
  | "paid"
  | "expired"
  | "too-late";

export class OrderNotPayable extends WalletCheckoutError {
  override name = "OrderNotPayable";
  constructor(
    readonly orderId: string,
    readonly reason: NotPayableReason,
  ) {
    super(`order ${orderId} cannot be paid from a wallet: ${reason}`);
  }
}

/**
 * The connected wallet holds less of the shop's USDT than the order asks for — none at all when
 * its jetton wallet was never created. A transfer asked of it would only fail in the wallet.
 */
export class NotEnoughUsdt extends WalletCheckoutError {
  override name = "NotEnoughUsdt";
  constructor(
    readonly orderId: string,
    /** Millionths of a USDT the wallet holds. */
    readonly balance: bigint,
    /** Millionths of a USDT the order still owes. */
    readonly needed: bigint,
  ) {
    super(`the wallet holds ${balance} millionths of USDT, too few for ${orderId}`);
  }
}

/**
 * The connected wallet holds too little TON for a jetton transfer's network fee: the transfer
 * carries JETTON_TRANSFER_TON (what is not spent comes back), and a wallet short of it would
 * only fail to send.
 */
export class NotEnoughTonForFee extends WalletCheckoutError {
  override name = "NotEnoughTonForFee";
  constructor(
    readonly orderId: string,
    /** Nanotons the wallet holds. */
    readonly balance: bigint,
    /** Nanotons a jetton transfer carries. */
    readonly needed: bigint,
  ) {
    super(
      `the wallet holds ${balance} nanotons, too few for the fee of ${orderId}'s USDT transfer`,
    );
  }
}

/**
 * toncenter did not answer when the buyer's wallet was looked at (its jetton wallet, what it
 * holds), so nothing was asked of the wallet; pressing again later, or paying by link, works.
 */
export class WalletNotChecked extends WalletCheckoutError {
  override name = "WalletNotChecked";
  constructor(
    readonly orderId: string,
    override readonly cause: Error,
  ) {
    super(`the wallet paying ${orderId} could not be looked at: ${cause.message}`);
  }
}
