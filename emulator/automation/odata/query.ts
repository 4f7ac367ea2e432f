/**
 * System query options (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/server-driven-paging-in-odata-web-services): parsing from the URL, and applying them to plain JSON rows.
 * Error texts follow Microsoft.OData.Core, which BC uses to parse request URIs; every failure is a BcError.
 */
import { badRequest } from "../../errors";
import { compareForSort, evaluateFilter } from "./evaluate";
import { type FilterNode, parseFilter, unknownProperty } from "./filter";
import type { EntityShape, FieldType } from "./types";

export type { FieldType } from "./types";
export type { FilterNode } from "./filter";

export interface OrderBy {
  field: string;
  desc: boolean;
  /** The property's type, so ordering is typed (datetimes as instants, GUIDs case-insensitively). */
  type?: FieldType;
}

export interface QueryOptions {
  filter?: FilterNode;
  /** Absent means all properties (no `$select`, or `$select=*`). */
  select?: string[];
  /** Navigation properties to expand, in request order. */
  expand?: string[];
  /** Nested options of an expanded navigation, verbatim: `$expand=lines($top=2)` ⇒ `{ lines: "$top=2" }`. */
  expandOptions?: Record<string, string>;
  orderby?: OrderBy[];
  top?: number;
  skip?: number;
  count?: boolean;
  /** Opaque; validated by pageRows. */
  skiptoken?: string;
  /** `$schemaversion` as sent (BC uses it to enable `in`, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/use-filter-expressions-in-odata-uris). */
  schemaVersion?: string;
}

/**
 * `$`-options BC accepts. `$format` is accepted (JSON is the only format API pages serve) and
 * `$schemaversion` switches on `in`. Anything else, e.g. `$search`, `$apply`, `$compute`, is refused.
 */
const SUPPORTED = new Set([
  "$filter",
  "$select",
  "$expand",
  "$orderby",
  "$top",
  "$skip",
  "$count",
  "$skiptoken",
  "$schemaversion",
  "$format",
]);

const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ORDER_ITEM_RE = /^([A-Za-z_][A-Za-z0-9_]*)(?:[ \t]+(asc|desc))?$/;

/**
 * Parses the system query options of a request for `entity`. Non-`$` parameters (`company`, `tenant`,
 * aliases) belong to the router and are ignored here. Option names are case-sensitive, as in ODL's
 * default configuration.
 */
export function parseQueryOptions(
  params: URLSearchParams,
  entity: EntityShape,
  navigations: string[] = [],
): QueryOptions {
  for (const name of new Set(params.keys())) {
    if (!name.startsWith("$")) continue;
    if (!SUPPORTED.has(name)) throw badRequest(`The query parameter '${name}' is not supported.`);
    if (params.getAll(name).length > 1) {
      throw badRequest(`Query option '${name}' was specified more than once, but it must be specified at most once.`);
    }
  }
  const get = (name: string) => params.get(name) ?? undefined;
  const q: QueryOptions = {};

  const schemaVersion = get("$schemaversion");
  if (schemaVersion !== undefined) q.schemaVersion = schemaVersion;
  const format = get("$format");
  if (format !== undefined && !/^(json|application\/json)(;.*)?$/i.test(format.trim())) {
    throw badRequest(`The format '${format}' is not supported; Business Central API pages only serve JSON.`);
  }

  const filter = get("$filter");
  if (filter !== undefined && filter.trim() !== "") {
    q.filter = parseFilter(filter, entity, { allowIn: allowsIn(schemaVersion) });
  }
  const select = get("$select");
  if (select !== undefined && select.trim() !== "") q.select = parseSelect(select, entity);
  const expand = get("$expand");
  if (expand !== undefined && expand.trim() !== "") {
    const parsed = parseExpand(expand, entity.name, navigations);
    q.expand = parsed.names;
    if (Object.keys(parsed.options).length > 0) q.expandOptions = parsed.options;
  }
  const orderby = get("$orderby");
  if (orderby !== undefined && orderby.trim() !== "") q.orderby = parseOrderBy(orderby, entity);

  const top = get("$top");
  if (top !== undefined) q.top = parseNonNegative("$top", top);
  const skip = get("$skip");
  if (skip !== undefined) q.skip = parseNonNegative("$skip", skip);
  const count = get("$count");
  if (count !== undefined) {
    const c = count.trim();
    if (c !== "true" && c !== "false") throw badRequest(`'${count}' is not a valid count option.`);
    q.count = c === "true";
  }
  const skiptoken = get("$skiptoken");
  if (skiptoken !== undefined) q.skiptoken = skiptoken;
  return q;
}

