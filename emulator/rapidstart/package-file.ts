/**
 * The emulator reads `.rapidstart` files with the shared format reader (formats/rapidstart), giving it the table
 * names it knows in place of BC's table metadata.
 */
import { type ParsedPackage, readRapidStart } from "../../formats/rapidstart";
import { knownTable } from "./tables";

/** Decompresses and parses a `.rapidstart` file. Throws `RapidStartFileError` for anything that is not a package. */
export function parseRapidStart(bytes: Buffer): ParsedPackage {
  return readRapidStart(bytes, { tableName: (tableId) => knownTable(tableId)?.name });
}
