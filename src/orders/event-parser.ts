import { z } from "zod";
import { currencyDecimals, parseUnits } from "../catalog/units.js";
import type { EventEntry, OrderEvent, UnmatchedEvent } from "./events.js";

/*
 * The readers' side of the events stream. Kept apart from the event types and constructors, so
 * the write path (the order store, the payments core) does not load the schema library.
 */

const units = z
  .string()
  .regex(/^\d+$/)
  .transform((text) => BigInt(text));
const money = z.object({ units, currency: z.string().min(1) });
const recovered = z.literal("stars-ledger").optional();
const paymentSeen = z.object({ paymentKey: z.string(), amount: money, recovered });
const paidDetail = paymentSeen.extend({ late: z.boolean(), overpaid: z.boolean() });

const orderEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("order.created") }),
  z.object({ type: z.literal("order.payment_received"), detail: paymentSeen }),
  z.object({ type: z.literal("order.underpaid"), detail: paymentSeen.extend({ owed: money }) }),
  z.object({ type: z.literal("order.paid"), detail: paidDetail }),
  z.object({ type: z.literal("order.held"), detail: paidDetail }),
  z.object({ type: z.literal("order.mismatch"), detail: paymentSeen }),
  z.object({ type: z.literal("order.subscription_ended") }),
  z.object({
    type: z.literal("order.member_not_removed"),
    detail: z.object({ chatId: z.number().int(), error: z.string() }),
  }),
  z.object({
    type: z.literal("order.renewal"),
    detail: z.object({ renewal: z.enum(["on", "canceled", "failed"]) }),
  }),
  z.object({
    type: z.literal("order.renewed"),
    detail: paymentSeen.extend({ period: z.number().int().min(2), until: z.number().int() }),
  }),
  z.object({ type: z.literal("order.fulfilled") }),
  z.object({
    type: z.literal("order.expired"),
    detail: z.object({ paid: money, amount: money }).optional(),
  }),
  z.object({ type: z.literal("order.refunded"), detail: z.object({ by: z.string() }) }),
  z.object({
    type: z.literal("order.delivery_failed"),
    detail: z.object({ deliverer: z.string(), error: z.string() }),
  }),
]);

const unmatchedEvent = z.object({
  type: z.literal("payment.unmatched"),
  detail: z.object({ reason: z.string(), recovered }),
});

/**
 * Entries written before amounts were base units carried display text ("1.5" beside
 * "currency": "TON"). formatUnits wrote it exactly, so it reads back exactly.
 */
function fromDisplayAmounts(event: unknown): unknown {
  if (typeof event !== "object" || event === null) return event;
  const { detail } = event as { detail?: unknown };
  if (typeof detail !== "object" || detail === null) return event;
  const { currency } = detail as { currency?: unknown };
  if (typeof currency !== "string") return event;
  const read: Record<string, unknown> = { ...detail };
  delete read.currency;
  for (const name of ["amount", "owed", "paid"]) {
    const text = read[name];
    if (typeof text !== "string") continue;
    try {
      read[name] = { units: parseUnits(text, currencyDecimals(currency)).toString(), currency };
    } catch {
      // Left as it was: the schema refuses it, and the entry is skipped with a line.
    }
  }
  return { ...event, detail: read };
}

export type ParsedEntry = { ok: true; entry: EventEntry } | { ok: false; problem: string };

/**
 * Reads one entry of the events stream from its flat field list (`orderId` or `paymentKey`,
 * and `event`). An entry that does not read says why, so the reader can skip it with a line.
 */
export function parseOrderEvent(fields: readonly string[]): ParsedEntry {
  const value = (name: string) => {
    for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
    return undefined;
  };
  const orderId = value("orderId");
  const paymentKey = value("paymentKey");
  let json: unknown;
  try {
    json = JSON.parse(value("event") ?? "");
  } catch {
    return { ok: false, problem: "the event field is not JSON" };
  }
  if (orderId !== undefined) {
    const parsed = orderEvent.safeParse(fromDisplayAmounts(json));
    if (!parsed.success) return { ok: false, problem: describe(parsed.error) };
    return { ok: true, entry: { orderId, ...(parsed.data as OrderEvent) } };
  }
  if (paymentKey !== undefined) {
    const parsed = unmatchedEvent.safeParse(json);
    if (!parsed.success) return { ok: false, problem: describe(parsed.error) };
    return { ok: true, entry: { paymentKey, ...(parsed.data as UnmatchedEvent) } };
  }
  return { ok: false, problem: "the entry names neither an order nor a payment" };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "the event does not read";
  const path = issue.path.join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}
