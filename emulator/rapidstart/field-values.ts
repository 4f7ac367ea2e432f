import type { KnownField, KnownTable } from "./tables";

/**
 * Checks one package value the way BC's `Config. Validate Management`.EvaluateValue does when a package is
 * imported (XML format: invariant numbers, `<14D>` date formulas, option ordinals, `0`/`1` booleans).
 * Returns BC's error text, or undefined when the value is acceptable. Empty values are always acceptable here.
 */
export function checkFieldValue(table: KnownTable, field: KnownField, value: string): string | undefined {
  if (value === "") return undefined;
  const invalid = (typeName: string) => `${value} is not a valid ${typeName}.`;
  switch (field.kind) {
    case "Code":
    case "Text":
      if (field.length !== undefined && value.length > field.length) {
        return `Field ${field.name} in table ${table.name} can only contain ${field.length} characters (${value}).`;
      }
      return undefined;
    case "Integer":
      return isInteger(value) ? undefined : invalid("Integer");
    case "Decimal":
      return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(value) ? undefined : invalid("Decimal");
    case "Boolean":
      return /^(0|1|true|false|yes|no)$/i.test(value) ? undefined : invalid("Boolean");
    case "Date":
      return isDate(value) ? undefined : invalid("Date");
    case "DateFormula":
      return isDateFormula(value) ? undefined : invalid("DateFormula");
    case "Option": {
      const options = field.options ?? [];
      const ordinal = Number(value);
      if (isInteger(value) && ordinal >= 0 && ordinal < options.length) return undefined;
      return `${value} is not a valid option.\nValid options are ${options.join(",")}`;
    }
  }
}

/** The error BC records when a NotBlank key field is empty as the record is inserted on apply. */
export function blankKeyError(table: KnownTable, field: KnownField): string {
  return `${field.name} must have a value in ${table.name}: ${field.name}=. It cannot be zero or empty.`;
}

function isInteger(value: string): boolean {
  if (!/^[+-]?\d+$/.test(value)) return false;
  const n = Number(value);
  return n >= -2147483648 && n <= 2147483647;
}

/** XML dates (`2026-01-31`) or OADate numbers (what Excel writes). */
function isDate(value: string): boolean {
  if (/^\d+(\.\d+)?$/.test(value)) return true;
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.getUTCMonth() === Number(match[2]) - 1 && date.getUTCDate() === Number(match[3]);
}

/**
 * AL date formulas, optionally in the XML form `<…>`: terms such as `30D`, `-1W`, `CM`, `1M+CM`, `D10`, `WD2`
 * joined by `+`/`-` (units D, W, M, Q, Y).
 */
function isDateFormula(value: string): boolean {
  const inner = value.startsWith("<") && value.endsWith(">") ? value.slice(1, -1) : value;
  if (inner === "") return true;
  const term = "(\\d+[DWMQY]|C[DWMQY]|WD\\d+|[DWMQY]\\d+)";
  return new RegExp(`^[+-]?${term}([+-]${term})*$`, "i").test(inner);
}