/** `in` needs `$schemaversion=2.1` or later. */
function allowsIn(schemaVersion: string | undefined): boolean {
  if (schemaVersion === undefined || !/^\d+(\.\d+)?$/.test(schemaVersion.trim())) return false;
  const [major, minor = "0"] = schemaVersion.trim().split(".");
  return Number(major) > 2 || (Number(major) === 2 && Number(minor) >= 1);
}

function parseNonNegative(option: "$top" | "$skip", raw: string): number {
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw badRequest(
      `Invalid value '${raw}' for ${option} query option found. The ${option} query option requires a non-negative integer value.`,
    );
  }
  return n;
}

function parseSelect(raw: string, entity: EntityShape): string[] | undefined {
  const out: string[] = [];
  for (const item of raw.split(",").map((s) => s.trim())) {
    if (item === "*") return undefined;
    if (!IDENT_RE.test(item)) throw badRequest(`Syntax error at position ${raw.indexOf(item)} in '${raw}'.`);
    if (!Object.hasOwn(entity.fields, item)) throw unknownProperty(item, entity.name);
    if (!out.includes(item)) out.push(item);
  }
  return out;
}

function parseOrderBy(raw: string, entity: EntityShape): OrderBy[] {
  const out: OrderBy[] = [];
  let offset = 0;
  for (const part of raw.split(",")) {
    const item = part.trim();
    const m = ORDER_ITEM_RE.exec(item);
    if (!m) throw badRequest(`Syntax error at position ${offset + part.indexOf(item)} in '${raw}'.`);
    const field = m[1];
    if (!Object.hasOwn(entity.fields, field)) throw unknownProperty(field, entity.name);
    if (out.some((o) => o.field === field)) {
      throw badRequest(`Duplicate property named '${field}' is not supported in '$orderby'.`);
    }
    out.push({ field, desc: m[2] === "desc", type: entity.fields[field] });
    offset += part.length + 1;
  }
  return out;
}

/**
 * `nav`, `nav($filter=…;$select=…)`, comma-separated. Commas and parentheses inside nested options or
 * quoted strings do not split. `*` expands every navigation. Nested options are kept verbatim for the
 * caller (see parseNestedOptions), not validated here.
 */
function parseExpand(
  raw: string,
  entityName: string,
  navigations: string[],
): { names: string[]; options: Record<string, string> } {
  const names: string[] = [];
  const options = new Map<string, string>();
  for (const { text, at } of splitTopLevel(raw, ",", raw)) {
    const item = text.trim();
    const lead = text.indexOf(item);
    const open = item.indexOf("(");
    const name = open < 0 ? item : item.slice(0, open).trimEnd();
    if (open >= 0 && !item.endsWith(")")) throw badRequest(`Syntax error at position ${at + lead} in '${raw}'.`);
    if (name === "*" && open < 0) {
      for (const n of navigations) if (!names.includes(n)) names.push(n);
      continue;
    }
    if (!IDENT_RE.test(name)) throw badRequest(`Syntax error at position ${at + lead} in '${raw}'.`);
    if (!navigations.includes(name)) throw unknownProperty(name, entityName);
    if (!names.includes(name)) names.push(name);
    if (open >= 0) {
      const inner = item.slice(open + 1, -1);
      // The closing `)` of the item must be the one matching `(`: `a(x)b(y)` is malformed.
      if (splitTopLevel(inner, "", raw).length !== 1)
        throw badRequest(`Syntax error at position ${at + lead} in '${raw}'.`);
      if (inner.trim() !== "") options.set(name, inner);
    }
  }
  return { names, options: Object.fromEntries(options) };
}

