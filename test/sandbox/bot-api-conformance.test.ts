import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { BotApiExchange } from "@ton-payment-bot/emulators/telegram";
import { Ajv, type ValidateFunction } from "ajv";
import * as TJS from "typescript-json-schema";
import { beforeAll, describe, expect, it } from "vitest";
import { runWalkthrough } from "../../src/sandbox/walkthrough.js";

type Schema = TJS.Definition;

/** JSON schemas of the Bot API, generated from @grammyjs/types by typescript-json-schema. */
function botApiSchemas(): { params: Schema; results: Schema; error: Schema } {
  const file = fileURLToPath(new URL("./bot-api-types.ts", import.meta.url));
  const program = TJS.getProgramFromFiles([file], {
    strict: true,
    skipLibCheck: true,
    module: 99, // NodeNext
    moduleResolution: 99,
    target: 9, // ES2022
  });
  // Objects are closed afterwards: the generator's own noExtraProps drops named members of an
  // intersection (Message in `Update.Edited & Message`).
  const generator = TJS.buildGenerator(program, {
    required: true,
    strictNullChecks: true,
    ignoreErrors: true,
  });
  if (generator === null) throw new Error("could not read bot-api-types.ts");
  return {
    params: closedSchema(generator.getSchemaForSymbol("BotApiParams")),
    results: closedSchema(generator.getSchemaForSymbol("BotApiResults")),
    error: closedSchema(generator.getSchemaForSymbol("BotApiError")),
  };
}

/**
 * typescript-json-schema writes a TypeScript intersection (`Message & { edit_date: number }`) as
 * allOf, which cannot be closed to unknown fields member by member. Rewrites each allOf as
 * TypeScript reads it, one object per combination of the members' union branches with their
 * properties and required fields put together, then closes every object to fields it does not name.
 */
function closedSchema(root: Schema): Schema {
  const definitions = (root.definitions ?? {}) as Record<string, Schema>;
  const resolve = (node: Schema): Schema => {
    const name = node.$ref?.replace("#/definitions/", "");
    return name === undefined ? node : resolve(definitions[decodeURIComponent(name)] ?? {});
  };
  const branches = (node: Schema): Schema[] => {
    const plain = resolve(node);
    if (plain.anyOf) return plain.anyOf.flatMap((branch) => branches(branch as Schema));
    if (plain.allOf) {
      return plain.allOf
        .map((member) => branches(member as Schema))
        .reduce<Schema[]>(
          (combined, options) =>
            combined.flatMap((left) => options.map((right) => join(left, right))),
          [{}],
        );
    }
    return [plain];
  };
  const join = (left: Schema, right: Schema): Schema => ({
    ...left,
    ...right,
    properties: { ...left.properties, ...right.properties },
    required: [...new Set([...(left.required ?? []), ...(right.required ?? [])])],
  });
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (typeof node !== "object" || node === null) return node;
    const schema = node as Schema;
    if (schema.allOf) {
      const options = branches(schema).map((branch) => rewrite(branch) as Schema);
      return options.length === 1 ? options[0] : { anyOf: options };
    }
    const rewritten = Object.fromEntries(
      Object.entries(schema).map(([key, value]) => [key, rewrite(value)]),
    ) as Schema;
    // What the types do not name, the API does not send.
    if (rewritten.properties && rewritten.additionalProperties === undefined) {
      rewritten.additionalProperties = false;
    }
    return rewritten;
  };
  return rewrite(root) as Schema;
}

/**
 * Multipart fields arrive as strings; Telegram reads objects in them as JSON and numbers and
 * booleans as text, so the checker does the same before comparing them with the types.
 */
function decodedFormFields(params: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => {
      if (typeof value === "string" && /^[[{]/.test(value)) return [name, JSON.parse(value)];
      return [name, value];
    }),
  );
}

