import { afterEach, describe, expect, it } from "vitest";
import { expireOrders } from "../../src/jobs/expire.js";
import { OrderStore } from "../../src/orders/store.js";
import { redisKeys } from "../../src/redis/keys.js";
import type { Sandbox } from "../../src/sandbox/world.js";
import { capturedLog } from "../support/log.js";
import { checkoutTon, invoiceFor, orderReaches, startShop } from "../support/sandbox.js";

const ADMIN_ID = 900_001;

describe("the merchant's /admin", () => {
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  it("answers a non-admin as it answers any unknown command, and ignores forged admin buttons", async () => {
    sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    const stranger = sandbox.user();
    stranger.send("/admin");
    const answer = await stranger.waitForText("I don't know that command");
    stranger.send("/frobnicate");
    const unknown = await stranger.waitForText("I don't know that command", {
      after: answer.messageId,
    });
    expect(unknown.text).toBe(answer.text);
    const forged = await stranger.pressData("adm:sales", answer);
    expect(forged?.text).toContain("not valid any more");
    expect(stranger.fromBot().some((m) => m.text?.includes("Sales"))).toBe(false);
    stranger.send("/refund ord_anything");
    await stranger.waitForText("I don't know that command", { after: unknown.messageId });
  });

  it("shows balances and sales that match the orders, and gets a notice for each payment", async () => {
    sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    const admin = sandbox.user({ id: ADMIN_ID, firstName: "Merchant" });
    const buyer = sandbox.user();
    const paidOne = await checkoutTon(buyer, "TON Developer");
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(500_000_000n, paidOne.comment);
    await orderReaches(sandbox, paidOne.orderId, "fulfilled");
    await checkoutTon(buyer, "TON mug"); // pending: 3.25 GRAM would come in

    await admin.waitForText(`Order ${paidOne.orderId} paid: 0.5 GRAM`);
    admin.send("/admin");
    const menu = await admin.waitForButton("Sales");
    await admin.press("Sales", menu);
    const sales = await admin.waitForText("Today:");
    expect(sales.text).toContain("Today: 2 orders, 1 paid (50%), revenue 0.5 GRAM");
    expect(sales.text).toContain("TON Developer's Guide (e-book) × 1");

    await admin.press("Back", sales);
    const again = await admin.waitForButton("Balances");
    await admin.press("Balances", again);
    const balances = await admin.waitForText("Merchant wallet:");
    expect(balances.text).toContain("Bot's Stars: 0 ⭐");
    expect(balances.text).toContain("Its ledger: payments 0 ⭐, refunds 0 ⭐");
    expect(balances.text).toContain("✓ The balance matches the ledger.");
    expect(balances.text).toContain("Pending orders would add 3.25 GRAM (1 order)");
    const ton = await sandbox.app.toncenter.getBalance(sandbox.merchant.address);
    expect(balances.text).toContain(`Merchant wallet: ${Number(ton) / 1e9}`.replace(/0+$/, ""));
  });

  it("names the buyer in the paid notice, and says what an overpaid order received", async () => {
    sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    const admin = sandbox.user({ id: ADMIN_ID });
    const buyer = sandbox.user({ firstName: "Zoë <3", username: "zoe_buys" });
    const { comment, orderId } = await checkoutTon(buyer, "TON Developer");
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(700_000_000n, comment); // 0.2 more than the 0.5 asked

    const notice = await admin.waitForText(`Order ${orderId} paid`);
    expect(notice.text).toBe(
      [
        `💰 Order ${orderId} paid: 0.5 GRAM for TON Developer's Guide (e-book) × 1 · Zoë <3 @zoe_buys`,
        "💸 Overpaid: 0.7 GRAM received, 0.2 GRAM more than the price.",
      ].join("\n"),
    );
    // The order keeps who bought it, for the notices written after a restart.
    const stored = await new OrderStore(sandbox.app.redis, {
      prefix: sandbox.config.redisPrefix,
    }).require(orderId);
    expect(stored.buyer).toEqual({ name: "Zoë <3", username: "zoe_buys" });
  });

  it("attaches an unmatched payment to an order, which is then fulfilled once, with an audit entry", async () => {
    sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    const admin = sandbox.user({ id: ADMIN_ID });
    const buyer = sandbox.user();
    const { comment, orderId } = await checkoutTon(buyer, "TON Developer");
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(500_000_000n, "my order please"); // the buyer forgot the comment
    const notice = await admin.waitForText("A payment matched no order");
    const [stray] = await sandbox.app.unmatched.list(1);
    const sender = wallet.wallet.address.toString({ testOnly: true, bounceable: false });
    expect(notice.text).toContain(
      `0.5 GRAM from ${sender.slice(0, 4)}…${sender.slice(-4)}, comment “my order please”.`,
    );
    expect(notice.text).toContain("Why: its comment is not the comment of any order.");
    expect(notice.text).toContain("See it on Tonviewer");
    // The command as the notice offers it, with the order's comment after it.
    const ref = /\/attach (ton:[0-9a-f]{8})/.exec(notice.text ?? "")?.[1];
    expect(ref).toBe(`ton:${stray?.key.slice(4, 12)}`);

    admin.send("/admin");
    await admin.press("Exceptions", await admin.waitForButton("Exceptions"));
    const list = await admin.waitForText("❓ ton:");
    expect(list.text).toContain(`❓ ${ref}`);

    admin.send(`/attach ${ref} ${comment}`);
    await admin.waitForText(`Attached to order ${orderId}`);
    await buyer.waitForText("Receipt");
    const order = await orderReaches(sandbox, orderId, "fulfilled");
    expect(order.payments).toHaveLength(1);
    expect(await sandbox.app.unmatched.list(10)).toEqual([]);
    const [entry] = await sandbox.app.audit.list(1);
    expect(entry).toMatchObject({ adminId: ADMIN_ID, action: "attach", orderId });

    // Attaching again finds nothing open; nothing is paid twice.
    admin.send(`/attach ${ref} ${comment}`);
    await admin.waitForText("Usage: /attach");
    expect((await sandbox.app.store.require(orderId)).payments).toHaveLength(1);
    expect(buyer.fromBot().filter((m) => m.text?.startsWith("Receipt"))).toHaveLength(1);
  });

  it("does not announce dust one payment at a time, but still names the next stray payment", async () => {
    sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    const admin = sandbox.user({ id: ADMIN_ID });
    // Dust, too little even to pay for gas: it stays on the wallet and is kept, under its reason.
    const wallet = await sandbox.buyerWallet();
    await wallet.pay(1_000n, "spam spam");
    await expect.poll(() => sandbox?.app.unmatched.count()).toBe(1);
    expect(await sandbox.app.unmatched.list(1)).toMatchObject([
      { amount: 1_000n, reason: "dust", comment: "spam spam" },
    ]);
    await wallet.pay(300_000_000n, "hello?");
    const notice = await admin.waitForText("A payment matched no order");
    expect(notice.text).toContain("0.3 GRAM");
    // Events are told in order: the dust came first and was passed over.
    expect(admin.fromBot().filter((m) => m.text?.includes("matched no order"))).toHaveLength(1);
    expect(admin.fromBot().some((m) => m.text?.includes("spam spam"))).toBe(false);
    expect(await sandbox.app.unmatched.count()).toBe(2);
  });

  it("exports orders and payments as a CSV document", async () => {
    sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    const admin = sandbox.user({ id: ADMIN_ID });
    const buyer = sandbox.user();
    const { comment, orderId } = await checkoutTon(buyer, "TON Developer");
    await (await sandbox.buyerWallet()).pay(500_000_000n, comment);
    await orderReaches(sandbox, orderId, "fulfilled");

    admin.send("/admin");
    await admin.press("Export", await admin.waitForButton("Export"));
    const file = await admin.waitFor((m) => m.document !== undefined);
    expect(file.document?.filename).toMatch(/^orders-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = file.document?.bytes?.toString("utf8") ?? "";
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    expect(header).toContain("order_id");
    const row = rows.find((r) => r.startsWith(orderId));
    expect(row).toContain("fulfilled");
    expect(row).toContain("0.5");
    expect(row).toContain("ton:");
  });

  it("exports a buyer's name that reads as a formula as text, not as a formula", async () => {
    sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    const admin = sandbox.user({ id: ADMIN_ID });
    const buyer = sandbox.user({ firstName: '=HYPERLINK("http://evil.example","Click")' });
    const { invoice, orderId } = await invoiceFor(buyer, "mug", "Card");
    expect((await buyer.payInvoice(invoice, { orderInfo: { phone_number: "+15550100" } })).ok).toBe(
      true,
    );
    await orderReaches(sandbox, orderId, "fulfilled");

    admin.send("/admin");
    await admin.press("Export", await admin.waitForButton("Export"));
    const file = await admin.waitFor((m) => m.document !== undefined);
    const csv = file.document?.bytes?.toString("utf8") ?? "";
    const row = csv.split("\n").find((line) => line.startsWith(orderId));
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example"",""Click"")"`);
    expect(row).toContain(",'+15550100,");
    expect(row).toContain(",9.99,9.99,");
  });
});

