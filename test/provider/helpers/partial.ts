import { expect } from "vitest";
import type { InitializationFailure } from "../../../provider/resources/framework/define";

/** Whether `err` has the shape Pulumi's dynamic provider turns into "resource initialization failed". */
export function isInitializationFailure(err: unknown): err is InitializationFailure {
  const e = err as Partial<InitializationFailure> | undefined;
  return (
    err instanceof Error &&
    typeof e?.id === "string" &&
    e.id !== "" &&
    typeof e.properties === "object" &&
    e.properties !== null &&
    Array.isArray(e.reasons)
  );
}

/** Asserts that an operation failed with a partial-initialisation error (the object recorded) and returns it. */
export function expectInitializationFailure(err: unknown): InitializationFailure {
  expect(isInitializationFailure(err), `expected a partial-initialisation failure, got ${String(err)}`).toBe(true);
  const failure = err as InitializationFailure;
  expect(failure.reasons).toEqual([failure.message]);
  return failure;
}
