import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { LogRecord } from "./log.js";

export interface ShopProcess {
  pid: number;
  /** Every JSON log line the process printed so far. */
  logs: LogRecord[];
  /** Everything the process wrote to standard error so far. */
  stderr(): string;
  /** Resolves with the first log line whose message contains `fragment`. */
  waitForLog(fragment: string, timeoutMs?: number): Promise<LogRecord>;
  /** Resolves when the process has exited, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * `npm start` in a child process of its own, as a merchant runs it: src/main.ts under node with
 * tsx's loader (no npm or tsx wrapper process in between, so a signal reaches the shop itself).
 */
export function startShopProcess(env: Record<string, string>): ShopProcess {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    // Info lines are what the test reads, whatever level the environment asks for.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: LogRecord[] = [];
  let stderr = "";
  const listeners = new Set<() => void>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    try {
      logs.push(JSON.parse(line) as LogRecord);
    } catch {
      return;
    }
    for (const listener of [...listeners]) listener();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      resolve({ code, signal });
      for (const listener of [...listeners]) listener();
    });
  });

  return {
    pid: child.pid ?? 0,
    logs,
    stderr: () => stderr,
    exited,
    kill: (signal) => {
      child.kill(signal);
    },
    waitForLog(fragment, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = logs.find((record) => record.msg.includes(fragment));
          if (found !== undefined) {
            finish();
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(new Error(`the shop exited before logging "${fragment}": ${stderr.trim()}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`the shop did not log "${fragment}" in time: ${stderr.trim()}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}
