import type { Message, SuccessfulPayment, Update } from "grammy/types";
import { badRequest } from "./errors.js";
import { buyerPartner } from "./methods/payments.js";
import type { ChatMessage, EmulatorState, Payment } from "./state.js";
import { randomToken } from "./state.js";

/**
 * A Stars subscription a user took from one of the bot's subscription invoices. Telegram names
 * it to the bot by its first payment's charge id; it charges each renewal itself, at the end of
 * the paid period, with a new successful_payment message.
 */
export interface StarSubscription {
  /** The first payment's charge id. */
  id: string;
  userId: number;
  payload: string;
  amount: number;
  /** Seconds a payment lasts: always 30 days. */
  period: number;
  /** When the paid period ends, unix seconds. */
  expiresAt: number;
  /** Renewal is off: the user canceled it in Telegram, or the bot did. */
  canceled: boolean;
  /** The bot canceled it (editUserStarSubscription): the user cannot turn renewal back on. */
  botCanceled: boolean;
  /** A renewal could not be charged: the subscription ends with its paid period. */
  failed: boolean;
  /** The paid period ran out without a renewal. */
  expired: boolean;
  /** Every charge id, the first one first. */
  charges: string[];
}

type NonChannelMessage = Message & Update.NonChannel;

/**
 * Records a successful payment as Telegram does: the charge, the Stars on the bot's balance and
 * in its ledger, and the successful_payment service message in the payer's chat, sent to the
 * bot as an update. `fields` adds what the payment form or the subscription sets.
 */
export function recordSuccessfulPayment(
  state: EmulatorState,
  payment: Payment,
  fields: Partial<SuccessfulPayment>,
): ChatMessage {
  state.payments.set(payment.chargeId, payment);
  if (payment.currency === "XTR") {
    const buyer = buyerPartner(state.userOf(payment.userId), payment);
    state.stars.credit(payment.chargeId, buyer, payment.totalAmount);
  }
  const stored = state.addMessage(payment.userId, false, (base) => ({
    edits: 0,
    deleted: false,
    message: {
      ...base,
      successful_payment: {
        currency: payment.currency,
        total_amount: payment.totalAmount,
        invoice_payload: payment.payload,
        ...fields,
        telegram_payment_charge_id: payment.chargeId,
        provider_payment_charge_id: payment.providerChargeId,
      },
    } as Message,
  }));
  state.queue.push({ message: stored.message as NonChannelMessage });
  return stored;
}

/**
 * The bot's subscribers. When the emulator's clock passes the end of a paid period, each
 * subscription is renewed from the user's Stars (a new charge, a new message), ends quietly when
 * renewal was off, or fails — with a `subscription` update — when the user lacks the Stars.
 * What the user does in Telegram's settings (cancel, re-enable) reaches the bot as the
 * `subscription` update too; what the bot itself does through editUserStarSubscription does not.
 */
export class StarSubscriptions {
  private readonly byId = new Map<string, StarSubscription>();
  /** Users' Star balances; a user not in it has Stars enough for anything. */
  private readonly wallets = new Map<number, number>();

  constructor(private readonly state: EmulatorState) {
    state.clock.onAdvance(() => this.renewDue());
  }

  /** What `userId` holds; Infinity for a user whose Stars a test never set. */
  starsOf(userId: number): number {
    return this.wallets.get(userId) ?? Number.POSITIVE_INFINITY;
  }

  setStars(userId: number, stars: number): void {
    if (!Number.isSafeInteger(stars) || stars < 0) throw new Error("Stars are a whole amount ≥ 0");
    this.wallets.set(userId, stars);
  }

  /** Takes `stars` from the user's wallet; false when it holds fewer. */
  spend(userId: number, stars: number): boolean {
    const held = this.starsOf(userId);
    if (held < stars) return false;
    if (Number.isFinite(held)) this.wallets.set(userId, held - stars);
    return true;
  }

