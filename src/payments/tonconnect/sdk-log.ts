import type { Logger } from "../../log.js";

const PREFIX = "[TON_CONNECT_SDK]";
let sink: Logger | undefined;

/**
 * The TON Connect SDK writes to the console and takes no logger. Its lines (mostly expected
 * reconnects and lookups) go to `log` at debug level instead; other console output is untouched.
 */
export function routeSdkConsole(log: Logger): void {
  const patched = sink !== undefined;
  sink = log;
  if (patched) return;
  for (const method of ["debug", "warn", "error"] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (args[0] !== PREFIX) return original(...args);
      sink?.debug({ sdk: args.slice(1).map(String).join(" ").slice(0, 500) }, "TON Connect SDK");
    };
  }
}
