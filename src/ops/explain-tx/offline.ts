/** Offline: BOCs given on the command line or in files, read with no configuration. */
import { readFile } from "node:fs/promises";
import { errorSummary } from "../../log.js";
import { unmatchedReason } from "../../payments/ton/classify.js";
import {
  type Explained,
  explainBoc,
  headerLines,
  incomingOf,
  NotATransaction,
  orderCodeOf,
  receivedLine,
  transactionJson,
  UNMATCHED,
} from "./explain.js";
import type { Output } from "./output.js";

export interface OfflineArgs {
  bocs: string[];
  files: string[];
  json: boolean;
  testnet: boolean;
}

/** Explains each BOC; 0 when every input was a transaction, 1 otherwise. Needs no configuration. */
export async function explainOffline(args: OfflineArgs, out: Output): Promise<number> {
  const inputs: { label: string; boc: string }[] = args.bocs.map((boc, i) => ({
    label: `boc ${i + 1}`,
    boc,
  }));
  for (const path of args.files) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      out.problem(
        `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? errorSummary(error)}`,
      );
      return 1;
    }
    text.split(/\r?\n/).forEach((line, i) => {
      if (line.trim() !== "") inputs.push({ label: `${path}:${i + 1}`, boc: line.trim() });
    });
  }
  if (inputs.length === 0) {
    out.problem("no transaction BOC given: the files hold only blank lines");
    return 1;
  }

  let failed = 0;
  for (const [i, input] of inputs.entries()) {
    let explained: Explained;
    try {
      explained = explainBoc(input.boc);
    } catch (error) {
      if (!(error instanceof NotATransaction)) throw error;
      failed++;
      const problem = `not a transaction BOC (${error.message})`;
      out.line(
        args.json
          ? JSON.stringify({ input: input.label, error: problem })
          : `✗ ${input.label}: ${problem}`,
      );
      continue;
    }
    if (args.json) {
      const incoming = incomingOf(explained);
      // Offline no order is looked up: how the watcher records it if none matches.
      const unmatched = incoming ? { unmatchedReason: unmatchedReason(incoming) } : {};
      out.line(JSON.stringify({ ...transactionJson(explained), ...unmatched }));
      continue;
    }
    if (i > 0) out.line("");
    for (const line of headerLines(explained, args.testnet)) out.line(line);
    out.line(receivedLine(explained));
    const incoming = incomingOf(explained);
    if (incoming) {
      const reason = unmatchedReason(incoming);
      const named = orderCodeOf(explained.comment);
      out.line(
        named
          ? `Order:    its comment is the order code ${named}; offline, orders are not looked up (run with the hash instead).`
          : `Order:    none can match: ${UNMATCHED[reason]}; the watcher records it for the admins as ${reason}.`,
      );
    }
  }
  return failed === 0 ? 0 : 1;
}
