/**
 * Business Central / AL version numbers: `major.minor[.build[.revision]]`, each part a non-negative Int32.
 * Shared by the `.app` reader, the provider's upgrade rules and the emulator's AppSource catalog.
 */

const DOTTED = /^\d+(\.\d+){1,3}$/;
const FOUR_PART = /^\d{1,9}\.\d{1,9}\.\d{1,9}\.\d{1,9}$/;
const INT32_MAX = 2147483647;

/** `major.minor[.build[.revision]]` → four parts (`1.2` → `1.2.0.0`); undefined when not a version. */
export function normaliseVersion(value: unknown): string | undefined {
  if (typeof value !== "string" || !DOTTED.test(value.trim())) return undefined;
  const parts = value
    .trim()
    .split(".")
    .map((p) => Number.parseInt(p, 10));
  if (parts.some((p) => p > INT32_MAX)) return undefined;
  while (parts.length < 4) parts.push(0);
  return parts.join(".");
}

/** True for exactly four numeric parts, as the Admin Center API requires of a target version. */
export function isFourPartVersion(text: string): boolean {
  return FOUR_PART.test(text);
}

/**
 * Orders dotted versions numerically: negative, 0 or positive (always -1, 0 or 1). Missing parts count as 0,
 * so `1.2` equals `1.2.0.0`; a part that is not a number also counts as 0 rather than poisoning the comparison.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff < 0 ? -1 : 1;
  }
  return 0;
}

function parts(version: string): number[] {
  return version.split(".").map((p) => Number.parseInt(p, 10) || 0);
}
