import { Writable } from "node:stream";
import { createLogger } from "../../src/log.js";

export interface LogRecord {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A real logger whose JSON lines are kept for the test to read. */
export function capturedLog() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return {
    lines,
    records: () => lines.map((line) => JSON.parse(line) as LogRecord),
    log: createLogger({ level: "info", destination }),
  };
}
