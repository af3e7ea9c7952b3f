import { it } from "vitest";
import { createI18n, LOCALES } from "../../src/bot/i18n.js";

it("x", () => {
  const i18n = createI18n();
  for (const l of LOCALES)
    for (const k of ["status-underpaid", "status-held", "status-pending"]) {
      const s = i18n
        .t(l, k, {
          paid: "8.123456789",
          amount: "16.250000001",
          owed: "8.126543212",
          currency: "TON",
          comment: "TP-7K3M9Q2D",
          orderId: "ord_k3m9q2d7x1a5",
        })
        .replace(/<[^>]+>/g, "");
      console.log(l, k, s.length, s);
    }
});
