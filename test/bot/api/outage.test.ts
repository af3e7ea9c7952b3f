import { freePort } from "@ton-payment-bot/emulators/redis";
import { startTelegramEmulator } from "@ton-payment-bot/emulators/telegram";
import { Api, GrammyError, HttpError } from "grammy";
import { afterEach, describe, expect, it } from "vitest";
import { followTelegram } from "../../../src/bot/api/outage.js";
import { ShopMetrics } from "../../../src/http/metrics.js";
import { silentLogger } from "../../../src/log.js";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe("following the Bot API", () => {
  it("counts Telegram's refusals by method and code, and calls that got no answer as network", async () => {
    const emulator = await startTelegramEmulator();
    cleanups.push(() => emulator.close());
    const metrics = new ShopMetrics({ defaultMetrics: false });

    const api = new Api(emulator.token, { apiRoot: emulator.apiRoot });
    api.config.use(followTelegram(silentLogger, metrics).transformer);
    await expect(api.sendMessage(999_999_999, "hello")).rejects.toBeInstanceOf(GrammyError);

    const away = new Api(emulator.token, { apiRoot: `http://127.0.0.1:${await freePort()}` });
    away.config.use(followTelegram(silentLogger, metrics).transformer);
    await expect(away.getMe()).rejects.toBeInstanceOf(HttpError);

    const { body } = await metrics.text();
    expect(body).toContain('tpb_telegram_api_errors_total{method="sendMessage",code="400"} 1');
    expect(body).toContain('tpb_telegram_api_errors_total{method="getMe",code="network"} 1');
    // No token in a label.
    expect(body).not.toContain(emulator.token);
  });
});
