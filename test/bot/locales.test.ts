import { readdirSync, readFileSync } from "node:fs";
import { FluentBundle, FluentResource } from "@fluent/bundle";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/bot/commands.js";
import { createI18n, LOCALES } from "../../src/bot/i18n.js";
import { PAYMENT_METHODS } from "../../src/catalog/catalog.js";
import { orderStatusText } from "../../src/notices/status.js";
import { type Order, type OrderStatus, outstanding } from "../../src/orders/order.js";
import { pendingTonOrder } from "../support/shop.js";

const LOCALES_DIR = new URL("../../src/bot/locales/", import.meta.url);
/** Texts are asked for from the bot, the notices and the deliverers alike. */
const SOURCE_DIR = new URL("../../src/", import.meta.url);

type Entry = FluentResource["body"][number];
type Pattern = NonNullable<Entry["value"]>;
type Expression = Exclude<Exclude<Pattern, string>[number], string>;
type Argument = Extract<Expression, { type: "func" }>["args"][number];

interface Locale {
  code: string;
  source: string;
  resource: FluentResource;
  bundle: FluentBundle;
  addErrors: Error[];
}

function load(code: string): Locale {
  const source = readFileSync(new URL(`${code}.ftl`, LOCALES_DIR), "utf8");
  const resource = new FluentResource(source);
  // As createI18n configures it: no isolation marks around placeables.
  const bundle = new FluentBundle(code, { useIsolating: false });
  const addErrors = bundle.addResource(resource);
  return { code, source, resource, bundle, addErrors };
}

const locales = LOCALES.map(load);
const en = locales.find((locale) => locale.code === "en") as Locale;
const translations = locales.filter((locale) => locale !== en);

function ids(locale: Locale): string[] {
  return locale.resource.body.map((entry) => entry.id).sort();
}

/** Ids of every `id =` / `-term =` line, as a person reading the file sees them. */
function declaredIds(source: string): string[] {
  return [...source.matchAll(/^(-?[a-zA-Z][\w-]*)\s*=/gm)].map((match) => match[1] ?? "").sort();
}

function collect(node: Expression | Argument, into: Set<string>): void {
  switch (node.type) {
    case "var":
      into.add(node.name);
      break;
    case "select":
      collect(node.selector, into);
      for (const variant of node.variants) variablesOf(variant.value, into);
      break;
    case "term":
    case "func":
      for (const argument of node.args) collect(argument, into);
      break;
    default:
      break;
  }
}

function variablesOf(pattern: Pattern | null, into = new Set<string>()): Set<string> {
  if (pattern === null || typeof pattern === "string") return into;
  for (const element of pattern) if (typeof element !== "string") collect(element, into);
  return into;
}

/** The $variables a message uses, in its value, selectors and attributes. */
function variables(entry: Entry): string[] {
  const found = variablesOf(entry.value);
  for (const attribute of Object.values(entry.attributes)) variablesOf(attribute, found);
  return [...found].sort();
}

function hasSelector(pattern: Pattern | null): boolean {
  return (
    Array.isArray(pattern) &&
    pattern.some((element) => typeof element !== "string" && element.type === "select")
  );
}

/** A marker per variable, so a test can see each placeable arrive in the output. */
function samples(entry: Entry): Record<string, string> {
  return Object.fromEntries(variables(entry).map((name) => [name, `⟦${name}⟧`]));
}

function format(locale: Locale, entry: Entry, args: Record<string, string | number>) {
  const errors: Error[] = [];
  const text = entry.value ? locale.bundle.formatPattern(entry.value, args, errors) : "";
  return { text, errors };
}

/** The lines of a message's value as written in the file: inline text plus indented lines. */
function sourceLines(source: string, id: string): string[] {
  const lines = source.split("\n");
  const start = lines.findIndex((line) => new RegExp(`^${id}\\s*=`).test(line));
  const first = (lines[start] ?? "").replace(/^[^=]*=/, "").trim();
  const block = [first];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() !== "" && !/^\s/.test(line)) break;
    block.push(line.trim());
  }
  while (block[0] === "") block.shift();
  while (block.at(-1) === "") block.pop();
  return block;
}

