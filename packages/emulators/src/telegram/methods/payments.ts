import type {
  LabeledPrice,
  Message,
  ShippingOption,
  StarAmount,
  StarTransactions,
  TransactionPartnerUser,
  Update,
  User,
} from "grammy/types";
import { badRequest, QUERY_TOO_OLD } from "../errors.js";
import { readInlineMarkup } from "../markup.js";
import {
  chatIdParam,
  clampedInt,
  isRecord,
  optionalArray,
  optionalBool,
  optionalInt,
  optionalJson,
  optionalString,
  requiredString,
  tdBool,
  tdInteger,
} from "../params.js";
import type { Params } from "../request.js";
import { type Payment, randomToken, type SentInvoice } from "../state.js";
import type { Handler } from "./context.js";

const MAX_PAYLOAD_BYTES = 128;
const MAX_SUGGESTED_TIPS = 4;
const MAX_TRANSACTIONS_PAGE = 100;
const MAX_INT32 = 2 ** 31 - 1;
/** The one subscription period Telegram accepts: 30 days. */
export const SUBSCRIPTION_PERIOD = 2_592_000;
export const STARS = "XTR";

/**
 * Invoices, shipping and pre-checkout answers, Star refunds, the bot's Star balance and its
 * Star transactions.
 */
export function paymentMethods(): Record<string, Handler> {
  return {
    sendInvoice(params, { state }) {
      const chat = state.chatForBot(chatIdParam(params));
      const invoice = readInvoice(params);
      const replyMarkup = readInlineMarkup(params);
      return state.addMessage(chat.chat.id, true, (base) => ({
        invoice,
        ...(replyMarkup === undefined ? {} : { replyMarkup }),
        edits: 0,
        deleted: false,
        message: {
          ...base,
          invoice: {
            title: invoice.title,
            description: invoice.description,
            start_parameter: invoice.startParameter ?? "",
            currency: invoice.currency,
            total_amount: invoice.totalAmount,
          },
          ...(replyMarkup === undefined ? {} : { reply_markup: replyMarkup }),
        } as Message,
      })).message;
    },

    createInvoiceLink(params, { state }) {
      const invoice = readInvoice(params);
      invoice.link = `https://t.me/$${randomToken(12)}`;
      state.invoiceLinks.set(invoice.link, invoice);
      return invoice.link;
    },

    answerShippingQuery(params, { state }) {
      const id = requiredString(params, "shipping_query_id", "QUERY_ID_INVALID");
      // The Bot API reads a missing "ok" as false, which then needs an error message.
      const ok = optionalBool(params, "ok") ?? false;
      let answer: Record<string, unknown>;
      if (ok) {
        answer = { ok, shipping_options: readShippingOptions(params) };
      } else {
        const errorMessage = optionalString(params, "error_message");
        if (errorMessage === undefined || errorMessage === "") {
          throw badRequest('parameter "error_message" is required');
        }
        answer = { ok, error_message: errorMessage };
      }
      const pending = state.queries.get(id);
      if (pending?.kind !== "shipping_query") throw QUERY_TOO_OLD;
      state.queries.delete(id);
      pending.answer(answer);
      return true;
    },

    answerPreCheckoutQuery(params, { state }) {
      const id = requiredString(params, "pre_checkout_query_id", "QUERY_ID_INVALID");
      const ok = optionalBool(params, "ok");
      if (ok === undefined) throw badRequest('parameter "ok" is required');
      const errorMessage = optionalString(params, "error_message");
      if (!ok && (errorMessage === undefined || errorMessage === "")) {
        throw badRequest("ERROR_MESSAGE_EMPTY");
      }
      const pending = state.queries.get(id);
      if (pending?.kind !== "pre_checkout_query") throw QUERY_TOO_OLD;
      state.queries.delete(id);
      pending.answer({
        ok,
        ...(errorMessage === undefined ? {} : { error_message: errorMessage }),
      });
      return true;
    },

    refundStarPayment(params, { state }) {
      const userId = Number(tdInteger(params, "user_id", 64) ?? 0n);
      if (userId <= 0) throw badRequest("invalid user_id specified");
      const chargeId = requiredString(params, "telegram_payment_charge_id");
      const payment = state.payments.get(chargeId);
      if (payment === undefined || payment.userId !== userId || payment.currency !== STARS) {
        throw badRequest("CHARGE_NOT_FOUND");
      }
      if (payment.refunded) throw badRequest("CHARGE_ALREADY_REFUNDED");
      payment.refunded = true;
      // An outgoing transaction to the buyer that keeps the payment's id, as the Bot API documents
      // for refunds.
      state.stars.debit(
        payment.chargeId,
        buyerPartner(state.userOf(userId), payment),
        payment.totalAmount,
      );
      // Telegram reports the refund in the buyer's chat as a service message.
      const stored = state.addMessage(userId, false, (base) => ({
        edits: 0,
        deleted: false,
        message: {
          ...base,
          refunded_payment: {
            currency: payment.currency,
            total_amount: payment.totalAmount,
            invoice_payload: payment.payload,
            telegram_payment_charge_id: payment.chargeId,
          },
        } as Message,
      }));
      state.queue.push({ message: stored.message as Message & Update.NonChannel });
      return true;
    },

    getMyStarBalance(_params, { state }) {
      return state.stars.starAmount() satisfies StarAmount;
    },

    editUserStarSubscription(params, { state }) {
      const userId = Number(tdInteger(params, "user_id", 64) ?? 0n);
      if (userId <= 0) throw badRequest("invalid user_id specified");
      const chargeId = optionalString(params, "telegram_payment_charge_id") ?? "";
      state.subscriptions.editByBot(userId, chargeId, tdBool(params, "is_canceled"));
      return true;
    },

    getStarTransactions(params, { state }) {
      // Read and clamped as the Bot API server does: a bad value is never refused.
      const offset = clampedInt(params, "offset", 0, 0, MAX_INT32);
      const limit = clampedInt(params, "limit", MAX_TRANSACTIONS_PAGE, 1, MAX_TRANSACTIONS_PAGE);
      // TDLib asks for a bot's transactions in ascending order, so the oldest comes first (the
      // docs' "chronological order") and `offset` counts from the oldest.
      return {
        transactions: state.starTransactions.slice(offset, offset + limit),
      } satisfies StarTransactions;
    },
  };
}

