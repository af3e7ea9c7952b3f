import { randomBytes } from "node:crypto";

/** Crockford base32: no I, L, O or U, so a buyer can read and type it. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const PREFIX = "TP-";
const LENGTH = 8;

/** Random Crockford base32 text of `length` characters from a CSPRNG (5 bits each). */
export function randomCode(length: number): string {
  const bytes = randomBytes(length);
  let code = "";
  for (const byte of bytes) code += ALPHABET[byte & 31];
  return code;
}

/** A fresh payment comment: "TP-" + 8 characters, 40 random bits. */
export function newComment(): string {
  return PREFIX + randomCode(LENGTH);
}

/**
 * Reads what a buyer typed or a wallet sent back into a canonical comment, or undefined when it
 * cannot be one. Trims, upper-cases, drops inner spaces and hyphens, and maps Crockford
 * look-alikes (O→0, I/L→1), so " tp-7k3m 9q2d" and "TP7K3M9Q2D" both match "TP-7K3M9Q2D".
 */
export function normalizeComment(text: string): string | undefined {
  const compact = text.trim().toUpperCase().replace(/[\s-]/g, "");
  if (!compact.startsWith("TP")) return undefined;
  const code = compact.slice(2).replace(/O/g, "0").replace(/[IL]/g, "1");
  if (code.length !== LENGTH) return undefined;
  for (const char of code) if (!ALPHABET.includes(char)) return undefined;
  return PREFIX + code;
}