const tags = (text: string) => [...text.matchAll(/<\/?[a-z]+[^>]*>/g)].map((m) => m[0]).sort();

describe("locale files", () => {
  it("exist for every locale the bot offers, and no others", () => {
    const files = readdirSync(LOCALES_DIR)
      .filter((name) => name.endsWith(".ftl"))
      .map((name) => name.replace(/\.ftl$/, ""))
      .sort();
    expect(files).toEqual([...LOCALES].sort());
  });

  it.each(locales.map((locale) => [locale.code, locale] as const))(
    "%s parses without dropping an entry or a line",
    (_code, locale) => {
      expect(locale.addErrors.map(String)).toEqual([]);
      // FluentResource skips unparsable entries silently; compare against what the file declares.
      expect(ids(locale)).toEqual(declaredIds(locale.source));
      expect(new Set(ids(locale)).size).toBe(ids(locale).length);
      for (const entry of locale.resource.body) {
        if (hasSelector(entry.value)) continue;
        // A stray line (say, one starting with "[" or "*") silently ends a pattern early.
        const { text } = format(locale, entry, samples(entry));
        expect(text.split("\n"), `${locale.code}: ${entry.id}`).toHaveLength(
          sourceLines(locale.source, entry.id).length,
        );
      }
    },
  );

  it.each(translations.map((locale) => [locale.code, locale] as const))(
    "%s has exactly the messages en has",
    (_code, locale) => {
      expect(ids(locale)).toEqual(ids(en));
    },
  );

  it.each(translations.map((locale) => [locale.code, locale] as const))(
    "%s uses the same variables as en in every message",
    (_code, locale) => {
      for (const entry of en.resource.body) {
        const translated = locale.resource.body.find((other) => other.id === entry.id);
        expect(translated, entry.id).toBeDefined();
        if (translated) expect(variables(translated), entry.id).toEqual(variables(entry));
      }
    },
  );

  it.each(translations.map((locale) => [locale.code, locale] as const))(
    "%s keeps the HTML tags of en, so parse_mode HTML renders the same",
    (_code, locale) => {
      for (const entry of en.resource.body) {
        const translated = locale.resource.body.find((other) => other.id === entry.id);
        if (!translated) continue;
        expect(tags(format(locale, translated, samples(translated)).text), entry.id).toEqual(
          tags(format(en, entry, samples(entry)).text),
        );
      }
    },
  );

  it.each(locales.map((locale) => [locale.code, locale] as const))(
    "%s formats every message, with every variable in its place",
    (_code, locale) => {
      for (const entry of locale.resource.body) {
        const args = samples(entry);
        const { text, errors } = format(locale, entry, args);
        expect(errors.map(String), entry.id).toEqual([]);
        expect(text.trim(), entry.id).not.toBe("");
        for (const marker of Object.values(args)) expect(text, entry.id).toContain(marker);
      }
    },
  );

  it("translates each language's name into that language itself", () => {
    const names = Object.fromEntries(
      locales.map((locale) => {
        const entry = locale.resource.body.find((e) => e.id === "language-name");
        return [locale.code, entry ? format(locale, entry, {}).text : ""];
      }),
    );
    expect(names).toEqual({ en: "English", ru: "Русский", zh: "简体中文" });
  });
});

