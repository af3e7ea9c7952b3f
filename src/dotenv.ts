import { existsSync } from "node:fs";

/**
 * Reads `.env` from the working directory into process.env, if there is one. Variables already
 * set in the environment win, so `BOT_TOKEN=… npm start` overrides the file.
 */
export function loadDotEnv(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
