import "./native-sha256.js";
import { decodeTransactions, type ObservedTransaction, type WalletRole } from "./observed.js";

/** One page of BOCs decoded on a worker thread, for a wallet in the given role. */
export default function decodePage(task: {
  bocs: string[];
  wallet: string;
  role: WalletRole;
}): ObservedTransaction[] {
  return decodeTransactions(task.bocs, task.wallet, task.role);
}
