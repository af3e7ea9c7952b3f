/** `npm run backup -- <file> [--sessions]`: a gzip'd snapshot of the shop's data (src/ops/backup.ts). */
import { loadDotEnv } from "../src/dotenv.js";
import { maskSecrets } from "../src/log.js";
import { backupCommand } from "../src/ops/backup-cli.js";

loadDotEnv();

backupCommand(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `Backup failed: ${maskSecrets((error as Error).message ?? String(error))}\n`,
    );
    process.exit(1);
  },
);
