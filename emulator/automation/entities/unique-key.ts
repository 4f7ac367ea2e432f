/**
 * Primary-key uniqueness as BC's platform enforces it: an insert or a key change that collides with another row
 * fails with NavCSideDuplicateKeyException, answered as `Internal_EntityWithSameKeyExists` naming the table and
 * the key's fields (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/dynamics-error-codes).
 * Its HTTP status is not documented, hence the `duplicateKeyStatus` switch.
 */
import { BcError } from "../../errors";
import type { AutomationContext } from "../entity";
import { alGuid } from "./security-helpers";

/** One field of a primary key: its caption in BC's message, how to read it, and how its values compare. */
export interface KeyField<R> {
  caption: string;
  value: (row: R) => string;
  /** `guid`: case-insensitive, shown as `{UPPER-CASE}` (AL's format); `ignoreCase`: the SQL collation's compare. */
  kind?: "guid" | "ignoreCase";
}

/** A check that refuses `candidate` when another row of `rows` (not `self`, the row being changed) has its key. */
export function uniqueKey<R>(table: string, fields: readonly KeyField<R>[]) {
  return (ctx: AutomationContext, rows: readonly R[], candidate: R, self?: R): void => {
    const clash = rows.some(
      (row) => row !== self && fields.every((f) => sameValue(f, f.value(row), f.value(candidate))),
    );
    if (!clash) return;
    const ids = fields
      .map((f) => {
        const value = f.value(candidate);
        return `${f.caption}='${f.kind === "guid" ? alGuid(value) : value}'`;
      })
      .join(",");
    throw duplicateKey(ctx, table, ids);
  };
}

/** `Internal_EntityWithSameKeyExists` for `table`; `ids` as BC lists them (`Code='X',Name='Y'`). */
export function duplicateKey(ctx: AutomationContext, table: string, ids: string): BcError {
  return new BcError(
    ctx.behaviour.duplicateKeyStatus,
    "Internal_EntityWithSameKeyExists",
    `The record in table ${table} already exists. Identification fields and values: ${ids}`,
  );
}

function sameValue<R>(field: KeyField<R>, a: string, b: string): boolean {
  return field.kind === undefined ? a === b : a.toLowerCase() === b.toLowerCase();
}
