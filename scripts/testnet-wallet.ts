/**
 * `npm run testnet-wallet`: makes a new testnet wallet (W5 with testnet's network id) and prints
 * its address, its 24 words, the .env lines and how to fund and deploy it. Nothing is stored.
 */
import { newTestnetWallet, newWalletInstructions } from "../src/ops/wallet.js";

process.stdout.write(`${newWalletInstructions(await newTestnetWallet())}\n`);
