/**
 * `npm run pay -- <comment> <amount>`: a test buyer. Sends <amount> TON with the text comment to
 * MERCHANT_ADDRESS from the wallet whose 24 words are in WALLET_MNEMONIC, through the configured
 * toncenter. Testnet only. Exit 0 sent, 1 refused or failed, 2 bad arguments.
 */
import { formatUnits } from "../src/catalog/units.js";
import { ConfigError, loadConfig } from "../src/config.js";
import { loadDotEnv } from "../src/dotenv.js";
import { maskSecrets } from "../src/log.js";
import { chainInfo } from "../src/ops/network.js";
import { PAY_USAGE, parsePayArgs, refuseUnlessTestnet, sendPayment } from "../src/ops/pay.js";
import { connectToncenter } from "../src/ops/toncenter.js";

async function main(): Promise<number> {
  loadDotEnv();
  const args = parsePayArgs(process.argv.slice(2));
  if (!args.ok) {
    process.stderr.write(`${args.error}\n${PAY_USAGE}\n`);
    return 2;
  }
  const mnemonic = process.env.WALLET_MNEMONIC ?? "";
  if (mnemonic.trim() === "") {
    process.stderr.write(
      "WALLET_MNEMONIC is not set: put the paying wallet's 24 words in it (`npm run testnet-wallet` makes one).\n",
    );
    return 1;
  }
  const config = loadConfig();
  if (!config.merchantAddress) {
    process.stderr.write("MERCHANT_ADDRESS is not set: the payment has nowhere to go.\n");
    return 1;
  }
  const toncenter = connectToncenter({
    endpoint: config.toncenterEndpoint,
    apiKey: config.toncenterApiKey,
    rps: config.toncenterRps,
  });
  await refuseUnlessTestnet(
    config.tonNetwork,
    async () => (await chainInfo(toncenter.api)).network,
  );

  const to = config.merchantAddress.toString({ bounceable: false, testOnly: true });
  process.stdout.write(
    `Paying ${formatUnits(args.amount, 9)} TON to ${to} with comment "${args.comment}"…\n`,
  );
  const sent = await sendPayment({
    client: toncenter.client,
    mnemonic,
    to: config.merchantAddress,
    amount: args.amount,
    comment: args.comment,
  });
  const from = sent.from.toString({ bounceable: false, testOnly: true });
  process.stdout.write(`Sent from ${from} (${sent.walletLabel}) with seqno ${sent.seqno}.\n`);
  process.stdout.write(
    sent.confirmed
      ? "On chain: the watcher will see it on its next poll (POLL_INTERVAL_MS).\n"
      : "Not confirmed within a minute; it may still land. The watcher will see it once it does.\n",
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const known =
      error instanceof ConfigError ? `Configuration error: ${error.message}` : undefined;
    process.stderr.write(`${known ?? maskSecrets((error as Error).message ?? String(error))}\n`);
    process.exit(1);
  },
);
