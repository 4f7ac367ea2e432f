/**
 * OData v4 literals and query strings as Business Central expects them: GUID keys unquoted (`companies(<guid>)`),
 * string keys quoted with doubled single quotes (`securityGroups('a''b')`), query options percent-encoded with
 * `%20` for spaces (never `+`, which OData servers need not read as a space).
 */

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

/** `'text'` with `'` doubled. */
export function stringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A key segment: `(guid)` for GUID keys, `('text')` for string keys; percent-encoded for the URL path. */
export function keySegment(value: string, kind: "guid" | "string"): string {
  if (kind === "guid") {
    if (!isGuid(value)) throw new Error(`'${value}' is not a GUID`);
    return `(${value})`;
  }
  return `(${encodeURIComponent(stringLiteral(value))})`;
}

export type FilterValue = string | number | boolean | { guid: string };

/** `field eq 'value'` conditions joined with `and`. */
export function eqFilter(conditions: Record<string, FilterValue | undefined>): string | undefined {
  const parts: string[] = [];
  for (const [field, value] of Object.entries(conditions)) {
    if (value === undefined) continue;
    parts.push(`${field} eq ${filterLiteral(value)}`);
  }
  return parts.length > 0 ? parts.join(" and ") : undefined;
}

export function filterLiteral(value: FilterValue): string {
  if (typeof value === "string") return stringLiteral(value);
  if (typeof value === "object") {
    if (!isGuid(value.guid)) throw new Error(`'${value.guid}' is not a GUID`);
    return value.guid;
  }
  return String(value);
}

export interface QueryOptions {
  filter?: string;
  select?: string[];
  top?: number;
  orderby?: string;
  expand?: string;
}

/** `?$filter=…&$top=…` with OData-friendly percent-encoding, or "" when empty. */
export function queryString(options: QueryOptions = {}): string {
  const parts: string[] = [];
  if (options.filter) parts.push(`$filter=${encodeQuery(options.filter)}`);
  if (options.select?.length) parts.push(`$select=${encodeQuery(options.select.join(","))}`);
  if (options.expand) parts.push(`$expand=${encodeQuery(options.expand)}`);
  if (options.orderby) parts.push(`$orderby=${encodeQuery(options.orderby)}`);
  if (options.top !== undefined) parts.push(`$top=${options.top}`);
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

function encodeQuery(text: string): string {
  return encodeURIComponent(text).replace(/'/g, "%27");
}

/** A list request without query options or paging limits: the whole collection, which a shared read can serve. */
export function isPlainList(options: QueryOptions & { limit?: number; maxPageSize?: number } = {}): boolean {
  return (
    !options.filter &&
    !options.select?.length &&
    !options.expand &&
    !options.orderby &&
    options.top === undefined &&
    options.limit === undefined &&
    options.maxPageSize === undefined
  );
}
