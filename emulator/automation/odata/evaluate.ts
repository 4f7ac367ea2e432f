/**
 * Evaluation of checked filters and ordering on plain JSON rows.
 *
 * Semantics chosen (and why):
 * - String `eq`/`ne` are exact (case-sensitive). Real BC hands filters to SQL, whose collation may well
 *   ignore case; an emulator that is stricter than production makes clients that depend on case-folding
 *   fail here first, instead of the other way round. Use `tolower(x) eq 'y'` to match regardless of case.
 *   `contains`/`startswith`/`endswith` are exact for the same reason.
 * - Ordering of strings (`lt`…`ge`, `$orderby`) is case-insensitive first and ordinal as a tie-break,
 *   an approximation of SQL Server's case-insensitive collations that is still a total order.
 * - GUIDs compare case-insensitively; datetimes compare as instants (offsets honoured); dates as days.
 * - Nulls follow OData: `x eq null` / `x ne null` test presence; any other comparison with null, and any
 *   function of null, is unknown (three-valued logic), and a row is returned only when the filter is true.
 */
import type { CompareOp, FilterNode, OperandType } from "./filter";
import type { LiteralValue } from "./filter-lexer";
import { parseDate, parseDateTimeOffset } from "./literals";
import { decodeMemberName } from "./member-names";
import type { FieldType } from "./types";

type Scalar = LiteralValue;

/** A row value as the evaluator compares it; values not of the declared type count as null. */
export function normalize(value: unknown, type: OperandType): Scalar {
  if (value === null || value === undefined) return null;
  switch (type) {
    case "string":
    case "enum":
      return typeof value === "string" || typeof value === "number" || typeof value === "boolean"
        ? String(value)
        : null;
    case "guid":
      return typeof value === "string" ? value.toLowerCase() : null;
    case "int":
    case "decimal": {
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() ? Number(value) : NaN;
      return Number.isFinite(n) ? n : null;
    }
    case "bool":
      return typeof value === "boolean" ? value : null;
    case "datetime":
      if (typeof value === "number") return Number.isFinite(value) ? value : null;
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime();
      return typeof value === "string" ? (parseDateTimeOffset(value) ?? null) : null;
    case "date":
      return typeof value === "string" && parseDate(value) !== undefined ? value : null;
    case "null":
      return null;
  }
}

function compareStrings(a: string, b: string): number {
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la !== lb) return la < lb ? -1 : 1;
  return a === b ? 0 : a < b ? -1 : 1;
}

/** Total order on two non-null normalized values of one type. */
function compareScalars(a: Exclude<Scalar, null>, b: Exclude<Scalar, null>, type: OperandType): number {
  if (typeof a === "number" && typeof b === "number") return a === b ? 0 : a < b ? -1 : 1;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (typeof a === "string" && typeof b === "string") {
    if (type === "string") return compareStrings(a, b);
    return a === b ? 0 : a < b ? -1 : 1;
  }
  // Mixed JS types only happen for untyped (inferred) sort keys; order by type name to stay deterministic.
  return typeof a < typeof b ? -1 : typeof a > typeof b ? 1 : 0;
}

function compare(op: CompareOp, left: Scalar, right: Scalar, type: OperandType): boolean | null {
  // Enum values are the same member whether a side is written plain or `_xHHHH_`-encoded.
  const l = type === "enum" && typeof left === "string" ? decodeMemberName(left) : left;
  const r = type === "enum" && typeof right === "string" ? decodeMemberName(right) : right;
  if (l === null || r === null) {
    if (op === "eq") return l === r;
    if (op === "ne") return l !== r;
    return null;
  }
  if (op === "eq") return l === r;
  if (op === "ne") return l !== r;
  const c = compareScalars(l, r, type);
  switch (op) {
    case "lt":
      return c < 0;
    case "gt":
      return c > 0;
    case "le":
      return c <= 0;
    case "ge":
      return c >= 0;
  }
}

function fieldValue(row: Record<string, unknown>, name: string): unknown {
  // Own properties only: a field called `constructor` must not read Object.prototype.
  return Object.hasOwn(row, name) ? row[name] : undefined;
}

function evaluate(node: FilterNode, row: Record<string, unknown>): Scalar {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "field":
      return normalize(fieldValue(row, node.name), node.type);
    case "call":
      return call(node.name, node.args, row);
    case "compare":
      return compare(node.op, evaluate(node.left, row), evaluate(node.right, row), node.operandType);
    case "in": {
      const l = evaluate(node.left, row);
      return node.values.some((v) => compare("eq", l, evaluate(v, row), node.operandType) === true);
    }
    case "and": {
      let unknown = false;
      for (const o of node.operands) {
        const v = evaluate(o, row);
        if (v === false) return false;
        if (v !== true) unknown = true;
      }
      return unknown ? null : true;
    }
    case "or": {
      let unknown = false;
      for (const o of node.operands) {
        const v = evaluate(o, row);
        if (v === true) return true;
        if (v !== false) unknown = true;
      }
      return unknown ? null : false;
    }
    case "not": {
      const v = evaluate(node.operand, row);
      return typeof v === "boolean" ? !v : null;
    }
  }
}

function call(name: string, args: FilterNode[], row: Record<string, unknown>): Scalar {
  const values = args.map((a) => evaluate(a, row));
  const [s, t, u] = values;
  if (typeof s !== "string") return null;
  switch (name) {
    case "tolower":
      return s.toLowerCase();
    case "toupper":
      return s.toUpperCase();
    case "substring": {
      if (typeof t !== "number" || (values.length > 2 && typeof u !== "number")) return null;
      const start = Math.max(0, t);
      return typeof u === "number" ? s.slice(start, start + Math.max(0, u)) : s.slice(start);
    }
    default: {
      if (typeof t !== "string") return null;
      if (name === "contains") return s.includes(t);
      if (name === "startswith") return s.startsWith(t);
      return s.endsWith(t);
    }
  }
}

/** True when the row satisfies the filter (unknown counts as not satisfied, per OData). */
export function evaluateFilter(node: FilterNode, row: Record<string, unknown>): boolean {
  return evaluate(node, row) === true;
}

function inferType(v: unknown): OperandType {
  if (typeof v === "number") return "decimal";
  if (typeof v === "boolean") return "bool";
  return "string";
}

/**
 * Sort comparator for one property: nulls first (OData treats null as the lowest value), then the typed
 * order. Without a declared type the JS type of the values decides.
 */
export function compareForSort(a: unknown, b: unknown, type?: FieldType): number {
  const t = type ?? inferType(a ?? b);
  const x = normalize(a, t);
  const y = normalize(b, t);
  if (x === null || y === null) return x === y ? 0 : x === null ? -1 : 1;
  return compareScalars(x, y, t);
}
