/** `npm run restore -- <file> [--force]`: loads a backup into the configured Redis and prefix (src/ops/backup.ts). */
import { loadDotEnv } from "../src/dotenv.js";
import { maskSecrets } from "../src/log.js";
import { restoreCommand } from "../src/ops/backup-cli.js";

loadDotEnv();

restoreCommand(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `Restore failed: ${maskSecrets((error as Error).message ?? String(error))}\n`,
    );
    process.exit(1);
  },
);
