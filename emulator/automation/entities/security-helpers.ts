/**
 * Small pieces shared by the users/permissions pages (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis): how BC phrases its platform errors
 * (table relation, missing filter; duplicate keys are unique-key.ts's) and how it formats GUIDs and datetimes in them.
 */
import { BcError } from "../../errors";
import type { AutomationContext, Parent } from "../entity";

export const NULL_GUID = "00000000-0000-0000-0000-000000000000";

export const isNullGuid = (value: unknown) =>
  typeof value !== "string" || value === "" || value.toLowerCase() === NULL_GUID;

export const sameGuid = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** AL formats a GUID in identification texts as `{UPPER-CASE}`. */
export const alGuid = (g: string) => `{${g.toUpperCase()}}`;

/** NavCSideValidateTableRelationException ⇒ `Internal_InvalidTableRelation` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/dynamics-error-codes). */
export function tableRelation(field: string, table: string, value: string, related: string): BcError {
  return new BcError(
    400,
    "Internal_InvalidTableRelation",
    `The field ${field} of table ${table} contains a value (${value}) that cannot be found in the related table (${related}).`,
  );
}

/**
 * Whether a `$filter` puts a filter on `field` (AL `GetFilter(field) <> ''`). String literals are blanked first so a
 * value that happens to contain the name does not count. Key lookups arrive here as `id eq '…'` (router).
 */
export function filterMentions(filterText: string | undefined, field: string): boolean {
  if (!filterText) return false;
  const code = filterText.replace(/'(?:[^']|'')*'/g, "''");
  return new RegExp(`(^|[^A-Za-z0-9_])${field}($|[^A-Za-z0-9_])`).test(code);
}

/**
 * A "Company Name" field with a table relation to Company: blank means all companies, anything else must name an
 * existing company. BC's SQL collation is case-insensitive, so the match is too; the stored value is the company's
 * own spelling (keeps the duplicate-key comparison exact).
 */
export function companyNameOf(ctx: AutomationContext, value: unknown, field: string, table: string): string {
  const text = String(value ?? "");
  if (text === "") return "";
  const company = ctx.env.companies.find((c) => c.name.toLowerCase() === text.toLowerCase());
  if (!company) throw tableRelation(field, table, text, "Company");
  return company.name;
}

/** BC's JSON datetime: ISO-8601 UTC, no fractional part when it is zero; year 1 is the "no date" value. */
export function bcDateTime(value: string | number): string {
  const ms = typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms) || new Date(ms).getUTCFullYear() <= 1) return "0001-01-01T00:00:00Z";
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

/** Which entity set a navigation hangs under (undefined at the top level, i.e. directly under a company). */
export function parentSet(parent: Parent | undefined): string | undefined {
  if (!parent || parent.set.entitySet === "companies") return undefined;
  return parent.set.entitySet;
}
