/**
 * `npm run explain-tx -- <hash>`: why a transaction on the merchant wallet was (not) counted, and
 * which order it pays. `--boc`/`--file` explain transaction BOCs offline, with no configuration.
 * Exit 0 explained, 1 not found or not usable, 2 bad arguments.
 */
import { loadDotEnv } from "../src/dotenv.js";
import { maskSecrets } from "../src/log.js";
import {
  EXPLAIN_USAGE,
  explainOffline,
  explainOnline,
  type Output,
  parseExplainArgs,
} from "../src/ops/explain-tx/index.js";

const out: Output = {
  line: (text) => process.stdout.write(`${text}\n`),
  problem: (text) => process.stderr.write(`${text}\n`),
};

async function main(): Promise<number> {
  const args = parseExplainArgs(process.argv.slice(2));
  if (!args.ok) {
    out.problem(`${args.error}\n${EXPLAIN_USAGE}`);
    return 2;
  }
  if (args.mode === "offline") return explainOffline(args, out);
  loadDotEnv();
  return explainOnline(args, process.env, out);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    out.problem(maskSecrets((error as Error).message ?? String(error)));
    process.exit(1);
  },
);
