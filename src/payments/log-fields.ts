/** The fields every log line about a payment carries, so one grep follows it chain to buyer. */
export interface PaymentLogFields {
  /** A transaction's hash on the TON chain (a TON or USDT payment), hex. */
  txHash?: string;
  /** That transaction's logical time. */
  lt?: string;
  /** Telegram's charge id for Stars and card payments. */
  chargeId?: string;
}

/**
 * The log fields of a recorded or unmatched payment, from its key ("ton:<hash>", "usdt:<hash>",
 * "stars:<charge id>", "fiat:<charge id>") and its references.
 */
export function paymentLogFields(payment: {
  key: string;
  reference?: Record<string, string>;
}): PaymentLogFields {
  const colon = payment.key.indexOf(":");
  const kind = payment.key.slice(0, colon);
  const id = payment.key.slice(colon + 1);
  if (kind === "ton" || kind === "usdt") {
    const lt = payment.reference?.lt;
    return lt === undefined ? { txHash: id } : { txHash: id, lt };
  }
  if (kind === "stars" || kind === "fiat") return { chargeId: id };
  return {};
}
