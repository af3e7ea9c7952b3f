/** Where the person's words go, and how times and errors read in them. */

/** Where the person's words go. */
export interface Output {
  /** stdout: the answer. */
  line(text: string): void;
  /** stderr: why there is no answer. */
  problem(text: string): void;
}

/** "2026-11-23T10:27:05Z": a block time, seconds, as JSON carries it. */
export function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** "2026-11-23 10:27:05 UTC": a block time, seconds, as a person reads it. */
export function humanTime(seconds: number): string {
  return `${isoTime(seconds).replace("T", " ").replace("Z", "")} UTC`;
}