  /** Starts the subscription the first payment `payment` opened. */
  start(payment: Payment): StarSubscription {
    const subscription: StarSubscription = {
      id: payment.chargeId,
      userId: payment.userId,
      payload: payment.payload,
      amount: payment.totalAmount,
      period: payment.subscriptionPeriod,
      expiresAt: payment.date + payment.subscriptionPeriod,
      canceled: false,
      botCanceled: false,
      failed: false,
      expired: false,
      charges: [payment.chargeId],
    };
    this.byId.set(subscription.id, subscription);
    return subscription;
  }

  get(id: string): StarSubscription | undefined {
    return this.byId.get(id);
  }

  /** The user turns renewal off in Telegram's settings; the bot gets `subscription` "canceled". */
  cancelByUser(userId: number, id: string): void {
    const subscription = this.usersLive(userId, id);
    if (subscription.canceled) throw new Error(`subscription ${id} is canceled already`);
    subscription.canceled = true;
    this.announce(subscription, "canceled");
  }

  /**
   * The user turns renewal back on before the paid period ends; the bot gets `subscription`
   * "active". Telegram offers no such button once the bot canceled the subscription.
   */
  reenableByUser(userId: number, id: string): void {
    const subscription = this.usersLive(userId, id);
    if (!subscription.canceled) throw new Error(`subscription ${id} renews already`);
    if (subscription.botCanceled) {
      throw new Error(`the bot canceled subscription ${id}: Telegram lets the user not renew it`);
    }
    subscription.canceled = false;
    this.announce(subscription, "active");
  }

  /**
   * editUserStarSubscription: the bot cancels renewal (the user then cannot turn it back on), or
   * undoes its own cancel, which lets the user turn renewal on again but does not do it for them.
   */
  editByBot(userId: number, id: string, isCanceled: boolean): void {
    const subscription = this.byId.get(id);
    if (subscription === undefined || subscription.userId !== userId) {
      throw badRequest("CHARGE_ID_INVALID");
    }
    if (isCanceled) {
      subscription.canceled = true;
      subscription.botCanceled = true;
    } else {
      subscription.botCanceled = false;
    }
  }

  /** Renews, ends or fails every subscription whose paid period is over, oldest end first. */
  renewDue(): void {
    const now = this.state.clock.unixNow();
    for (;;) {
      const due = [...this.byId.values()]
        .filter((s) => !s.expired && !s.failed && s.expiresAt <= now)
        .sort((a, b) => a.expiresAt - b.expiresAt)[0];
      if (due === undefined) return;
      this.renew(due);
    }
  }

  private renew(subscription: StarSubscription): void {
    if (subscription.canceled) {
      subscription.expired = true;
      return;
    }
    if (!this.spend(subscription.userId, subscription.amount)) {
      subscription.failed = true;
      this.announce(subscription, "failed");
      return;
    }
    const chargeId = `stxn_${randomToken(18)}`;
    const payment: Payment = {
      chargeId,
      providerChargeId: "",
      userId: subscription.userId,
      currency: "XTR",
      totalAmount: subscription.amount,
      payload: subscription.payload,
      refunded: false,
      date: this.state.clock.unixNow(),
      subscriptionPeriod: subscription.period,
    };
    subscription.expiresAt += subscription.period;
    subscription.charges.push(chargeId);
    // A renewal: recurring, but not the first, and paying up to the new end.
    recordSuccessfulPayment(this.state, payment, {
      is_recurring: true,
      subscription_expiration_date: subscription.expiresAt,
    });
  }

  private usersLive(userId: number, id: string): StarSubscription {
    const subscription = this.byId.get(id);
    if (subscription === undefined || subscription.userId !== userId) {
      throw new Error(`user ${userId} has no subscription ${id}`);
    }
    if (subscription.expired || subscription.failed) {
      throw new Error(`subscription ${id} has ended`);
    }
    return subscription;
  }

  private announce(subscription: StarSubscription, state: "canceled" | "active" | "failed"): void {
    this.state.queue.push({
      subscription: {
        user: this.state.userOf(subscription.userId),
        invoice_payload: subscription.payload,
        state,
      },
    });
  }
}
