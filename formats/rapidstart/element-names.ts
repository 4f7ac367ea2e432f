/**
 * XML element names of RapidStart packages. Business Central derives every element and attribute name of a
 * package from a table, field or package-field name with `Config. XML Exchange`.GetElementName: prefix `_` when
 * the name cannot start an XML name, drop `?'\``, turn `<>,./\+&()%:` and other non-name characters into spaces,
 * `-` into `_`, then remove the spaces. So "Due Date Calculation" is `DueDateCalculation`, "Discount %" is
 * `Discount`, "E-Mail" is `E_Mail` and the Payment Terms table's records are `<PaymentTerms>` elements inside a
 * `<PaymentTermsList>` element.
 */
export function elementName(name: string): string {
  let text = /^[\p{L}_:]/u.test(name) ? name : `_${name}`;
  text = text.replace(/[^\p{L}\p{N}_\-.:\u00B7]/gu, " ");
  text = text.replace(/[?'`]/g, "");
  text = text.replace(/[<>,./\\+&()%:]/g, " ");
  text = text.replace(/-/g, "_");
  return text.replace(/ /g, "").slice(0, 250);
}

/** Element names BC writes into a table element besides the records (package table metadata). */
export const TABLE_METADATA_ELEMENTS: ReadonlySet<string> = new Set(
  [
    "Table ID",
    "Package Code",
    "Page ID",
    "Package Processing Order",
    "Processing Order",
    "Data Template",
    "Comments",
    "Created by User ID",
    "Skip Table Triggers",
    "Parent Table ID",
    "Delete Recs Before Processing",
    "Dimensions as Columns",
  ].map(elementName),
);
