import { readFileSync } from "node:fs";
import { Cell, loadTransaction } from "@ton/core";
import { describe, expect, it } from "vitest";
import { type Comment, readComment } from "../../../src/payments/ton/classify.js";
import { decodeTransactions } from "../../../src/payments/ton/observed.js";

/**
 * 838 transactions that really happened on TON, labelled from their phases (see
 * test/fixtures/ton/README.md). The watcher's own decoder and classifier must agree with the
 * chain on every one: which kept money on the account, how much, and what the comment says.
 */
interface Labelled {
  name: string;
  hash: string;
  lt: string;
  /** Null for a transaction with no inbound message (tick-tock). */
  account: string | null;
  inbound: "internal" | "external-in" | "none";
  value: string;
  moneyStays: boolean;
  why: string;
  comment: string;
  boc: string;
}

const fixtures = JSON.parse(
  readFileSync(new URL("../../fixtures/ton/real-transactions.json", import.meta.url), "utf8"),
) as Labelled[];

/** The watcher's reading of one transaction, as the merchant wallet `account` sees it. */
function observe(tx: Labelled) {
  const [observed] = decodeTransactions([tx.boc], tx.account ?? `0:${"0".repeat(64)}`);
  if (!observed) throw new Error(`${tx.name}: nothing decoded`);
  return observed;
}

const received = fixtures.filter((tx) => tx.moneyStays);
const notReceived = fixtures.filter((tx) => !tx.moneyStays);
const withBody = fixtures.filter((tx) => tx.inbound === "internal");

/** The label's comment (`none`, `text "…"` with JSON escapes, `encrypted`, `binary op 0x…`). */
function expectedComment(label: string): Comment {
  if (label === "none") return { type: "none" };
  if (label === "encrypted") return { type: "encrypted" };
  if (label.startsWith("text ")) {
    return { type: "text", text: JSON.parse(label.slice("text ".length)) as string };
  }
  const op = /^binary op (0x[0-9a-f]+)$/.exec(label)?.[1];
  if (op === undefined) throw new Error(`unknown comment label ${label}`);
  return { type: "binary", op: Number(op) };
}

describe("the classifier against real TON transactions", () => {
  it("has the labelled set to test against", () => {
    expect(fixtures).toHaveLength(838);
    expect(received).toHaveLength(352);
    expect(received.filter((tx) => tx.why.includes("aborted=true"))).toHaveLength(3);
    expect(withBody.filter((tx) => tx.comment.startsWith("text "))).toHaveLength(441);
  });

  it.each(received.map((tx) => [tx.name, tx] as const))(
    "counts the money that stayed: %s",
    (_name, tx) => {
      const { hash, lt, classified } = observe(tx);
      expect(hash).toBe(tx.hash);
      expect(lt).toBe(BigInt(tx.lt));
      expect(classified).toMatchObject({ kind: "incoming", amount: BigInt(tx.value) });
    },
  );

  it.each(notReceived.map((tx) => [`${tx.name} (${tx.why})`, tx] as const))(
    "counts nothing where no money stayed: %s",
    (_name, tx) => {
      const { hash, classified } = observe(tx);
      expect(hash).toBe(tx.hash);
      expect(classified.kind).toBe("ignored");
    },
  );

  it("keeps a payment to a wallet that was never deployed, whose compute phase was skipped", () => {
    const undeployed = received.filter((tx) => tx.why.includes("non-existing→uninitialized"));
    expect(undeployed.map((tx) => observe(tx).classified)).toEqual(
      undeployed.map((tx) =>
        expect.objectContaining({ kind: "incoming", amount: BigInt(tx.value) }),
      ),
    );
    expect(undeployed.length).toBeGreaterThan(0);
  });

  it("names why a transaction left no money", () => {
    const reasons = new Set(
      notReceived.map((tx) => {
        const { classified } = observe(tx);
        return classified.kind === "ignored" ? `${tx.why} → ${classified.reason}` : "";
      }),
    );
    expect([...reasons].sort()).toEqual([
      "bounce phase ok: the value went back to the sender → bounced-back",
      "inbound message is external-in → external-message",
      "no inbound message → no-inbound-message",
      "the inbound message carries no value → no-value",
      "the inbound message is itself a bounce → bounced-message",
    ]);
  });

  it.each(withBody.map((tx) => [`${tx.name}: ${tx.comment}`, tx] as const))(
    "reads the comment %s",
    (_name, tx) => {
      const [root] = Cell.fromBoc(Buffer.from(tx.boc, "base64"));
      const body = root && loadTransaction(root.beginParse()).inMessage?.body;
      if (!body) throw new Error(`${tx.name}: no inbound body`);
      const comment = readComment(body);
      expect(comment).toEqual(expectedComment(tx.comment));
      const { classified } = observe(tx);
      if (classified.kind === "incoming") expect(classified.comment).toEqual(comment);
    },
  );
});
