/** The error a promise fails with, for assertions on it; a promise that succeeds fails the test. */
import { BcApiError } from "../../provider/errors";

export async function failureOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a failure");
}

/** The `BcApiError` a call fails with; any other outcome fails the test. */
export async function bcFailure(p: Promise<unknown>): Promise<BcApiError> {
  const err = await failureOf(p);
  if (err instanceof BcApiError) return err;
  throw err;
}