describe("createI18n", () => {
  const i18n = createI18n();

  it("loads en, ru and zh from the locales folder", () => {
    expect([...i18n.locales].sort()).toEqual(["en", "ru", "zh"]);
  });

  it("answers in the buyer's language, with the variables filled in", () => {
    const en = i18n.t("en", "status-paid", { orderId: "ord_abc" });
    const ru = i18n.t("ru", "status-paid", { orderId: "ord_abc" });
    const zh = i18n.t("zh", "status-paid", { orderId: "ord_abc" });
    expect(en).toBe("✅ Payment received for order ord_abc. Your goods are on their way.");
    expect(ru).not.toBe(en);
    expect(zh).not.toBe(en);
    expect(ru).toContain("ord_abc");
    expect(zh).toContain("ord_abc");
    expect(i18n.t("ru", "help")).toContain("<b>Как купить</b>");
  });

  it("leaves amounts, addresses and comments exactly as given, without isolation marks", () => {
    const variables = {
      orderId: "ord_k3m9q2d7x1a5",
      title: "Кружка TON",
      quantity: 2,
      amount: "6.5",
      address: "UQCrq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq7Iw",
      comment: "TP-7K3M9Q2D",
      expires: "2026-11-23 10:27",
      coin: "GRAM",
    };
    for (const locale of LOCALES) {
      const text = i18n.t(locale, "pay-ton", variables);
      expect(text).toContain("<code>6.5</code>");
      expect(text).toContain(`<code>${variables.address}</code>`);
      expect(text).toContain("<code>TP-7K3M9Q2D</code>");
      expect(text).not.toMatch(/[\u2068\u2069]/);
    }
  });

  it("has a text for every key the code asks for", () => {
    const asked = new Set<string>();
    const files = readdirSync(SOURCE_DIR, { recursive: true, encoding: "utf8" }).filter((name) =>
      name.endsWith(".ts"),
    );
    for (const file of files) {
      const code = readFileSync(new URL(file, SOURCE_DIR), "utf8");
      for (const m of code.matchAll(/\b(?:t|translate)\((?:\s*\w+,)?\s*"([a-z][a-z0-9-]*)"/g)) {
        asked.add(m[1] ?? "");
      }
      for (const m of code.matchAll(/"(status-[a-z-]+)"/g)) asked.add(m[1] ?? "");
    }
    const statuses: Record<OrderStatus, true> = {
      pending: true,
      paid: true,
      fulfilled: true,
      expired: true,
      refunded: true,
    };
    for (const method of PAYMENT_METHODS) asked.add(`method-${method}`);
    for (const command of COMMANDS) asked.add(`command-${command}`);
    for (const status of Object.keys(statuses)) asked.add(`order-status-${status}`);

    // Sanity: the scan found the texts sent from each feature.
    expect(asked).toContain("pay-ton");
    expect(asked).toContain("receipt");
    expect(asked).toContain("status-mismatch");
    for (const locale of locales) {
      const missing = [...asked].filter((key) => !locale.bundle.hasMessage(key));
      expect(missing, locale.code).toEqual([]);
    }
  });
});

describe("counts in the admins' texts", () => {
  const i18n = createI18n();
  const pending = (locale: string, orders: number) =>
    i18n.t(locale, "admin-pending-line", { amount: "1 GRAM", orders });

  it("take the plural form each language needs: one, few and many in Russian", () => {
    expect([1, 2, 5, 21].map((n) => pending("en", n))).toEqual([
      "Pending orders would add 1 GRAM (1 order)",
      "Pending orders would add 1 GRAM (2 orders)",
      "Pending orders would add 1 GRAM (5 orders)",
      "Pending orders would add 1 GRAM (21 orders)",
    ]);
    expect([1, 3, 5, 21, 111].map((n) => /\(([^)]*)\)$/.exec(pending("ru", n))?.[1])).toEqual([
      "1 заказ",
      "3 заказа",
      "5 заказов",
      "21 заказ",
      "111 заказов",
    ]);
    // Chinese counts with a measure word and has one form.
    expect(pending("zh", 1)).toContain("（1 个订单）");
    const sales = (locale: string, created: number) =>
      i18n.t(locale, "admin-sales-period", {
        period: "Today",
        created,
        paid: 1,
        conversion: 100,
        revenue: "1 GRAM",
      });
    expect(sales("en", 1)).toContain(": 1 order, 1 paid");
    expect(sales("ru", 4)).toContain(": 4 заказа, оплачено: 1");
    const daily = (locale: string, created: number) =>
      i18n.t(locale, "notice-daily", {
        created,
        paid: 0,
        conversion: 0,
        revenue: "—",
        exceptions: 0,
      });
    expect(daily("en", 1)).toContain("\n1 order, 0 paid");
    expect(daily("ru", 11)).toContain("\n11 заказов, оплачено: 0");
    const health = (locale: string, errors: number, depth: number) => [
      i18n.t(locale, "admin-health-watcher", {
        watcher: i18n.t(locale, "admin-health-watcher-merchant"),
        leader: "a",
        poll: "1s",
        lag: "1s",
        errors,
        total: 1,
      }),
      i18n.t(locale, "admin-health-queue", { depth, oldest: "1s", dead: 0 }),
    ];
    expect(health("en", 1, 1)).toEqual([
      expect.stringContaining("1 failed poll in the last hour"),
      expect.stringContaining("Fulfilment: 1 job waiting"),
    ]);
    expect(health("ru", 2, 5)).toEqual([
      expect.stringContaining("за час 2 неудачных опроса"),
      expect.stringContaining("в очереди 5 заданий"),
    ]);
    const usdtWatcher = (locale: string) =>
      i18n.t(locale, "admin-health-watcher", {
        watcher: i18n.t(locale, "admin-health-watcher-usdt"),
        leader: "a",
        poll: "1s",
        lag: "1s",
        errors: 0,
        total: 0,
      });
    expect(usdtWatcher("en")).toMatch(/^USDT watcher \(our jetton wallet\): leader a/);
    expect(usdtWatcher("ru")).toMatch(/^Отслеживание USDT \(наш джеттон-кошелёк\): лидер a/);
    expect(usdtWatcher("zh")).toMatch(/^USDT 监听（我们的 jetton 钱包）：主节点 a/);
  });

  it("show user ids as given, with no thousands separators", () => {
    for (const locale of LOCALES) {
      expect(i18n.t(locale, "notice-buyer-id", { userId: "1234567890" })).toContain("1234567890");
      expect(i18n.t(locale, "unmatched-sender-telegram", { userId: "1234567890" })).toContain(
        "1234567890",
      );
    }
  });
});

