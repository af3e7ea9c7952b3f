import { type Logger, pino } from "pino";

export type { Logger };

/** Paths pino blanks out wherever they appear in a log object. */
const REDACTED_PATHS = [
  "token",
  "botToken",
  "apiKey",
  "secret",
  "mnemonic",
  "secretKey",
  "providerToken",
  "password",
  "authorization",
  "*.token",
  "*.botToken",
  "*.apiKey",
  "*.secret",
  "*.mnemonic",
  "*.secretKey",
  "*.providerToken",
  "*.password",
  "*.authorization",
  "headers.authorization",
  'headers["x-api-key"]',
  'headers["x-telegram-bot-api-secret-token"]',
  "config.botToken",
  "config.toncenterApiKey",
  "config.paymentProviderToken",
  "config.merchantWebhookSecret",
  "config.webhookSecret",
];

// A bot token wherever it appears: in a URL (https://api.telegram.org/bot123:ABC…/getMe, its
// colon escaped or not), in a message, or deep inside an error's causes.
const BOT_TOKEN_IN_TEXT = /(bot)?(?<![0-9])[0-9]{5,}(?::|%3A)[A-Za-z0-9_-]{30,}/gi;

export function maskSecrets(text: string): string {
  return text.replace(
    BOT_TOKEN_IN_TEXT,
    (_match, bot: string | undefined) => `${bot ?? ""}<redacted>`,
  );
}

/** Shorter values are too likely to occur in ordinary text to be masked wherever they appear. */
const MIN_MASKED_SECRET = 8;

/**
 * A line with every bot token and every known secret value masked. Applied to each finished line,
 * so it reaches what no path or serializer names: an error's `cause` chain, AggregateError's
 * errors, grammY's HttpError and the fetch error inside it, a field holding any of them.
 */
function lineMasker(secrets: readonly string[]): (line: string) => string {
  const values = secrets
    .filter((secret) => secret.length >= MIN_MASKED_SECRET)
    // As a JSON line carries it: quotes and backslashes escaped.
    .flatMap((secret) => [secret, JSON.stringify(secret).slice(1, -1)]);
  return (line) => {
    let masked = maskSecrets(line);
    for (const value of values) {
      if (masked.includes(value)) masked = masked.split(value).join("<redacted>");
    }
    return masked;
  };
}

export interface LoggerOptions {
  level?: string;
  /** Where lines go; standard output when omitted. */
  destination?: NodeJS.WritableStream;
  /** Values masked wherever they appear in a line: the configured tokens, keys and secrets. */
  secrets?: readonly (string | undefined)[];
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const target = options.destination ?? process.stdout;
  const mask = lineMasker(
    (options.secrets ?? []).filter((secret): secret is string => secret !== undefined),
  );
  return pino(
    {
      level: options.level ?? "info",
      redact: { paths: REDACTED_PATHS, censor: "<redacted>" },
    },
    { write: (line: string) => target.write(mask(line)) },
  );
}

/** A logger that drops everything; for tests and library defaults. */
export const silentLogger: Logger = pino({ level: "silent" });

/** The first line of an error's message, without its stack: what a person is shown. */
export function errorSummary(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return errorSummary(error.errors[0]);
  }
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.split("\n")[0] ?? text;
}