describe("the admins' daily report", () => {
  it("sums the last 24 hours and counts what is open", async () => {
    const sandbox = await startShop({ config: { adminIds: [ADMIN_ID, ADMIN_ID + 1] } });
    try {
      const admin = sandbox.user({ id: ADMIN_ID });
      const second = sandbox.user({ id: ADMIN_ID + 1, languageCode: "ru" });
      second.send("/language");
      await second.press("Русский", await second.waitForButton("Русский"));
      const buyer = sandbox.user();
      const { comment, orderId } = await checkoutTon(buyer, "TON Developer");
      await checkoutTon(buyer, "TON mug");
      await (await sandbox.buyerWallet()).pay(500_000_000n, comment);
      await orderReaches(sandbox, orderId, "fulfilled");

      await sandbox.app.dailyReport();
      const report = await admin.waitForText("Daily report");
      expect(report.text).toContain("2 orders, 1 paid (50%), revenue 0.5 GRAM");
      expect(report.text).toContain("Open exceptions: 0");
      const russian = await second.waitForText("Ежедневный отчёт");
      expect(russian.text).toContain("2 заказа, оплачено: 1 (50%), выручка: 0.5 GRAM");
    } finally {
      await sandbox.stop();
    }
  });
});

describe("admin actions on orders", () => {
  it("looks an order up, refunds Stars, notes a TON refund, closes a stray payment, shows health", async () => {
    const sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    try {
      const admin = sandbox.user({ id: ADMIN_ID });
      const buyer = sandbox.user();
      const ton = await checkoutTon(buyer, "TON Developer");
      const wallet = await sandbox.buyerWallet();
      await wallet.pay(500_000_000n, ton.comment);
      await orderReaches(sandbox, ton.orderId, "fulfilled");

      admin.send(`/order ${ton.comment.toLowerCase()}`);
      const card = await admin.waitForText(`Order ${ton.orderId} — delivered`);
      expect(card.text).toContain("0.5 GRAM, paid 0.5 GRAM");
      const order = await sandbox.app.store.require(ton.orderId);
      expect(card.text).toContain(`${order.payments[0]?.key.slice(0, 16)}…`);

      admin.send(`/refund ${ton.orderId}`);
      const note = await admin.waitForText("TON cannot be pulled back");
      expect(note.text).toContain("send 0.5 GRAM to");

      buyer.send("/start buy_ton-guide");
      const stars = await buyer.waitForButton("Pay with Telegram Stars");
      await buyer.press("Pay with Telegram Stars", stars);
      const invoice = await buyer.waitFor((m) => m.invoice !== undefined);
      expect((await buyer.payInvoice(invoice)).ok).toBe(true);
      const starsOrder = invoice.invoice?.payload ?? "";
      await orderReaches(sandbox, starsOrder, "fulfilled");
      admin.send(`/refund ${starsOrder}`);
      await admin.waitForText(`Order ${starsOrder} is refunded`);
      await buyer.waitForText(`Order ${starsOrder} was refunded`);
      expect(sandbox.telegram.state.starBalance).toBe(0);

      await wallet.pay(100_000_000n, "no idea");
      await admin.waitForText("A payment matched no order");
      const [stray] = await sandbox.app.unmatched.list(1);
      const ref = `ton:${(stray?.key ?? "").slice(4, 12)}`;
      admin.send(`/resolve ${ref}`);
      await admin.waitForText(`${ref} is closed`);
      expect(await sandbox.app.unmatched.list(5)).toEqual([]);
      expect((await sandbox.app.unmatched.get(stray?.key ?? ""))?.resolved?.by).toBe(ADMIN_ID);

      const actions = (await sandbox.app.audit.list(10)).map((e) => e.action);
      expect(actions).toEqual(["resolve", "refund", "refund-note"]);

      admin.send("/admin");
      await admin.press("Orders", await admin.waitForButton("Orders"));
      const orders = await admin.waitForText("Recent payments");
      expect(orders.text).toContain("• delivered: 1");
      expect(orders.text).toContain("• refunded: 1");
      expect(orders.text).toContain(`${ton.orderId} · 0.5 GRAM`);
      expect(orders.text).toContain(`${starsOrder} · 150 ⭐`);
      await admin.press("Back", orders);
      await admin.press("Health", await admin.waitForButton("Health"));
      const health = await admin.waitForText("Fulfilment:");
      expect(health.text).toMatch(/Watcher: leader \S+, cursor caught up \d+ s ago/);
      expect(health.text).toContain("0 failed polls in the last hour (0 in all)");
      expect(health.text).toContain("0 jobs waiting");
    } finally {
      await sandbox.stop();
    }
  });
});

