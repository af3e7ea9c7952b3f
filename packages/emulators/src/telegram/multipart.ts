/** A file part of a multipart/form-data body. */
export interface UploadedFile {
  filename: string;
  bytes: Buffer;
}

export interface FormFields {
  fields: Record<string, string>;
  files: Map<string, UploadedFile>;
}

const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * Splits a multipart/form-data body. Hand-written because grammY writes part headers without
 * spaces (`content-disposition:form-data;name="x";filename=y.jpg`), which Node 20's
 * `Request.formData()` rejects although Telegram accepts it.
 */
export function parseMultipart(body: Buffer, boundary: string): FormFields {
  const fields: Record<string, string> = {};
  const files = new Map<string, UploadedFile>();
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const partStart = start + delimiter.length;
    if (body.subarray(partStart, partStart + 2).toString() === "--") break;
    const next = body.indexOf(delimiter, partStart);
    if (next < 0) break;
    // Each part sits between "\r\n" after the delimiter and "\r\n" before the next one.
    const part = body.subarray(partStart + 2, next - 2);
    const headerEnd = part.indexOf(HEADER_END);
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString("utf8");
      const content = part.subarray(headerEnd + HEADER_END.length);
      const name = dispositionValue(headers, "name");
      const filename = dispositionValue(headers, "filename");
      if (name !== undefined) {
        if (filename === undefined) fields[name] = content.toString("utf8");
        else files.set(name, { filename, bytes: Buffer.from(content) });
      }
    }
    start = next;
  }
  return { fields, files };
}

/** Reads `name="x"` or `name=x` from the content-disposition header line. */
function dispositionValue(headers: string, key: string): string | undefined {
  const line = headers.split("\r\n").find((h) => /^content-disposition\s*:/i.test(h));
  if (line === undefined) return undefined;
  const match = new RegExp(`;\\s*${key}=(?:"([^"]*)"|([^;\\s]*))`, "i").exec(line);
  if (match === null) return undefined;
  return match[1] ?? match[2];
}
