/** Scalar input formats shared by every resource's schema (GUIDs, Go-style durations). */
import { z } from "zod";

export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

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
