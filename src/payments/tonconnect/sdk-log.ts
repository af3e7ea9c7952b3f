import type { Logger } from "../../log.js";

const PREFIX = "[TON_CONNECT_SDK]";
let routed = false;

/**
 * The TON Connect SDK writes to the console and takes no logger. Its lines (mostly expected
 * reconnects and lookups) go to our log at debug level instead; everything else is untouched.
 */
export function routeSdkConsole(log: Logger): void {
  if (routed) return;
  routed = true;
  for (const method of ["debug", "warn", "error"] as const) {
    const original = console[method].bind(console);
    console[method] = (...args: unknown[]) => {
      if (args[0] !== PREFIX) return original(...args);
      log.debug({ sdk: args.slice(1).map(String).join(" ").slice(0, 500) }, "TON Connect SDK");
    };
  }
}
