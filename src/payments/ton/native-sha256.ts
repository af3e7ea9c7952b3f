import { createHash } from "node:crypto";
import { createRequire } from "node:module";

/**
 * `@ton/core` hashes every cell it reads with `@ton/crypto`'s synchronous SHA-256, which is pure
 * JavaScript (jssha) so that it also runs in browsers. On Node the built-in one gives the same
 * digest for about a fifth less time per parsed transaction, which the watcher's catch-up feels.
 * Imported once for its effect.
 */
const require = createRequire(import.meta.url);
const primitives = require("@ton/crypto/dist/primitives/sha256.js") as {
  sha256_sync: (source: Buffer | string) => Buffer;
};

primitives.sha256_sync = (source) =>
  createHash("sha256")
    .update(typeof source === "string" ? Buffer.from(source, "utf-8") : source)
    .digest();
