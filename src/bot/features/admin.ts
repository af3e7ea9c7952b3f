import { Address } from "@ton/core";
import { Composer, InlineKeyboard, InputFile } from "grammy";
import { escapeHtml, formatPrice, formatTime } from "../../notices/format.js";
import { displayAddress } from "../../payments/ton/links.js";
import { adminData, onPress } from "../callback-data.js";
import type { BotContext } from "../context.js";
import { isAdmin } from "../filters/is-admin.js";
import type { AdminServices } from "../services.js";
import { balances, exceptions, health, orderCard, orders, sales, tickets } from "./admin-views.js";

/** Every command below; refused alike to anyone who may not use them where they ask. */
const ADMIN_COMMANDS = ["admin", "order", "attach", "release", "resolve", "refund"];

const VIEWS = { balances, sales, orders, exceptions, health, tickets };

/**
 * /admin and everything under it, for ADMIN_IDS only, in a private chat with the bot or in the
 * admins' group (ADMIN_CHAT_ID): balances, sales, orders, exceptions with actions (each written
 * to the audit log), a CSV export and health. Anyone else, and an admin in any other group, gets
 * the unknown-command answer or the stale-button one, and a warn line; nothing changes.
 */
export function adminFeature(services: AdminServices) {
  const feature = new Composer<BotContext>();
  const { actions, log } = services;
  const admins = feature.filter(isAdmin(services.adminIds, services.adminChatId));
  const adminId = (ctx: BotContext) => ctx.from?.id ?? 0;

  const menu = (ctx: BotContext) =>
    new InlineKeyboard()
      .text(ctx.t("admin-balances"), adminData.pack({ view: "balances" }))
      .text(ctx.t("admin-sales"), adminData.pack({ view: "sales" }))
      .row()
      .text(ctx.t("admin-orders"), adminData.pack({ view: "orders" }))
      .text(ctx.t("admin-exceptions"), adminData.pack({ view: "exceptions" }))
      .row()
      .text(ctx.t("admin-export"), adminData.pack({ view: "export" }))
      .text(ctx.t("admin-health"), adminData.pack({ view: "health" }))
      .row()
      .text(ctx.t("admin-tickets"), adminData.pack({ view: "tickets" }));

  const back = (ctx: BotContext) =>
    new InlineKeyboard().text(ctx.t("button-back"), adminData.pack({ view: "menu" }));

  admins.command("admin", (ctx) =>
    ctx.reply(ctx.t("admin-menu"), { parse_mode: "HTML", reply_markup: menu(ctx) }),
  );

  admins.use(
    onPress(adminData, {}, async (ctx, { view }) => {
      await ctx.answerCallbackQuery();
      if (view === "menu") {
        return ctx.editMessageText(ctx.t("admin-menu"), {
          parse_mode: "HTML",
          reply_markup: menu(ctx),
        });
      }
      if (view === "export") {
        const { csv, from, to } = await actions.exportOrders(adminId(ctx));
        const name = `orders-${formatTime(from).slice(0, 10)}-${formatTime(to).slice(0, 10)}.csv`;
        return ctx.replyWithDocument(new InputFile(Buffer.from(csv, "utf8"), name), {
          caption: ctx.t("admin-export-caption", { from: formatTime(from), to: formatTime(to) }),
        });
      }
      return ctx.editMessageText(await VIEWS[view](ctx, services), {
        parse_mode: "HTML",
        reply_markup: back(ctx),
        link_preview_options: { is_disabled: true },
      });
    }),
  );

  admins.command("order", async (ctx) => {
    const query = ctx.match.trim();
    const order = await actions.findOrder(query);
    if (!order) {
      return ctx.reply(ctx.t("admin-order-not-found", { query: escapeHtml(query) }), {
        parse_mode: "HTML",
      });
    }
    return ctx.reply(await orderCard(ctx, services, order), {
      parse_mode: "HTML",
      link_preview_options: { is_disabled: true },
    });
  });

  admins.command("attach", async (ctx) => {
    const [ref = "", target = ""] = ctx.match.trim().split(/\s+/);
    const result = await actions.attach(adminId(ctx), ref, target);
    if (result.kind === "not-found") return ctx.reply(ctx.t("admin-attach-usage"));
    if (result.kind === "wrong-currency") {
      return ctx.reply(ctx.t("admin-attach-currency", { currency: result.currency }));
    }
    return ctx.reply(
      ctx.t("admin-attached", {
        orderId: result.order.id,
        status: ctx.t(`order-status-${result.order.status}`),
      }),
    );
  });

  admins.command("release", async (ctx) => {
    const result = await actions.release(adminId(ctx), ctx.match.trim());
    if (result.kind === "not-found") return ctx.reply(ctx.t("admin-release-usage"));
    if (result.kind === "not-held") {
      return ctx.reply(ctx.t("admin-release-not-held", { orderId: result.orderId }));
    }
    return ctx.reply(ctx.t("admin-released", { orderId: result.orderId }));
  });

  admins.command("resolve", async (ctx) => {
    const result = await actions.resolve(adminId(ctx), ctx.match.trim());
    if (result.kind === "not-found") return ctx.reply(ctx.t("admin-resolve-usage"));
    return ctx.reply(ctx.t("admin-resolved", { ref: result.ref }));
  });

  admins.command("refund", async (ctx) => {
    const result = await actions.refund(adminId(ctx), ctx.match.trim(), ctx.api);
    switch (result.kind) {
      case "not-found":
        return ctx.reply(ctx.t("admin-refund-usage"));
      case "refused":
        return ctx.reply(ctx.t("admin-refund-refused", { reason: result.reason }));
      case "refunded":
        return ctx.reply(ctx.t("admin-refunded", { orderId: result.ref }));
      case "payment-refunded":
        return ctx.reply(
          ctx.t("admin-payment-refunded", {
            ref: result.ref,
            orderId: result.orderId,
            status: ctx.t(`order-status-${result.status}`),
          }),
        );
      case "send-back":
        return ctx.reply(
          ctx.t("admin-refund-ton", {
            orderId: result.ref,
            amount: formatPrice(result.amount, result.currency),
            to: walletOf(result.to),
          }),
          { parse_mode: "HTML" },
        );
    }
  });

  const refused = (ctx: BotContext) => ({
    userId: ctx.from?.id,
    chatId: ctx.chat?.id,
    chatType: ctx.chat?.type,
    admin: services.adminIds.includes(ctx.from?.id ?? 0),
  });
  // Answered as a command nobody handles, by the unknown-command reply after this feature.
  feature.command(ADMIN_COMMANDS, (ctx, next) => {
    const command = (ctx.msg?.text ?? ctx.msg?.caption ?? "").split(/[\s@]/)[0];
    log.warn({ ...refused(ctx), command }, "admin command refused");
    return next();
  });
  feature.use(
    onPress(adminData, {}, async (ctx, { view }) => {
      log.warn({ ...refused(ctx), view }, "admin button refused");
      await ctx.answerCallbackQuery({ text: ctx.t("error-forged"), show_alert: true });
    }),
  );

  /** A payer's raw address as a wallet app shows it (testnet form on testnet). */
  function walletOf(raw: string | undefined): string {
    if (!raw) return "—";
    try {
      return displayAddress(Address.parseRaw(raw), services.testnet);
    } catch {
      return raw;
    }
  }

  return feature;
}
