import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/** The value Pulumi passes for inputs not yet known during preview (`pulumi.runtime.unknownValue`). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

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

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses a Go-style duration (`90s`, `20m`, `1h`) to milliseconds. */
export function parseDuration(value: string): number | undefined {
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

export const duration = z
  .string()
  .refine((v) => parseDuration(v) !== undefined, 'must be a duration like "90s", "20m" or "1h"');

export const timeouts = z
  .object({ create: duration.optional(), update: duration.optional(), delete: duration.optional() })
  .strict();

export const connectionFields = {
  environment: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9_-]{0,29}$/,
      "must be a BC environment name (a letter, then ≤29 letters, digits, _ or -)",
    )
    .optional(),
  adopt: z.boolean().optional(),
  timeouts: timeouts.optional(),
};

/** Inputs with Pulumi's bookkeeping removed. */
export function userInputs(raw: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _provider, ...rest } = raw;
  return rest;
}

/**
 * Validates inputs field by field so each problem becomes one Pulumi check failure naming the property and the
 * fix. Unknown values (preview) are not validated. Returns the normalised inputs (upper-cased codes, defaults).
 */
export function checkInputs<S extends z.ZodRawShape>(
  shape: S,
  news: Record<string, unknown>,
  crossChecks: (inputs: Record<string, unknown>) => pulumi.dynamic.CheckFailure[] = () => [],
): pulumi.dynamic.CheckResult {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const normalised: Record<string, unknown> = { ...news };
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
    if (containsUnknown(value)) continue;
    const result = (schema as z.ZodType).safeParse(value);
    if (result.success) {
      if (result.data !== undefined) normalised[key] = result.data;
    } else {
      for (const issue of result.error.issues) {
        const path = [key, ...issue.path.map(String)].join(".");
        failures.push({ property: path, reason: describeIssue(issue, value) });
      }
    }
  }
  if (failures.length === 0) failures.push(...crossChecks(normalised));
  return failures.length > 0 ? { inputs: news, failures } : { inputs: normalised };
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
