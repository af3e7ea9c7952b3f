import { createApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { loadDotEnv } from "./dotenv.js";
import { createLogger } from "./log.js";

/** After SIGTERM, `docker stop` waits 10 s before it sends SIGKILL. */
const SHUTDOWN_BACKSTOP_MS = 9500;

/** `npm start`: the live payment engine with BOT_TOKEN, the offline sandbox without. */
async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  if (!config.botToken) {
    // Loaded only here: the sandbox brings the emulators, which a live shop has no use for.
    const { runWalkthrough } = await import("./sandbox/walkthrough.js");
    return (await runWalkthrough()) ? 0 : 1;
  }

  const log = createLogger({
    level: config.logLevel,
    secrets: [
      config.botToken,
      config.toncenterApiKey,
      config.paymentProviderToken,
      config.webhookSecret,
      config.merchantWebhookSecret,
      config.redisCluster?.password,
    ],
  });
  const app = await createApp(config, log);
  await app.start();
  log.info(
    {
      network: config.tonNetwork,
      merchant: config.merchantAddress?.toString(),
      mode: config.botMode,
    },
    "payment engine running: watcher, fulfilment and schedules",
  );
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info({ signal }, "shutting down");
      resolve();
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });
  // app.stop() bounds every step; this is the backstop for the 10 s a supervisor allows.
  setTimeout(() => {
    log.error("shutdown took too long; exiting anyway");
    process.exit(1);
  }, SHUTDOWN_BACKSTOP_MS).unref();
  await app.stop();
  log.info("stopped");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Fatal: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