describe("Telegram's length limits", () => {
  const i18n = createI18n();

  it("keep every command description within 1-256 characters", () => {
    for (const locale of LOCALES) {
      for (const command of COMMANDS) {
        const description = i18n.t(locale, `command-${command}`);
        expect(description.length, `${locale} ${command}`).toBeGreaterThan(0);
        expect(description.length, `${locale} ${command}`).toBeLessThanOrEqual(256);
      }
    }
  });

  it("keep every alert shown by a button within 200 characters", () => {
    const base: Order = pendingTonOrder({ quantity: 5, amount: 16_250_000_001n });
    const orders: Order[] = [
      base,
      { ...base, paid: 8_123_456_789n },
      { ...base, status: "paid", paid: base.amount },
      { ...base, status: "paid", paid: base.amount, held: true },
      { ...base, status: "fulfilled", paid: base.amount },
      { ...base, status: "expired" },
      { ...base, status: "expired", paid: 8_123_456_789n, exceptions: ["underpaid"] },
      { ...base, status: "refunded", paid: base.amount },
    ];
    for (const locale of LOCALES) {
      const t = (key: string, variables?: Record<string, string | number>) =>
        i18n.t(locale, key, variables);
      const alerts = [
        ...orders.map((order) => orderStatusText(order, t, outstanding(order))),
        t("error-forged"),
        t("error-not-your-order"),
        t("pay-method-unavailable"),
        t("product-not-found"),
      ];
      for (const alert of alerts) {
        // pay-ton.ts strips tags before answering the callback query.
        const shown = alert.replace(/<[^>]+>/g, "");
        expect(shown.length, `${locale}: ${shown}`).toBeLessThanOrEqual(200);
      }
    }
  });
});
