import "./native-sha256.js";
import { decodeTransactions, type ObservedTransaction } from "./observed.js";

/** One page of BOCs decoded on a worker thread. */
export default function decodePage(task: {
  bocs: string[];
  merchant: string;
}): ObservedTransaction[] {
  return decodeTransactions(task.bocs, task.merchant);
}
