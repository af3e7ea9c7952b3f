import { setTimeout as delay } from "node:timers/promises";
import {
  startTelegramEmulator,
  type TelegramEmulator,
  type TelegramEmulatorOptions,
} from "@ton-payment-bot/emulators/telegram";
import { Api, Bot } from "grammy";
import { afterEach } from "vitest";

/* What the emulator's tests share: an emulator with grammY's client, and a polling bot. */

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `cleanup` after the test, the last registered first. */
export function onCleanup(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

export async function startEmulator(options?: TelegramEmulatorOptions) {
  const emulator = await startTelegramEmulator(options);
  cleanups.push(() => emulator.close());
  return { emulator, api: new Api(emulator.token, { apiRoot: emulator.apiRoot }) };
}

/** A grammY bot long-polling the emulator, stopped after the test. */
export async function startPollingBot(emulator: TelegramEmulator, install: (bot: Bot) => void) {
  const bot = new Bot(emulator.token, {
    botInfo: emulator.bot,
    client: { apiRoot: emulator.apiRoot },
  });
  install(bot);
  await new Promise<void>((resolve, reject) => {
    bot.start({ onStart: () => resolve() }).catch(reject);
  });
  cleanups.push(async () => {
    if (bot.isRunning()) await bot.stop();
  });
  return bot;
}

/** Synchronisation only: waits for something another party does, failing after a while. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

export function defined<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} is missing`);
  return value;
}
