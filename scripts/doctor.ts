/**
 * `npm run doctor`: checks the setup `npm start` would use — config, bot token, toncenter and its
 * network, the merchant wallet, Redis, the catalog, our USDT wallet — one line each. Exit 0 when
 * all pass.
 */
import { loadDotEnv } from "../src/dotenv.js";
import { formatCheck, runDoctor } from "../src/ops/doctor.js";

loadDotEnv();

const results = await runDoctor({ env: process.env });
for (const result of results) process.stdout.write(`${formatCheck(result)}\n`);
process.exit(results.every((result) => result.ok) ? 0 : 1);
