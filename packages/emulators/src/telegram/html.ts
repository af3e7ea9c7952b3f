import { badRequest } from "./errors.js";

/** Tags Telegram accepts with parse_mode HTML; anything else (even <br>) is an error. */
const SUPPORTED_TAGS = new Set([
  "b",
  "strong",
  "i",
  "em",
  "u",
  "ins",
  "s",
  "strike",
  "del",
  "span",
  "tg-spoiler",
  "a",
  "code",
  "pre",
  "blockquote",
  "tg-emoji",
]);

const NAMED_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"' };

/**
 * Turns parse_mode HTML text into the plain text Telegram stores, failing the way Telegram does
 * ("can't parse entities: …") on unsupported or unbalanced tags. Entities are not produced.
 */
export function htmlToPlainText(html: string): string {
  let plain = "";
  const open: string[] = [];
  let i = 0;
  const fail = (reason: string) =>
    badRequest(
      `can't parse entities: ${reason} at byte offset ${Buffer.byteLength(html.slice(0, i))}`,
    );
  while (i < html.length) {
    const char = html[i] as string;
    if (char === "<") {
      const tag = /^<(\/?)([^\s>/]*)[^>]*>/.exec(html.slice(i));
      const closing = tag?.[1] === "/";
      const name = (tag?.[2] ?? html.slice(i + 1).split(/[\s>]/)[0] ?? "").toLowerCase();
      if (tag === null || !SUPPORTED_TAGS.has(name)) {
        if (closing) throw fail("Unexpected end tag");
        throw fail(`Unsupported start tag "${name}"`);
      }
      if (closing) {
        if (open.pop() !== name) throw fail("Unexpected end tag");
      } else {
        open.push(name);
      }
      i += tag[0].length;
      continue;
    }
    if (char === "&") {
      const entity = /^&(#x[0-9a-f]+|#\d+|[a-z]+);/i.exec(html.slice(i));
      const decoded = entity === null ? undefined : decodeEntity(entity[1] ?? "");
      if (entity !== null && decoded !== undefined) {
        plain += decoded;
        i += entity[0].length;
        continue;
      }
    }
    plain += char;
    i++;
  }
  const unclosed = open.at(-1);
  if (unclosed !== undefined) {
    throw badRequest(
      `can't parse entities: Can't find end tag corresponding to start tag "${unclosed}"`,
    );
  }
  return plain;
}

function decodeEntity(body: string): string | undefined {
  if (body.startsWith("#x") || body.startsWith("#X")) {
    return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
  }
  if (body.startsWith("#")) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
  return NAMED_ENTITIES[body.toLowerCase()];
}

/** The stored text for `text` under `parseMode`; only HTML is checked and rendered to plain. */
export function renderText(text: string, parseMode: string | undefined): string {
  if (parseMode === undefined || parseMode === "") return text;
  if (parseMode.toLowerCase() === "html") return htmlToPlainText(text);
  if (parseMode === "MarkdownV2" || parseMode === "Markdown") return text;
  throw badRequest("unsupported parse_mode");
}