/** Validators for each method's parameters and result, compiled on first use. */
class BotApiChecker {
  private readonly strict = new Ajv({ allErrors: true, strict: false });
  // Multipart fields are text: "5" stands for 5 and "true" for true, as Telegram reads them.
  private readonly lenient = new Ajv({ allErrors: true, strict: false, coerceTypes: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly schemas: ReturnType<typeof botApiSchemas>) {}

  /** What is wrong with a request's parameters, or [] when the method takes them. */
  request(method: string, params: Record<string, unknown>, form = false): string[] {
    const schema = this.schemas.params.properties?.[method] as Schema | undefined;
    const ajv = form ? this.lenient : this.strict;
    const value = form ? decodedFormFields(params) : params;
    return this.problems(
      `${method} params${form ? " (form)" : ""}`,
      schema,
      this.schemas.params,
      ajv,
      value,
    );
  }

  /** What is wrong with a method's result, or []. */
  result(method: string, result: unknown): string[] {
    const schema = this.schemas.results.properties?.[method] as Schema | undefined;
    return this.problems(`${method} result`, schema, this.schemas.results, this.strict, result);
  }

  /** What is wrong with an error answer, or []. */
  error(answer: unknown): string[] {
    return this.problems("error", this.schemas.error, this.schemas.error, this.strict, answer);
  }

  private problems(
    key: string,
    schema: Schema | undefined,
    root: Schema,
    ajv: Ajv,
    value: unknown,
  ): string[] {
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      if (schema === undefined) return [`${key}: the Bot API has no such method`];
      validate = ajv.compile({ ...schema, definitions: root.definitions });
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    // A union's failure lists every branch's complaint; each distinct one once is enough.
    const complaints = new Set(
      (validate.errors ?? []).map((error) => {
        const extra = error.params.additionalProperty as string | undefined;
        return `${error.instancePath || "/"} ${error.message}${extra ? `: ${extra}` : ""}`;
      }),
    );
    return [...complaints];
  }
}

describe("the walkthrough's Bot API traffic against the Bot API's published types", () => {
  const exchanges: BotApiExchange[] = [];
  let checker: BotApiChecker;
  let held = false;

  beforeAll(async () => {
    const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
    const [walked, schemas] = await Promise.all([
      runWalkthrough(quiet, { telegram: { onExchange: (exchange) => exchanges.push(exchange) } }),
      Promise.resolve().then(botApiSchemas),
    ]);
    held = walked;
    checker = new BotApiChecker(schemas);
  });

  const answered = () =>
    exchanges.filter((exchange) => exchange.status === 200) as (BotApiExchange & {
      answer: { ok: boolean; result: unknown };
    })[];

  it("runs the whole walkthrough over the methods a shop bot uses", () => {
    expect(held).toBe(true);
    const methods = new Set(exchanges.map((exchange) => exchange.method));
    for (const method of [
      "getMe",
      "getUpdates",
      "sendMessage",
      "answerCallbackQuery",
      "sendInvoice",
      "copyMessage",
    ]) {
      expect(methods).toContain(method);
    }
  });

  it("sends only requests the Bot API defines, with the fields it requires", () => {
    const problems = exchanges.flatMap(({ method, params, files }) =>
      checker.request(method, params, files.length > 0).map((problem) => `${method}: ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it("answers and delivers updates only in shapes the Bot API defines, with nothing extra", () => {
    const problems = exchanges.flatMap(({ method, status, answer }) => {
      if (status !== 200) return checker.error(answer).map((problem) => `${method}: ${problem}`);
      const { ok, result, ...rest } = answer as { ok: boolean; result: unknown };
      const envelope =
        ok === true && Object.keys(rest).length === 0 ? [] : ["not { ok: true, result }"];
      return [...envelope, ...checker.result(method, result)].map(
        (problem) => `${method}: ${problem}`,
      );
    });
    expect(problems).toEqual([]);
  });

  it("would notice a missing required field or a field the Bot API never sends", () => {
    const sent = answered().find((exchange) => exchange.method === "sendMessage");
    if (sent === undefined) throw new Error("the walkthrough sent no message");
    const { text: _text, ...noText } = sent.params;
    expect(checker.request("sendMessage", noText)).toContain(
      "/ must have required property 'text'",
    );

    const message = sent.answer.result as { from: Record<string, unknown> };
    const withGetMeFields = { ...message, from: { ...message.from, can_join_groups: true } };
    expect(checker.result("sendMessage", withGetMeFields)).toContain(
      "/from must NOT have additional properties: can_join_groups",
    );
  });
});
