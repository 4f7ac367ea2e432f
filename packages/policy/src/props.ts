/**
 * Reading resource inputs as @pulumi/policy hands them over: a proxy that throws when a value is not known yet
 * (an output of a resource that `preview` has not created). Policies here must tell "unknown" apart from "unset"
 * so they can say "cannot tell yet" instead of failing or passing silently.
 */

/** A value `preview` cannot know yet; `up` checks the same resource again with the value. */
export const UNKNOWN: unique symbol = Symbol("unknown");
export type Read = unknown | typeof UNKNOWN;

function isUnknownValueError(err: unknown): boolean {
  // @pulumi/policy's UnknownValueError is not exported from its entry point; its name and message are stable.
  return (
    err instanceof Error &&
    (err.constructor.name === "UnknownValueError" || err.message.includes("can't be known during preview"))
  );
}

/** `obj.a.b…`, `undefined` when a step is missing, `UNKNOWN` when a step is not known yet. */
export function read(obj: unknown, ...path: string[]): Read {
  let current: unknown = obj;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    try {
      current = (current as Record<string, unknown>)[key];
    } catch (err) {
      if (isUnknownValueError(err)) return UNKNOWN;
      throw err;
    }
  }
  return current;
}

/** A non-empty string, `UNKNOWN`, or `undefined` for anything else (unset, empty, another type). */
export function readString(obj: unknown, ...path: string[]): string | typeof UNKNOWN | undefined {
  const value = read(obj, ...path);
  if (value === UNKNOWN) return UNKNOWN;
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** `true`, `false` (unset or anything else), or `UNKNOWN`. */
export function readFlag(obj: unknown, ...path: string[]): boolean | typeof UNKNOWN {
  const value = read(obj, ...path);
  if (value === UNKNOWN) return UNKNOWN;
  return value === true || value === "true";
}
