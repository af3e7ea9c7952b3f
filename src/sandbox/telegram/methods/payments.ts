import type { LabeledPrice, Message, StarAmount, Update } from "grammy/types";
import { badRequest, QUERY_TOO_OLD } from "../errors.js";
import { readInlineMarkup } from "../markup.js";
import {
  chatIdParam,
  isRecord,
  optionalArray,
  optionalBool,
  optionalString,
  requiredInt,
  requiredString,
} from "../params.js";
import type { Params } from "../request.js";
import { randomToken, type SentInvoice } from "../state.js";
import type { Handler } from "./context.js";

const MAX_PAYLOAD_BYTES = 128;
export const STARS = "XTR";

/** Invoices, pre-checkout answers, Star refunds and the bot's Star balance. */
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
      const userId = requiredInt(params, "user_id", "USER_ID_INVALID");
      const chargeId = requiredString(params, "telegram_payment_charge_id", "CHARGE_ID_EMPTY");
      const payment = state.payments.get(chargeId);
      if (payment === undefined || payment.userId !== userId || payment.currency !== STARS) {
        throw badRequest("CHARGE_NOT_FOUND");
      }
      if (payment.refunded) throw badRequest("CHARGE_ALREADY_REFUNDED");
      payment.refunded = true;
      state.starBalance -= payment.totalAmount;
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
      return { amount: state.starBalance } satisfies StarAmount;
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
  if (currency === STARS) {
    // Stars: no payment provider, and exactly one price.
    if (providerToken !== "") throw badRequest("PAYMENT_PROVIDER_INVALID");
    if (prices.length !== 1) throw badRequest("STARS_INVOICE_INVALID");
  } else if (providerToken === "") {
    throw badRequest("PAYMENT_PROVIDER_INVALID");
  }
  const totalAmount = prices.reduce((sum, p) => sum + p.amount, 0);
  if (totalAmount <= 0) throw badRequest("CURRENCY_TOTAL_AMOUNT_INVALID");
  const startParameter = optionalString(params, "start_parameter");
  return {
    title,
    description,
    payload,
    currency,
    prices,
    totalAmount,
    providerToken,
    ...(startParameter === undefined ? {} : { startParameter }),
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
