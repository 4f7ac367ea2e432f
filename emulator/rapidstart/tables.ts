/**
 * What the emulator knows about Business Central tables when it imports and applies RapidStart packages.
 *
 * Real BC checks every package value against the table metadata of the environment. The emulator has no
 * metadata, so it knows a handful of common setup tables (field names, types and lengths as in the W1 BaseApp)
 * and applies these documented rules:
 *
 * - A table ID in the per-tenant extension range 50000–99999 does not exist: no extension installed in the
 *   emulator declares tables. Importing such a table records one package record with the error
 *   "An error occurred while importing the <id> table. The table does not exist in the database." (BC's
 *   `TableDoesNotExistErr`), and applying it fails for that record.
 * - Table IDs from 2000000000 are system tables: the table is listed but its records are not imported (BC skips them).
 * - Every other table exists. Values of the fields listed below are checked like BC's
 *   `Config. Validate Management`.EvaluateValue (type and length); other fields are accepted as they are.
 */

export type FieldKind = "Code" | "Text" | "Integer" | "Decimal" | "Boolean" | "Date" | "DateFormula" | "Option";

export interface KnownField {
  name: string;
  kind: FieldKind;
  /** Maximum length of Code/Text fields. */
  length?: number;
  /** NotBlank primary-key field: a record with an empty value fails when applied. */
  notBlank?: boolean;
  /** Option captions; package files carry the option's ordinal number. */
  options?: readonly string[];
}

export interface KnownTable {
  id: number;
  name: string;
  fields: readonly KnownField[];
}

const code = (name: string, length: number, notBlank = false): KnownField => ({ name, kind: "Code", length, notBlank });
const text = (name: string, length: number): KnownField => ({ name, kind: "Text", length });

const KNOWN_TABLES: readonly KnownTable[] = [
  {
    id: 3,
    name: "Payment Terms",
    fields: [
      code("Code", 10, true),
      { name: "Due Date Calculation", kind: "DateFormula" },
      { name: "Discount Date Calculation", kind: "DateFormula" },
      { name: "Discount %", kind: "Decimal" },
      text("Description", 100),
      { name: "Calc. Pmt. Disc. on Cr. Memos", kind: "Boolean" },
    ],
  },
  {
    id: 4,
    name: "Currency",
    fields: [
      code("Code", 10, true),
      code("ISO Code", 3),
      code("ISO Numeric Code", 3),
      code("Unrealized Gains Acc.", 20),
      code("Realized Gains Acc.", 20),
      code("Unrealized Losses Acc.", 20),
      code("Realized Losses Acc.", 20),
      { name: "Invoice Rounding Precision", kind: "Decimal" },
      { name: "Amount Rounding Precision", kind: "Decimal" },
      { name: "Unit-Amount Rounding Precision", kind: "Decimal" },
      text("Description", 30),
      text("Symbol", 10),
    ],
  },
  {
    id: 9,
    name: "Country/Region",
    fields: [
      code("Code", 10, true),
      text("Name", 50),
      code("EU Country/Region Code", 10),
      code("ISO Code", 2),
      code("ISO Numeric Code", 3),
    ],
  },
  { id: 10, name: "Shipment Method", fields: [code("Code", 10, true), text("Description", 100)] },
  {
    id: 92,
    name: "Customer Posting Group",
    fields: [
      code("Code", 20, true),
      code("Receivables Account", 20),
      code("Service Charge Acc.", 20),
      code("Payment Disc. Debit Acc.", 20),
      code("Invoice Rounding Account", 20),
      code("Payment Disc. Credit Acc.", 20),
      text("Description", 100),
    ],
  },
  {
    id: 93,
    name: "Vendor Posting Group",
    fields: [
      code("Code", 20, true),
      code("Payables Account", 20),
      code("Service Charge Acc.", 20),
      code("Invoice Rounding Account", 20),
      text("Description", 100),
    ],
  },
  {
    id: 204,
    name: "Unit of Measure",
    fields: [code("Code", 10, true), text("Description", 50), code("International Standard Code", 10)],
  },
  {
    id: 289,
    name: "Payment Method",
    fields: [
      code("Code", 10, true),
      text("Description", 100),
      { name: "Bal. Account Type", kind: "Option", options: ["G/L Account", "Bank Account"] },
      code("Bal. Account No.", 20),
    ],
  },
];

const BY_ID = new Map(KNOWN_TABLES.map((t) => [t.id, t]));

export function knownTable(tableId: number): KnownTable | undefined {
  return BY_ID.get(tableId);
}

/** Whether the table exists in an emulated environment (see the rules above). */
export function tableExists(tableId: number): boolean {
  return BY_ID.has(tableId) || tableId < 50_000 || tableId > 99_999;
}

/** System tables (2000000000 and up): BC lists them in the package but does not import their records. */
export function isSystemTable(tableId: number): boolean {
  return tableId >= 2_000_000_000;
}
