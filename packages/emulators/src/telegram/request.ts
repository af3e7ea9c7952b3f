import type { IncomingMessage } from "node:http";
import { readBody } from "../http.js";
import { BotApiError, badRequest } from "./errors.js";
import { parseMultipart, type UploadedFile } from "./multipart.js";

export type Params = Record<string, unknown>;

/** One Bot API call, whichever way its parameters arrived (query, JSON, urlencoded, multipart). */
export interface ApiCall {
  token: string;
  /** As written by the caller; Telegram matches method names case-insensitively. */
  method: string;
  params: Params;
  /** Uploaded files by part name (grammY refers to them as `attach://<name>`). */
  files: Map<string, UploadedFile>;
}

const MAX_BODY_BYTES = 50 * 1024 * 1024;

/** Parses `/bot<token>/<method>` and the parameters, or gives the error Telegram would. */
export async function readApiCall(request: IncomingMessage): Promise<ApiCall> {
  const url = new URL(request.url ?? "/", "http://localhost");
  const route = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)$/.exec(url.pathname);
  if (route === null) throw new BotApiError(404, "Not Found");
  const token = decodeURIComponent(route[1] ?? "");
  const method = route[2] ?? "";
  const params: Params = Object.fromEntries(url.searchParams);
  let files = new Map<string, UploadedFile>();

  const body = await readBody(
    request,
    MAX_BODY_BYTES,
    () => new BotApiError(413, "Request Entity Too Large"),
  );
  const type = request.headers["content-type"] ?? "";
  if (body.length > 0) {
    if (type.startsWith("application/json")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        throw badRequest("invalid JSON in request body");
      }
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        Object.assign(params, parsed);
      }
    } else if (type.startsWith("application/x-www-form-urlencoded")) {
      Object.assign(params, Object.fromEntries(new URLSearchParams(body.toString("utf8"))));
    } else if (type.startsWith("multipart/form-data")) {
      const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
      const value = boundary?.[1] ?? boundary?.[2];
      if (value === undefined) throw badRequest("multipart boundary is missing");
      const form = parseMultipart(body, value);
      Object.assign(params, form.fields);
      files = form.files;
    }
  }
  return { token, method, params, files };
}
