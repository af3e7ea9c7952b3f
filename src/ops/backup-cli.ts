/**
 * `npm run backup -- <file> [--sessions]` and `npm run restore -- <file> [--force]`, against the
 * Redis and REDIS_PREFIX that `npm start` would use. Each prints what it did in a line or two and
 * answers with its exit code; a mistake gets one line and changes nothing.
 */
import { parseArgs } from "node:util";
import { type Config, ConfigError, loadConfig } from "../config.js";
import { errorSummary, maskSecrets } from "../log.js";
import { redisWhere } from "../redis/connection.js";
import {
  BackupFileError,
  BackupWriteError,
  type CheckedBackup,
  checkBackup,
  formatCounts,
  RestoreInterruptedError,
  restoreBackup,
  SlotsMovingError,
  TargetNotEmptyError,
  writeBackup,
} from "./backup.js";
import { connectOnce } from "./redis-probe.js";

export interface CommandIo {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
  /**
   * Aborted on Ctrl-C or SIGTERM: a backup stops and leaves no file behind, a restore stops
   * between batches and says how far it got.
   */
  signal?: AbortSignal;
}

const TIMEOUT_MS = 30_000;

const keyCount = (n: number) => `${n} key${n === 1 ? "" : "s"}`;

function argsOf(argv: string[], flag: "sessions" | "force") {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { [flag]: { type: "boolean", default: false } },
      allowPositionals: true,
    });
    if (positionals.length !== 1) return undefined;
    return { file: positionals[0] as string, flag: values[flag] === true };
  } catch {
    return undefined;
  }
}

async function connect(io: CommandIo) {
  let config: Config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`Configuration error: ${error.message}`);
      return undefined;
    }
    throw error;
  }
  const connected = await connectOnce(config, TIMEOUT_MS);
  if (!("redis" in connected)) {
    const { service, where, fix } = redisWhere(config);
    io.err(
      `${service} not reachable at ${where}: ${maskSecrets(errorSummary(connected.cause))} — ${fix}`,
    );
    return undefined;
  }
  return { redis: connected.redis, prefix: config.redisPrefix };
}

export async function backupCommand(argv: string[], io: CommandIo): Promise<number> {
  const args = argsOf(argv, "sessions");
  if (args === undefined) {
    io.err("usage: npm run backup -- <file> [--sessions]");
    return 2;
  }
  const connected = await connect(io);
  if (connected === undefined) return 1;
  const { redis, prefix } = connected;
  try {
    const backup = await writeBackup(redis, prefix, args.file, {
      sessions: args.flag,
      signal: io.signal,
    });
    io.out(
      `Backed up ${keyCount(backup.keys)} under ${prefix} to ${args.file}: ${formatCounts(backup.counts)}.`,
    );
    return 0;
  } catch (error) {
    if (io.signal?.aborted) {
      io.err(`Backup stopped; nothing was written to ${args.file}.`);
      return 130;
    }
    if (error instanceof BackupWriteError) {
      io.err(`Cannot write ${args.file} (${error.code})`);
      return 1;
    }
    if (error instanceof SlotsMovingError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  } finally {
    redis.disconnect();
  }
}

export async function restoreCommand(argv: string[], io: CommandIo): Promise<number> {
  const args = argsOf(argv, "force");
  if (args === undefined) {
    io.err("usage: npm run restore -- <file> [--force]");
    return 2;
  }
  let backup: CheckedBackup;
  try {
    backup = await checkBackup(args.file);
  } catch (error) {
    if (error instanceof BackupFileError) {
      io.err(`${args.file}: ${error.message}`);
      return 1;
    }
    if (isSystemError(error)) {
      io.err(`Cannot read ${args.file} (${error.code})`);
      return 1;
    }
    throw error;
  }
  const connected = await connect(io);
  if (connected === undefined) return 1;
  const { redis, prefix } = connected;
  try {
    const result = await restoreBackup(redis, backup, prefix, {
      force: args.flag,
      signal: io.signal,
    });
    const moved = backup.prefix === prefix ? "" : ` (taken under ${backup.prefix})`;
    const expired = result.expired > 0 ? `; ${result.expired} had expired since` : "";
    const removed =
      result.removed > 0 ? `; ${keyCount(result.removed)} not in the backup removed` : "";
    io.out(
      `Restored ${keyCount(result.restored)} under ${prefix}${moved} from the backup of ${backup.createdAt.toISOString()}: ${formatCounts(result.counts)}${expired}${removed}.`,
    );
    return 0;
  } catch (error) {
    if (
      error instanceof TargetNotEmptyError ||
      error instanceof RestoreInterruptedError ||
      error instanceof SlotsMovingError
    ) {
      io.err(maskSecrets(error.message));
      return 1;
    }
    if (error instanceof BackupFileError) {
      io.err(`${args.file}: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    redis.disconnect();
  }
}

/** An error the system gave on reading the file (ENOENT, EISDIR…): the file's, not the code's. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  return typeof code === "string" && typeof syscall === "string";
}

/** Runs `command` as `npm run <name>` does: the process's arguments, env and streams; its exit code. */
export function runFromShell(
  command: (argv: string[], io: CommandIo) => Promise<number>,
  failure: string,
): void {
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stop.abort());
  command(process.argv.slice(2), {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    signal: stop.signal,
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `${failure}: ${maskSecrets((error as Error).message ?? String(error))}\n`,
      );
      process.exit(1);
    },
  );
}