/**
 * Splits on `sep` outside parentheses and `'…'` strings (`''` escapes a quote). With `sep === ""` it only
 * checks balance and returns one part. Unbalanced input ⇒ syntax error naming the position in `whole`.
 * Iterative and single-pass, so nesting depth costs nothing.
 */
function splitTopLevel(text: string, sep: string, whole: string): { text: string; at: number }[] {
  const parts: { text: string; at: number }[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  const fail = (pos: number) => badRequest(`Syntax error at position ${pos} in '${whole}'.`);
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw fail(i);
      i = end + 1;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")" && --depth < 0) throw fail(i);
    else if (sep !== "" && c === sep && depth === 0) {
      parts.push({ text: text.slice(start, i), at: start });
      start = i + 1;
    }
    i++;
  }
  if (depth !== 0) throw fail(text.length);
  parts.push({ text: text.slice(start), at: start });
  return parts;
}

/**
 * Nested `$expand` options (`$filter=x eq 'a;b';$top=2`) as URLSearchParams, so the router can run
 * parseQueryOptions on them against the navigation's entity. Values are not percent-decoded again.
 */
export function parseNestedOptions(text: string): URLSearchParams {
  const params = new URLSearchParams();
  for (const { text: part } of splitTopLevel(text, ";", text)) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0) throw badRequest(`Syntax error at position 0 in '${text}'.`);
    params.append(item.slice(0, eq).trim(), item.slice(eq + 1));
  }
  return params;
}

/**
 * `$filter`, then `$orderby` (stable: equal keys keep the input order), then `$skip` and `$top`.
 * Returns a new array; rows are not copied or mutated.
 */
export function applyQuery<T extends Record<string, unknown>>(rows: T[], q: QueryOptions): T[] {
  const filter = q.filter;
  let out = filter ? rows.filter((r) => evaluateFilter(filter, r)) : rows.slice();
  const orderby = q.orderby;
  if (orderby && orderby.length > 0) {
    out = out
      .map((row, index) => ({ row, index }))
      .sort((a, b) => {
        for (const o of orderby) {
          const c = compareForSort(fieldOf(a.row, o.field), fieldOf(b.row, o.field), o.type);
          if (c !== 0) return o.desc ? -c : c;
        }
        return a.index - b.index;
      })
      .map((e) => e.row);
  }
  const skip = q.skip ?? 0;
  const end = q.top === undefined ? undefined : skip + q.top;
  return skip > 0 || end !== undefined ? out.slice(skip, end) : out;
}

/** Number of rows matching the filter only: what `$count=true` reports (before `$skip`/`$top`). */
export function countMatching(rows: Record<string, unknown>[], filter: FilterNode | undefined): number {
  return filter ? rows.reduce((n, r) => (evaluateFilter(filter, r) ? n + 1 : n), 0) : rows.length;
}

function fieldOf(row: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(row, name) ? row[name] : undefined;
}

/**
 * Applies `$select` to one wire row. Keeps `@odata.*` annotations of the entity, the `keep` properties
 * (keys, expanded navigations) and the selected ones, plus property annotations (`content@odata.mediaReadLink`)
 * of whatever is kept. Original property order is preserved.
 */
export function selectFields(
  row: Record<string, unknown>,
  select: string[] | undefined,
  keep: string[],
): Record<string, unknown> {
  if (!select) return { ...row };
  const wanted = new Set([...select, ...keep]);
  // fromEntries (not assignment) so an own `__proto__` key stays data.
  return Object.fromEntries(
    Object.entries(row).filter(([key]) => {
      const at = key.indexOf("@");
      const owner = at < 0 ? key : key.slice(0, at);
      return owner === "" || wanted.has(owner);
    }),
  );
}
