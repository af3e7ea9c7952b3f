/** `npm run restore -- <file> [--force]`: loads a backup into the configured Redis and prefix (src/ops/backup.ts). */
import { loadDotEnv } from "../src/dotenv.js";
import { restoreCommand, runFromShell } from "../src/ops/backup-cli.js";

loadDotEnv();
runFromShell(restoreCommand, "Restore failed");
