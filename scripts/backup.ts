/** `npm run backup -- <file> [--sessions]`: a gzip'd snapshot of the shop's data (src/ops/backup.ts). */
import { loadDotEnv } from "../src/dotenv.js";
import { backupCommand, runFromShell } from "../src/ops/backup-cli.js";

loadDotEnv();
runFromShell(backupCommand, "Backup failed");