/** The fields sendInvoice and createInvoiceLink share, checked as Telegram checks them. */
function readInvoice(params: Params): SentInvoice {
  const title = requiredString(params, "title", "INVOICE_TITLE_EMPTY");
  if (title.length > 32) throw badRequest("INVOICE_TITLE_INVALID");
  const description = requiredString(params, "description", "INVOICE_DESCRIPTION_EMPTY");
  if (description.length > 255) throw badRequest("INVOICE_DESCRIPTION_INVALID");
  const payload = optionalString(params, "payload") ?? "";
  const payloadBytes = Buffer.byteLength(payload);
  if (payloadBytes < 1 || payloadBytes > MAX_PAYLOAD_BYTES) {
    throw badRequest("INVOICE_PAYLOAD_INVALID");
  }
  const currency = requiredString(params, "currency", "CURRENCY_INVALID");
  if (!/^[A-Z]{3}$/.test(currency)) throw badRequest("CURRENCY_INVALID");
  const providerToken = optionalString(params, "provider_token") ?? "";
  const prices = readPrices(params);
  const { maxTipAmount, suggestedTipAmounts } = readTips(params);
  const isFlexible = optionalBool(params, "is_flexible") ?? false;
  if (currency === STARS) {
    // Stars: no payment provider, exactly one price, no tips and no shipping to choose.
    if (providerToken !== "") throw badRequest("PAYMENT_PROVIDER_INVALID");
    if (prices.length !== 1) throw badRequest("STARS_INVOICE_INVALID");
    if (maxTipAmount > 0 || suggestedTipAmounts.length > 0) {
      throw badRequest("STARS_INVOICE_INVALID");
    }
    if (isFlexible) throw badRequest("STARS_INVOICE_INVALID");
  } else if (providerToken === "") {
    throw badRequest("PAYMENT_PROVIDER_INVALID");
  }
  const totalAmount = prices.reduce((sum, p) => sum + p.amount, 0);
  if (totalAmount <= 0) throw badRequest("CURRENCY_TOTAL_AMOUNT_INVALID");
  const subscriptionPeriod = clampedInt(params, "subscription_period", 0, 0, MAX_INT32);
  // TDLib passes any period on; Telegram's servers take 30 days in Stars only. The wording is ours.
  if (
    subscriptionPeriod !== 0 &&
    (currency !== STARS || subscriptionPeriod !== SUBSCRIPTION_PERIOD)
  ) {
    throw badRequest("SUBSCRIPTION_PERIOD_INVALID");
  }
  const startParameter = optionalString(params, "start_parameter");
  const photoUrl = optionalString(params, "photo_url");
  const flag = (name: string) => optionalBool(params, name) ?? false;
  return {
    title,
    description,
    payload,
    currency,
    prices,
    totalAmount,
    providerToken,
    ...(startParameter === undefined ? {} : { startParameter }),
    ...(photoUrl === undefined || photoUrl === "" ? {} : { photoUrl }),
    needName: flag("need_name"),
    // TDLib turns these on when a flag that depends on them is set.
    needPhoneNumber: flag("need_phone_number") || flag("send_phone_number_to_provider"),
    needEmail: flag("need_email") || flag("send_email_to_provider"),
    needShippingAddress: flag("need_shipping_address") || isFlexible,
    isFlexible,
    maxTipAmount,
    suggestedTipAmounts,
    subscriptionPeriod,
  };
}

