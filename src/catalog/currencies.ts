/**
 * The fiat currencies Telegram Payments accepts, with Telegram's own exponent for each: invoice
 * amounts are counted in these minor units. Telegram follows ISO 4217 where Node's Intl follows
 * CLDR, so they disagree (HUF, IDR, COP, PKR…: Intl says 0 decimals, Telegram 2).
 *
 * Source: https://core.telegram.org/bots/payments/currencies.json, from the 2021 snapshot kept in
 * MarshalX/telegram-crawler. Every exponent agrees with Telegram Desktop's currency rules
 * (ui/text/format_values.cpp) and with other copies of the file (bot4s 2017, telebot, RaySmith tg-bot).
 * BYN and ETB were added to Telegram's list later; no source at hand gives their exponent, so they
 * are left out rather than guessed.
 *
 * `min` and `max` are that snapshot's invoice limits in minor units (about US$1 and US$10,000).
 * Telegram moves them with exchange rates: a hint for messages, not a reason to refuse an order.
 */

export interface TelegramCurrency {
  /** Digits after the point in the minor unit: 2 for USD (cents), 0 for JPY. */
  exp: number;
  /** Smallest invoice total Telegram accepted when the table was copied, in minor units. */
  min?: bigint;
  /** Largest invoice total Telegram accepted when the table was copied, in minor units. */
  max?: bigint;
}

