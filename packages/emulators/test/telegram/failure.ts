import { GrammyError } from "grammy";

/** The GrammyError a Bot API call failed with; fails when the call succeeded. */
export async function failureOf(call: Promise<unknown>): Promise<GrammyError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof GrammyError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}