/**
 * The buyer as a Star transaction names them, for the payment and for its refund: an invoice
 * payment with its payload and, for a subscription, its period.
 */
export function buyerPartner(user: User, payment: Payment): TransactionPartnerUser {
  return {
    type: "user",
    transaction_type: "invoice_payment",
    user,
    invoice_payload: payment.payload,
    ...(payment.subscriptionPeriod > 0 ? { subscription_period: payment.subscriptionPeriod } : {}),
  };
}

function readPrices(params: Params): LabeledPrice[] {
  const list = optionalArray(params, "prices");
  if (list === undefined || list.length === 0) throw badRequest("CURRENCY_TOTAL_AMOUNT_INVALID");
  return list.map((item) => {
    if (!isRecord(item) || typeof item.label !== "string") {
      throw badRequest("can't parse prices JSON object");
    }
    const amount = Number(item.amount);
    if (!Number.isSafeInteger(amount)) throw badRequest("can't parse prices JSON object");
    return { label: item.label, amount };
  });
}

/** max_tip_amount and suggested_tip_amounts, with TDLib's wording for each mistake. */
function readTips(params: Params): { maxTipAmount: number; suggestedTipAmounts: number[] } {
  const maxTipAmount = optionalInt(params, "max_tip_amount") ?? 0;
  if (maxTipAmount < 0) throw badRequest("invalid max_tip_amount of the currency specified");
  const raw = optionalJson(params, "suggested_tip_amounts", "suggested tip amounts");
  if (raw === undefined) return { maxTipAmount, suggestedTipAmounts: [] };
  if (!Array.isArray(raw)) throw badRequest("expected an Array of suggested tip amounts");
  const suggestedTipAmounts = raw.map((item) => {
    if (typeof item !== "number" && typeof item !== "string") {
      throw badRequest("suggested tip amount must be of type Number or String");
    }
    const amount = Number(item);
    if (!Number.isSafeInteger(amount))
      throw badRequest("can't parse suggested tip amount as Number");
    return amount;
  });
  for (const amount of suggestedTipAmounts) {
    if (amount <= 0) throw badRequest("suggested tip amount must be positive");
    if (amount > maxTipAmount) {
      throw badRequest("suggested tip amount can't be bigger than max_tip_amount");
    }
  }
  if (suggestedTipAmounts.length > MAX_SUGGESTED_TIPS) {
    throw badRequest("there can be at most 4 suggested tip amounts");
  }
  // TDLib does not check the order; Telegram's servers refuse it. The wording is ours.
  if (
    suggestedTipAmounts.some((amount, i) => i > 0 && amount <= (suggestedTipAmounts[i - 1] ?? 0))
  ) {
    throw badRequest("SUGGESTED_TIP_AMOUNTS_INVALID");
  }
  return { maxTipAmount, suggestedTipAmounts };
}

/** answerShippingQuery's options, with the Bot API's wording for each mistake. */
function readShippingOptions(params: Params): ShippingOption[] {
  const raw = optionalJson(params, "shipping_options", "shipping options");
  if (raw === undefined) throw badRequest('parameter "shipping_options" is required');
  if (!Array.isArray(raw)) throw badRequest("expected an Array of shipping options");
  const options = raw.map((item) => {
    const reason = shippingOptionProblem(item);
    if (reason !== undefined) throw badRequest(`can't parse shipping option: ${reason}`);
    return item as ShippingOption;
  });
  if (options.length === 0) throw badRequest("there must be at least one shipping option");
  return options.map((o) => ({
    id: o.id,
    title: o.title,
    prices: o.prices.map((p) => ({ label: p.label, amount: Number(p.amount) })),
  }));
}

function shippingOptionProblem(item: unknown): string | undefined {
  if (!isRecord(item)) return "ShippingOption must be an Object";
  for (const field of ["id", "title"] as const) {
    if (!(field in item)) return `Can't find field "${field}"`;
    if (typeof item[field] !== "string") return `Field "${field}" must be of type String`;
  }
  if (item.id === "") return "ShippingOption identifier must be non-empty";
  if (item.title === "") return "ShippingOption title must be non-empty";
  if (!("prices" in item)) return `Can't find field "prices"`;
  if (!Array.isArray(item.prices)) return `Field "prices" must be of type Array`;
  const prefix = "Can't parse shipping option prices: ";
  for (const price of item.prices) {
    if (!isRecord(price))
      return `${prefix}Can't parse labeled price: LabeledPrice must be an Object`;
    if (typeof price.label !== "string" || price.label === "") {
      return `${prefix}Can't parse labeled price: LabeledPrice label must be non-empty`;
    }
    if (!Number.isSafeInteger(Number(price.amount)) || price.amount === "") {
      return `${prefix}Can't parse labeled price: Field "amount" must be a valid Number`;
    }
  }
  if (item.prices.length === 0) return `${prefix}There must be at least one price`;
  return undefined;
}
