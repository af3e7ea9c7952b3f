import { Writable } from "node:stream";
import { freePort } from "@ton-payment-bot/emulators/redis";
import { Api, HttpError } from "grammy";
import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log.js";
import { capturedLog } from "./support/log.js";

// Shaped like a bot token (digits, colon, 30+ URL-safe characters) so the masks must find it;
// put together here so no token-shaped text sits in the source.
const TOKEN = ["123456789", "fake-token-for-log-tests-only-000000"].join(":");

/** A real grammY call to a Bot API root where nothing listens: the error fetch gives grammY. */
async function failedCall(): Promise<HttpError> {
  const api = new Api(TOKEN, { apiRoot: `http://127.0.0.1:${await freePort()}` });
  try {
    await api.getMe();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error("getMe succeeded against a closed port");
}

describe("log redaction of nested errors", () => {
  it("masks the token in grammY's HttpError and the fetch error it wraps, in any field", async () => {
    const { lines, records, log } = capturedLog();
    const error = await failedCall();
    // The precondition: the token is really there, one level down.
    expect(String((error.error as Error).message)).toContain(`/bot${TOKEN}/getMe`);

    log.error({ err: error }, "update failed");
    log.warn({ updateId: 7, failure: error }, "same error under another name");
    log.warn({ problem: { attempts: [error] } }, "and deeper still");

    const text = lines.join("");
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain("AAH-secret_part");
    // Still readable: which call failed, where it went, and why.
    const [first] = records();
    expect(JSON.stringify(first)).toContain("Network request for 'getMe' failed!");
    expect(JSON.stringify(first)).toContain("/bot<redacted>/getMe");
    expect(JSON.stringify(first)).toContain("ECONNREFUSED");
    expect(records()).toHaveLength(3);
  });

  it("masks the token along an error's cause chain, message and stack", () => {
    const { lines, records, log } = capturedLog();
    const root = new Error(`request to https://api.telegram.org/bot${TOKEN}/sendMessage failed`);
    const middle = new Error("sending the receipt failed", { cause: root });
    const top = new Error("delivering order ord_1 failed", { cause: middle });

    log.error({ err: top, orderId: "ord_1" }, "job failed");

    expect(lines.join("")).not.toContain(TOKEN);
    const record = records()[0];
    const err = record?.err as { message: string; stack: string };
    expect(record?.orderId).toBe("ord_1");
    expect(err.message).toContain("delivering order ord_1 failed");
    expect(err.message).toContain("sending the receipt failed");
    expect(err.message).toContain("https://api.telegram.org/bot<redacted>/sendMessage");
    expect(err.stack).toContain("caused by:");
  });

  it("masks the token in every error of an AggregateError", () => {
    const { lines, log } = capturedLog();
    const aggregate = new AggregateError(
      [
        new Error(`connect to /bot${TOKEN}/getUpdates refused`),
        new Error("timeout", { cause: new Error(`GET /bot${encodeURIComponent(TOKEN)}/getMe`) }),
      ],
      "every attempt failed",
    );
    log.error({ err: aggregate }, "polling stopped");

    const text = lines.join("");
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(encodeURIComponent(TOKEN));
    expect(text).toContain("every attempt failed");
    expect(text).toContain("connect to /bot<redacted>/getUpdates refused");
    expect(text).toContain("GET /bot<redacted>/getMe");
  });

  it("masks a token in the message text itself, and in a child logger's bindings", () => {
    const { lines, log } = capturedLog();
    log.child({ api: `https://api.telegram.org/bot${TOKEN}` }).info(`calling /bot${TOKEN}/getMe`);
    const text = lines.join("");
    expect(text).not.toContain(TOKEN);
    expect(text).toContain("calling /bot<redacted>/getMe");
  });

  it("masks the configured secret values wherever they appear, and nothing shorter", () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const apiKey = "3f1c9e0b7a4d2c6e8f1a3b5c7d9e0f21";
    const signing = 'merchant "signing" \\ secret';
    const log = createLogger({ destination, secrets: [apiKey, signing, "abc", undefined] });
    // As axios throws it: the request's settings ride along on the error.
    const axiosLike = Object.assign(new Error("Request failed with status code 500"), {
      config: { url: `https://toncenter.com/api/v2/jsonRPC?api_key=${apiKey}` },
    });
    log.error({ err: axiosLike, note: `signed with ${signing}` }, "abc stays readable");

    const text = lines.join("");
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain("signing");
    expect(text).toContain("api_key=<redacted>");
    expect(text).toContain("signed with <redacted>");
    expect(text).toContain("abc stays readable");
  });
});
