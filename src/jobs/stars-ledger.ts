import type { Logger } from "../log.js";
import type { StarsLedger, StarsReconcileResult } from "../payments/telegram/ledger.js";

/**
 * One pass over Telegram's Stars ledger (DESIGN §6). It should find nothing: a recovery is
 * logged as a warning, because it means a payment or refund update never reached the bot.
 */
export async function reconcileStars(
  ledger: StarsLedger,
  log: Logger,
): Promise<StarsReconcileResult> {
  const result = await ledger.reconcile();
  if (result.recovered > 0 || result.unmatched > 0 || result.refunded > 0) {
    log.warn(result, "Stars ledger reconcile recorded what lost updates had missed");
  } else {
    log.info(result, "Stars ledger reconcile found nothing missed");
  }
  return result;
}
