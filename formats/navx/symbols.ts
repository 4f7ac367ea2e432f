/**
 * Tables and fields from `SymbolReference.json` (top level and nested `Namespaces`): what schema synchronisation
 * compares between two versions of an app.
 */

export interface AppTable {
  id: number;
  name: string;
  fields: { id: number; name: string }[];
}

type JsonNode = Record<string, unknown>;

/** The declared tables; undefined when the JSON cannot be read (the file is optional metadata, not identity). */
export function readTables(json: string): AppTable[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(json.replace(/^\uFEFF/, ""));
  } catch {
    return undefined;
  }
  const tables: AppTable[] = [];
  const visit = (scope: unknown) => {
    const node = asNode(scope);
    if (!node) return;
    for (const raw of arrayOf(node.Tables)) {
      const table = asNode(raw);
      if (table && typeof table.Id === "number") tables.push(tableOf(table.Id, table));
    }
    for (const ns of arrayOf(node.Namespaces)) visit(ns);
  };
  visit(doc);
  return tables;
}

/** The symbol JSON for a list of tables (the subset `readTables` reads back). */
export function tablesJson(
  tables: readonly AppTable[],
): { Id: number; Name: string; Fields: { Id: number; Name: string }[] }[] {
  return tables.map((t) => ({ Id: t.id, Name: t.name, Fields: t.fields.map((f) => ({ Id: f.id, Name: f.name })) }));
}

function tableOf(id: number, table: JsonNode): AppTable {
  const fields = arrayOf(table.Fields)
    .map(asNode)
    .filter((f): f is JsonNode => !!f && typeof f.Id === "number")
    .map((f) => ({ id: f.Id as number, name: String(f.Name ?? "") }));
  return { id, name: String(table.Name ?? ""), fields };
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function asNode(value: unknown): JsonNode | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonNode) : undefined;
}