const TABLE: Record<string, TelegramCurrency> = {
  AED: { exp: 2, min: 367n, max: 3673004n },
  AFN: { exp: 2, min: 7740n, max: 77401257n },
  ALL: { exp: 2, min: 10212n, max: 102122164n },
  AMD: { exp: 2, min: 52243n, max: 522432727n },
  ARS: { exp: 2, min: 9326n, max: 93267702n },
  AUD: { exp: 2, min: 128n, max: 1284140n },
  AZN: { exp: 2, min: 169n, max: 1698999n },
  BAM: { exp: 2, min: 161n, max: 1619125n },
  BDT: { exp: 2, min: 8488n, max: 84884163n },
  BGN: { exp: 2, min: 162n, max: 1620202n },
  BND: { exp: 2, min: 132n, max: 1326964n },
  BOB: { exp: 2, min: 690n, max: 6902218n },
  BRL: { exp: 2, min: 543n, max: 5436705n },
  CAD: { exp: 2, min: 124n, max: 1240495n },
  CHF: { exp: 2, min: 91n, max: 915598n },
  CLP: { exp: 0, min: 705n, max: 7050978n },
  CNY: { exp: 2, min: 648n, max: 6489198n },
  COP: { exp: 2, min: 369501n, max: 3695010000n },
  CRC: { exp: 2, min: 61513n, max: 615135623n },
  CZK: { exp: 2, min: 2141n, max: 21415501n },
  DKK: { exp: 2, min: 615n, max: 6158901n },
  DOP: { exp: 2, min: 5678n, max: 56789837n },
  DZD: { exp: 2, min: 13326n, max: 133265960n },
  EGP: { exp: 2, min: 1568n, max: 15688903n },
  EUR: { exp: 2, min: 82n, max: 828275n },
  GBP: { exp: 2, min: 72n, max: 720251n },
  GEL: { exp: 2, min: 345n, max: 3450031n },
  GTQ: { exp: 2, min: 772n, max: 7724607n },
  HKD: { exp: 2, min: 776n, max: 7760905n },
  HNL: { exp: 2, min: 2405n, max: 24059870n },
  HRK: { exp: 2, min: 626n, max: 6266701n },
  HUF: { exp: 2, min: 30119n, max: 301193011n },
  IDR: { exp: 2, min: 1450170n, max: 14501700000n },
  ILS: { exp: 2, min: 323n, max: 3237740n },
  INR: { exp: 2, min: 7478n, max: 74787504n },
  ISK: { exp: 0, min: 124n, max: 1242795n },
  JMD: { exp: 2, min: 15219n, max: 152194843n },
  JPY: { exp: 0, min: 108n, max: 1083590n },
  KES: { exp: 2, min: 10820n, max: 108209446n },
  KGS: { exp: 2, min: 8480n, max: 84801128n },
  KRW: { exp: 0, min: 1112n, max: 11126901n },
  KZT: { exp: 2, min: 43084n, max: 430848576n },
  LBP: { exp: 2, min: 151378n, max: 1513785582n },
  LKR: { exp: 2, min: 19470n, max: 194701337n },
  MAD: { exp: 2, min: 890n, max: 8905017n },
  MDL: { exp: 2, min: 1790n, max: 17908697n },
  MNT: { exp: 2, min: 285065n, max: 2850652384n },
  MUR: { exp: 2, min: 4039n, max: 40390506n },
  MVR: { exp: 2, min: 1548n, max: 15484964n },
  MXN: { exp: 2, min: 1989n, max: 19894598n },
  MYR: { exp: 2, min: 409n, max: 4099001n },
  MZN: { exp: 2, min: 5563n, max: 55639934n },
  NGN: { exp: 2, min: 38100n, max: 381000018n },
  NIO: { exp: 2, min: 3493n, max: 34937021n },
  NOK: { exp: 2, min: 829n, max: 8298875n },
  NPR: { exp: 2, min: 11970n, max: 119700814n },
  NZD: { exp: 2, min: 138n, max: 1384945n },
  PAB: { exp: 2, min: 100n, max: 1001039n },
  PEN: { exp: 2, min: 379n, max: 3792474n },
  PHP: { exp: 2, min: 4838n, max: 48386502n },
  PKR: { exp: 2, min: 15408n, max: 154084266n },
  PLN: { exp: 2, min: 377n, max: 3777050n },
  PYG: { exp: 0, min: 6508n, max: 65083011n },
  QAR: { exp: 2, min: 364n, max: 3641015n },
  RON: { exp: 2, min: 407n, max: 4078404n },
  RSD: { exp: 2, min: 9735n, max: 97359565n },
  RUB: { exp: 2, min: 7497n, max: 74977502n },
  SAR: { exp: 2, min: 374n, max: 3749759n },
  SEK: { exp: 2, min: 838n, max: 8387034n },
  SGD: { exp: 2, min: 132n, max: 1326903n },
  THB: { exp: 2, min: 3148n, max: 31481504n },
  TJS: { exp: 2, min: 1141n, max: 11417088n },
  TRY: { exp: 2, min: 828n, max: 8287801n },
  TTD: { exp: 2, min: 680n, max: 6801356n },
  TWD: { exp: 2, min: 2788n, max: 27888496n },
  TZS: { exp: 2, min: 232143n, max: 2321439015n },
  UAH: { exp: 2, min: 2787n, max: 27879415n },
  UGX: { exp: 0, min: 3603n, max: 36038064n },
  USD: { exp: 2, min: 100n, max: 1000000n },
  UYU: { exp: 2, min: 4414n, max: 44141448n },
  UZS: { exp: 2, min: 1055927n, max: 10559272152n },
  VND: { exp: 0, min: 23066n, max: 230664475n },
  YER: { exp: 2, min: 25035n, max: 250350004n },
  ZAR: { exp: 2, min: 1428n, max: 14287202n },
};

// A Map, so that "constructor" or "__proto__" is never taken for a currency.
export const TELEGRAM_CURRENCIES: ReadonlyMap<string, Readonly<TelegramCurrency>> = new Map(
  Object.entries(TABLE).map(([code, currency]) => [code, Object.freeze(currency)]),
);

/** Telegram's entry for an ISO 4217 code such as "USD"; undefined if Telegram does not take it. */
export function telegramCurrency(code: string): Readonly<TelegramCurrency> | undefined {
  return TELEGRAM_CURRENCIES.get(code);
}

export function isTelegramCurrency(code: string): boolean {
  return TELEGRAM_CURRENCIES.has(code);
}
