import { type Logger, pino } from "pino";

export type { Logger };

/** Paths pino blanks out wherever they appear in a log object. */
export const REDACTED_PATHS = [
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

// A bot token inside a URL or message (https://api.telegram.org/bot123:ABC/getMe) is masked too.
const BOT_TOKEN_IN_TEXT = /\b(bot)?\d{5,}:[A-Za-z0-9_-]{30,}\b/g;

export function maskSecrets(text: string): string {
  return text.replace(
    BOT_TOKEN_IN_TEXT,
    (_match, bot: string | undefined) => `${bot ?? ""}<redacted>`,
  );
}

export interface LoggerOptions {
  level?: string;
  /** Where lines go; standard output when omitted. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? "info",
      redact: { paths: REDACTED_PATHS, censor: "<redacted>" },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((arg) => (typeof arg === "string" ? maskSecrets(arg) : arg));
          method.apply(this, masked as Parameters<typeof method>);
        },
      },
      serializers: {
        err: (error: unknown) => {
          const serialized = pino.stdSerializers.err(error as Error);
          if (serialized.message) serialized.message = maskSecrets(serialized.message);
          if (serialized.stack) serialized.stack = maskSecrets(serialized.stack);
          return serialized;
        },
      },
    },
    options.destination ?? process.stdout,
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
