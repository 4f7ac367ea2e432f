import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { connectionSchema, environmentName } from "../../connection/schema";
import { duration, GUID_PATTERN } from "./scalars";

export { duration, GUID_PATTERN, parseDuration } from "./scalars";

/** The value Pulumi passes for inputs not yet known during preview (`pulumi.runtime.unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const guid = (what: string) => z.string().regex(GUID_PATTERN, `must be a GUID like 5b1f…-…-…-…-…, the ${what}`);

/** An AL Code[n] field: upper-cased by BC, so we upper-case it too and diff on the upper-cased value. */
export const code = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters (BC Code[${max}])`)
    .transform((v) => v.toUpperCase());

export const text = (max: number) => z.string().max(max, `must be at most ${max} characters`);

export const timeouts = z
  .object({ create: duration.optional(), update: duration.optional(), delete: duration.optional() })
  .strict();

/** Inputs every resource takes: where it lives, whether it may take over an existing object, its deadlines. */
export const commonInputs = {
  connection: connectionSchema.optional(),
  environment: environmentName.optional(),
  adopt: z.boolean().optional(),
  /** Delete an adopted object on destroy or replace too (default: it is left in place, as it was found). */
  deleteAdopted: z.boolean().optional(),
  timeouts: timeouts.optional(),
  /** `<project>/<stack>/<Kind>/<name>`, set by the SDK: the owner of create intents (framework/intents.ts). */
  owner: z.string().min(1, "is set by the SDK (the resource's stack and name); do not set it").optional(),
};

/** Inputs with Pulumi's bookkeeping removed. */
export function userInputs(raw: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _provider, ...rest } = raw;
  return rest;
}

export interface CheckOutcome {
  /** The normalised values of the properties that passed their schema (upper-cased codes, trimmed text, …). */
  values: Record<string, unknown>;
  failures: pulumi.dynamic.CheckFailure[];
}

/**
 * Validates inputs field by field so each problem becomes one Pulumi check failure naming the property and the
 * fix; every failing field is reported in one run. Unknown values (preview) are not validated and stay as they
 * are. Properties that are not inputs of the resource are failures too.
 */
export function checkInputs(shape: z.ZodRawShape, news: Record<string, unknown>): CheckOutcome {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const values: Record<string, unknown> = {};
  const known = new Set(Object.keys(shape));
  for (const key of Object.keys(news)) {
    if (key === "__provider" || known.has(key) || news[key] === undefined) continue;
    failures.push({
      property: key,
      reason: `is not an input of this resource; remove it (inputs: ${[...known].join(", ")})`,
    });
  }
  for (const [key, schema] of Object.entries(shape)) {
    const value = news[key];
    if (containsUnknown(value)) {
      values[key] = value;
      continue;
    }
    const result = (schema as z.ZodType).safeParse(value);
    if (result.success) {
      if (result.data !== undefined) values[key] = result.data;
    } else {
      for (const issue of result.error.issues) {
        const path = [key, ...issue.path.map(String)].join(".");
        failures.push({ property: path, reason: describeIssue(issue, value) });
      }
    }
  }
  return { values, failures };
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === "invalid_type" && value === undefined) return "is required";
  if (issue.code === "invalid_type") return `${issue.message.replace(/^Invalid input: /, "")}`;
  return issue.message;
}

export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * A copy the engine can serialize: no undefined, functions, symbols or class instances (the engine's protobuf
 * Struct rejects them with "Unexpected struct type"). Arrays keep their length (undefined becomes null).
 */
export function serializable(value: unknown): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map((v) => serializable(v) ?? null);
  if (typeof value === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const copy = serializable(v);
      if (copy !== undefined) out[k] = copy;
    }
    return out;
  }
  if (typeof value === "object" && value !== null) return describeObject(value);
  return undefined;
}

/** Optional string inputs: the value, or undefined for unset and "". */
export function optionalText(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** A class instance as text (a Date as its ISO string); never throws, even for objects without toString. */
function describeObject(value: object): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
