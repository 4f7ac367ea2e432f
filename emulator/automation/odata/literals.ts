/**
 * Literal grammar shared by key segments and `$filter` (the subset of OData v4 ABNF that BC accepts).
 * Every pattern here is anchored and free of nested quantifiers, so matching is linear in the input:
 * these run on attacker-controlled URLs.
 */

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const INT_RE = /^[+-]?\d+$/;
const DECIMAL_RE = /^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** BC (OData v4) writes GUIDs unquoted: `5f1c0d2e-…`. The legacy v3 form `guid'…'` is not accepted. */
export function isGuid(text: string): boolean {
  return GUID_RE.test(text);
}

export function looksLikeDate(text: string): boolean {
  return DATE_RE.test(text);
}

export function looksLikeDateTime(text: string): boolean {
  return DATETIME_RE.test(text);
}

export function isIntegerText(text: string): boolean {
  return INT_RE.test(text);
}

export function isDecimalText(text: string): boolean {
  return DECIMAL_RE.test(text);
}

/**
 * Epoch milliseconds of a calendar instant, or undefined if a component is out of range.
 * Built with setUTCFullYear because Date.UTC maps years 0–99 to 1900–1999, and BC's blank
 * datetime is `0001-01-01T00:00:00Z`.
 */
function instant(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  // Rejects 2023-02-30 and friends, which Date would silently roll over.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return date.getTime();
}

/** `2024-01-31` ⇒ epoch ms of that day at 00:00Z; undefined when malformed or not a real day. */
export function parseDate(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  return instant(Number(m[1]), Number(m[2]), Number(m[3]), 0, 0, 0, 0);
}

/**
 * OData DateTimeOffset (`2024-01-01T00:00:00Z`, optional seconds and fraction, `Z` or `±hh:mm`) ⇒ epoch ms.
 * Parsed by hand rather than with Date.parse, whose acceptance of >3 fraction digits and of odd forms is
 * implementation-defined.
 */
export function parseDateTimeOffset(text: string): number | undefined {
  const m = DATETIME_RE.exec(text);
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  const base = instant(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0), ms);
  if (base === undefined) return undefined;
  if (m[8]) return base;
  const oh = Number(m[10]);
  const om = Number(m[11]);
  if (oh > 23 || om > 59) return undefined;
  const offset = (oh * 60 + om) * 60_000;
  return m[9] === "+" ? base - offset : base + offset;
}
