import type { I18n } from "@grammyjs/i18n";
import type { ShopReports } from "../admin/reports.js";
import type { BotContext } from "../bot/context.js";
import type { Clock } from "../clock.js";
import type { UnmatchedPayments } from "../payments/unmatched.js";
import type { AdminNotifier } from "./admins.js";
import { formatPrice } from "./format.js";

const DAY_MS = 86_400_000;

export interface DailyReportOptions {
  reports: ShopReports;
  unmatched: UnmatchedPayments;
  admins: AdminNotifier;
  i18n: I18n<BotContext>;
  clock: Clock;
}

/** The last 24 hours' figures to every admin: orders, sales, conversion, revenue, what is open. */
export async function sendDailyReport(options: DailyReportOptions): Promise<void> {
  const { reports, unmatched, admins, i18n } = options;
  const now = options.clock();
  const figures = await reports.sales(now - DAY_MS, now);
  // Open: money that matches no order, underpaid orders still waiting, and held payments.
  const waiting = (await reports.exceptions(100)).filter(
    (order) => (order.status === "pending" && order.paid > 0n) || order.held,
  );
  const open = (await unmatched.count()) + waiting.length;
  const revenue =
    figures.revenue.map((line) => formatPrice(line.amount, line.currency)).join(" + ") || "—";
  await admins.broadcast(undefined, (locale) =>
    i18n.t(locale, "notice-daily", {
      created: figures.created,
      paid: figures.paid,
      conversion: Math.round(figures.conversion * 100),
      revenue,
      exceptions: open,
    }),
  );
}