describe("a delivery that fails for good", () => {
  it("reaches the admins as it happens", async () => {
    const sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    try {
      const admin = sandbox.user({ id: ADMIN_ID });
      const buyer = sandbox.user();
      const { comment, orderId } = await checkoutTon(buyer, "TON Developer");
      sandbox.telegram.state.setBlocked(buyer.id, true); // the buyer blocks the bot
      await (await sandbox.buyerWallet()).pay(500_000_000n, comment);
      const notice = await admin.waitForText(`Delivering order ${orderId} failed for good`);
      expect(notice.text).toContain("bot was blocked by the user");
      expect((await sandbox.app.store.require(orderId)).status).toBe("paid");
    } finally {
      await sandbox.stop();
    }
  });
});

describe("health and stray money", () => {
  it("counts failed polls in the last hour, and says how to send stray TON back", async () => {
    const sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    try {
      const admin = sandbox.user({ id: ADMIN_ID });
      const wallet = await sandbox.buyerWallet();
      await wallet.pay(300_000_000n, "hello?");
      await admin.waitForText("A payment matched no order");

      // toncenter fails every request until a poll has failed (after the client's ~16 s of
      // retries with backoff); the failed poll is counted.
      sandbox.toncenter.setFaults({ serverErrorRate: 1 });
      const wait = async () => {
        for (;;) {
          const wallet = sandbox.merchant.address.toRawString();
          const health = await sandbox.app.redis.hget(
            redisKeys(sandbox.config.redisPrefix).watcherHealth(wallet),
            "errors",
          );
          if (Number(health ?? 0) >= 1) return;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      };
      await wait();
      sandbox.toncenter.setFaults({ serverErrorRate: 0 });
      admin.send("/admin");
      await admin.press("Health", await admin.waitForButton("Health"));
      const health = await admin.waitForText("Fulfilment:");
      expect(health.text).toMatch(
        /(1 failed poll|[2-9]\d* failed polls|1\d+ failed polls) in the last hour/,
      );
      expect(health.text).toContain("LITE_SERVER_UNKNOWN");

      const [stray] = await sandbox.app.unmatched.list(1);
      const ref = `ton:${(stray?.key ?? "").slice(4, 12)}`;
      admin.send(`/refund ${ref}`);
      const note = await admin.waitForText("TON cannot be pulled back");
      expect(note.text).toContain("send 0.3 GRAM to");
      expect(note.text).toContain(
        wallet.wallet.address.toString({ testOnly: true, bounceable: false }),
      );
      expect((await sandbox.app.audit.list(1))[0]).toMatchObject({ action: "refund-note" });
    } finally {
      await sandbox.stop();
    }
  }, 90_000);
});

describe("money an admin must act on", () => {
  it("announces a second payment of a paid order, and releases a held late payment", async () => {
    const sandbox = await startShop({
      config: { adminIds: [ADMIN_ID], latePaymentPolicy: "hold" },
    });
    try {
      const admin = sandbox.user({ id: ADMIN_ID });
      const buyer = sandbox.user();
      const wallet = await sandbox.buyerWallet();

      const twice = await checkoutTon(buyer, "TON Developer");
      await wallet.pay(500_000_000n, twice.comment);
      await orderReaches(sandbox, twice.orderId, "fulfilled");
      await wallet.pay(500_000_000n, twice.comment);
      const excess = await admin.waitForText(`Order ${twice.orderId} got 0.5 GRAM more`);
      expect(excess.text).toContain(`/order ${twice.orderId}`);

      const late = await checkoutTon(buyer, "TON mug");
      const later = new OrderStore(sandbox.app.redis, {
        prefix: sandbox.config.redisPrefix,
        clock: () => Date.now() + 31 * 60_000,
      });
      await expireOrders(later);
      await wallet.pay(3_250_000_000n, late.comment);
      await admin.waitForText(`Order ${late.orderId} was paid after it expired and is held`);
      expect((await sandbox.app.store.require(late.orderId)).held).toBe(true);

      admin.send(`/release ${late.orderId}`);
      await admin.waitForText(`Order ${late.orderId} is released`);
      await buyer.waitForText("We will write to you about shipping");
      await orderReaches(sandbox, late.orderId, "fulfilled");
      admin.send(`/release ${late.orderId}`);
      await admin.waitForText(`Order ${late.orderId} is not held`);
      expect((await sandbox.app.audit.list(5)).filter((e) => e.action === "release")).toHaveLength(
        1,
      );
    } finally {
      await sandbox.stop();
    }
  });

  it("keeps the exceptions view readable when a payer sends a very long comment", async () => {
    const sandbox = await startShop({ config: { adminIds: [ADMIN_ID] } });
    try {
      const admin = sandbox.user({ id: ADMIN_ID });
      const wallet = await sandbox.buyerWallet();
      for (let i = 0; i < 5; i++)
        await wallet.pay(10_000_000n, `${i} ${"<b>spam</b> ".repeat(400)}`);
      for (;;) {
        if ((await sandbox.app.unmatched.count()) === 5) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      admin.send("/admin");
      const menu = await admin.waitForButton("Exceptions");
      await admin.press("Exceptions", menu);
      const view = await admin.waitFor(
        (m) => m.messageId === menu.messageId && (m.text ?? "").startsWith("Exceptions"),
      );
      expect(view.text?.length).toBeLessThan(4096);
      expect(view.text).toContain("<b>spam</b>");
      expect(view.text?.match(/❓ ton:/g)).toHaveLength(5);
    } finally {
      await sandbox.stop();
    }
  });
});

describe("where /admin answers", () => {
  const TEAM_CHAT = -1_001_234_567_890;
  const UNKNOWN = "I don't know that command. Tap /help to see what I can do.";
  const STALE = "This button is not valid any more. Tap /shop to start again.";
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.stop();
    sandbox = undefined;
  });

  /** The shop with ADMIN_CHAT_ID set, its log kept, an admin, and the refusals logged so far. */
  async function shopWithTeamChat() {
    const { records, log } = capturedLog();
    const shop = await startShop({ config: { adminIds: [ADMIN_ID], adminChatId: TEAM_CHAT }, log });
    sandbox = shop;
    const admin = shop.user({ id: ADMIN_ID, firstName: "Merchant" });
    const refusals = () =>
      records().filter(
        (r) => r.msg === "admin command refused" || r.msg === "admin button refused",
      );
    return { shop, admin, records, refusals, bot: `@${shop.telegram.bot.username}` };
  }

  it("refuses an admin's /admin, every admin command and admin button in any other group", async () => {
    const { shop, admin, records, refusals, bot } = await shopWithTeamChat();
    const friend = shop.user({ firstName: "Friend" });
    const friends = shop.telegram.group({ title: "Friends", members: [admin, friend] });
    const buyer = shop.user();
    const { orderId } = await checkoutTon(buyer, "TON Developer");

    const commands = ["admin", "order", "attach", "release", "resolve", "refund"];
    for (const [i, command] of commands.entries()) {
      friends.send(admin, `/${command}${bot} ${orderId}`);
      const answers = () => friends.fromBot().filter((m) => m.text === UNKNOWN);
      await expect.poll(() => answers().length).toBe(i + 1);
    }
    expect(refusals()).toHaveLength(commands.length);
    for (const [i, line] of refusals().entries()) {
      expect(line).toMatchObject({
        level: 40,
        userId: ADMIN_ID,
        chatId: friends.id,
        chatType: "group",
        admin: true,
        command: `/${commands[i]}`,
      });
      expect(line.err).toBeUndefined();
    }

    // An admin button pressed on a message in this group.
    const reply = friends.fromBot()[0];
    if (!reply) throw new Error("no reply in the group");
    for (const view of ["sales", "export", "menu"]) {
      const answer = await admin.pressData(`adm:${view}`, reply);
      expect(answer).toEqual({ text: STALE, show_alert: true });
    }
    expect(refusals().slice(commands.length)).toMatchObject([
      { level: 40, userId: ADMIN_ID, chatId: friends.id, view: "sales" },
      { view: "export" },
      { view: "menu" },
    ]);

    // Nothing was shown or changed: no menu, no figures, no file, no refund, no audit entry.
    expect(friends.fromBot().map((m) => m.text)).toEqual(commands.map(() => UNKNOWN));
    expect(reply.edits).toBe(0);
    expect(friends.fromBot().some((m) => m.document !== undefined)).toBe(false);
    expect(admin.fromBot().some((m) => m.text?.includes("Shop admin"))).toBe(false);
    expect(await shop.app.audit.list(10)).toEqual([]);
    expect((await shop.app.store.require(orderId)).status).toBe("pending");
    expect(records().filter((r) => r.level >= 50)).toEqual([]);

    // The same admin in a private chat is served as before.
    admin.send("/admin");
    await admin.waitForButton("Sales");
  });

  it("serves an admin in ADMIN_CHAT_ID, and refuses its members who are not admins", async () => {
    const { shop, admin, refusals, bot } = await shopWithTeamChat();
    const support = shop.user({ firstName: "Support" });
    const team = shop.telegram.group({
      id: TEAM_CHAT,
      supergroup: true,
      title: "Shop team",
      members: [admin, support],
    });

    team.send(admin, `/admin${bot}`);
    const menu = await team.waitForButton("Sales");
    expect(menu.text).toBe("Shop admin — choose a view.");
    expect(await admin.press("Sales", menu)).toEqual({});
    await team.waitForText("Today:");
    expect(refusals()).toEqual([]);

    // A member who is not in ADMIN_IDS: refused as anyone else, the menu left as it is.
    const shown = structuredClone(menu.message);
    expect(await support.press("Back", menu)).toEqual({ text: STALE, show_alert: true });
    expect(await support.pressData("adm:export", menu)).toEqual({ text: STALE, show_alert: true });
    expect(menu.message).toEqual(shown);
    const before = team.lastMessageId();
    team.send(support, `/admin${bot}`);
    await team.waitForText(UNKNOWN, { after: before });
    team.send(support, `/refund${bot} ord_anything`);
    await expect.poll(() => team.fromBot().filter((m) => m.text === UNKNOWN).length).toBe(2);
    expect(refusals()).toMatchObject([
      { userId: support.id, chatId: TEAM_CHAT, chatType: "supergroup", admin: false, view: "menu" },
      { userId: support.id, view: "export" },
      { userId: support.id, command: "/admin" },
      { userId: support.id, command: "/refund" },
    ]);
    expect(team.fromBot().some((m) => m.document !== undefined)).toBe(false);
    expect(await shop.app.audit.list(10)).toEqual([]);

    // The admin exports into the team chat.
    await admin.press("Back", menu);
    await admin.press("Export", await team.waitForButton("Export"));
    const file = await team.waitFor((m) => m.document !== undefined);
    expect(file.document?.filename).toMatch(/^orders-.*\.csv$/);
    await expect
      .poll(() => shop.app.audit.list(1))
      .toMatchObject([{ adminId: ADMIN_ID, action: "export" }]);
  });

  it("leaves another bot's command to that bot, in a group where it reads every message", async () => {
    const { shop, admin, refusals, bot } = await shopWithTeamChat();
    const team = shop.telegram.group({ id: TEAM_CHAT, members: [admin], botIsAdmin: true });
    team.send(admin, "/admin@someone_elses_bot");
    team.send(admin, "/refund@someone_elses_bot ord_anything");
    team.send(admin, `/help${bot}`);
    await team.waitForText("How to buy");
    expect(team.fromBot()).toHaveLength(1);
    expect(refusals()).toEqual([]);
  });
});
