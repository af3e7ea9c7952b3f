import { badRequest } from "./errors.js";
import type { Params } from "./request.js";

/*
 * Readers for Bot API parameters. Over multipart and urlencoded every value is a string and
 * nested objects are JSON text, so each reader accepts both forms, as Telegram does.
 */

export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw badRequest(`field "${name}" must be a string`);
}

export function requiredString(params: Params, name: string, emptyReason?: string): string {
  const value = optionalString(params, name);
  if (value === undefined || value === "") {
    throw badRequest(emptyReason ?? `parameter "${name}" is required`);
  }
  return value;
}

export function optionalInt(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  const number = typeof value === "string" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isSafeInteger(number)) {
    throw badRequest(`field "${name}" must be an integer`);
  }
  return number;
}

export function requiredInt(params: Params, name: string, missingReason?: string): number {
  const value = optionalInt(params, name);
  if (value === undefined) throw badRequest(missingReason ?? `parameter "${name}" is required`);
  return value;
}

/**
 * A number as the Bot API server reads most of its integer parameters (td::to_integer): an
 * optional minus and the leading digits, whatever follows them ignored, no digits at all read as
 * 0, wrapping like a C++ integer of `bits` bits. Such a parameter is never refused, only clamped.
 */
export function tdInteger(params: Params, name: string, bits: 32 | 64): bigint | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text === "") return undefined;
  const modulus = 1n << BigInt(bits);
  const max = (modulus >> 1n) - 1n;
  const negative = text.startsWith("-");
  let magnitude = 0n;
  for (const char of text.slice(negative ? 1 : 0)) {
    if (char < "0" || char > "9") break;
    magnitude = (magnitude * 10n + BigInt(char)) % modulus;
  }
  if (magnitude <= max) return negative ? -magnitude : magnitude;
  // Past the signed range the bits read as the opposite sign, as in td::to_integer.
  const flipped = modulus - magnitude;
  if (flipped > max) return -(max + 1n);
  return negative ? flipped : -flipped;
}

/** A 32-bit integer parameter read as get_integer_arg reads it: default when empty, then clamped. */
export function clampedInt(
  params: Params,
  name: string,
  defaultValue: number,
  min: number,
  max: number,
): number {
  const value = Number(tdInteger(params, name, 32) ?? BigInt(defaultValue));
  return Math.min(Math.max(value, min), max);
}

export function optionalBool(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "1" || value === 1) return true;
  if (value === "false" || value === "0" || value === 0) return false;
  throw badRequest(`field "${name}" must be a Boolean`);
}

/** A chat id as a number, or an `@username` string. */
export function chatIdParam(params: Params, name = "chat_id"): number | string {
  const value = params[name];
  if (value === undefined || value === null || value === "") throw badRequest(`${name} is empty`);
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string") {
    if (/^-?\d+$/.test(value)) return Number(value);
    if (value.startsWith("@")) return value;
  }
  throw badRequest("chat not found");
}

/**
 * A JSON object or array parameter, decoded from text when it came as a string; `what` names it
 * in the error as Telegram does ("can't parse shipping options JSON object").
 */
export function optionalJson(params: Params, name: string, what = name): unknown {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw badRequest(`can't parse ${what} JSON object`);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function optionalObject(params: Params, name: string): Record<string, unknown> | undefined {
  const value = optionalJson(params, name);
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw badRequest(`field "${name}" must be an object`);
  return value;
}

export function optionalArray(params: Params, name: string): unknown[] | undefined {
  const value = optionalJson(params, name);
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw badRequest(`field "${name}" must be an Array`);
  return value;
}

/**
 * The server's to_bool (telegram-bot-api Client::to_bool): "true", "yes" or "1" in any case,
 * spaces around; anything else is false.
 */
export function tdBool(params: Params, name: string): boolean {
  const value = params[name];
  if (value === true) return true;
  if (value === undefined || value === null || value === false) return false;
  return ["true", "yes", "1"].includes(String(value).trim().toLowerCase());
}
