import cron, { type ScheduledTask } from "node-cron";
import type { Logger } from "../log.js";
import type { OrderStore } from "../orders/store.js";
import { expireOrders } from "./expire.js";

/** Starts the periodic jobs; returns a function that stops them. */
export function scheduleJobs(deps: { store: OrderStore; log: Logger }): () => Promise<void> {
  const tasks: ScheduledTask[] = [
    cron.schedule(
      "*/15 * * * * *",
      async () => {
        try {
          await expireOrders(deps.store, deps.log);
        } catch (error) {
          deps.log.error({ err: error }, "expiring orders failed; will retry");
        }
      },
      { name: "expire-orders", noOverlap: true },
    ),
  ];
  return async () => {
    for (const task of tasks) await task.stop();
  };
}
