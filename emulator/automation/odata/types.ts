/**
 * Shared vocabulary of the OData layer. Kept in its own module so the filter parser, the evaluator and the
 * query-option parser can all name field types without importing each other.
 */

/** The EDM type of an entity property, as far as filtering, ordering and keys need to know it. */
export type FieldType = "string" | "guid" | "int" | "decimal" | "bool" | "datetime" | "date" | "enum";

/** What the query layer needs to know about an entity type: its EDM name and its properties. */
export interface EntityShape {
  /** Entity (singular) name, e.g. `configurationPackage`; errors say `Microsoft.NAV.<name>` like BC does. */
  name: string;
  fields: Record<string, FieldType>;
}

/** The EDM spelling of a field type, used in BC/ODL-style type error messages. */
export const EDM_NAMES: Record<FieldType | "null", string> = {
  string: "Edm.String",
  guid: "Edm.Guid",
  int: "Edm.Int32",
  decimal: "Edm.Decimal",
  bool: "Edm.Boolean",
  datetime: "Edm.DateTimeOffset",
  date: "Edm.Date",
  // BC publishes AL enums/options as OData enum types in the Microsoft.NAV namespace.
  enum: "Microsoft.NAV.Enum",
  null: "null",
};
