// RapidStart (configuration package) files and the import/apply logic the automation API runs on them.
// The file format itself lives in formats/rapidstart; these re-exports keep the emulator's public surface.
export {
  buildPackageXml,
  decodeXmlText,
  elementName,
  type PackageSpec,
  type ParsedPackage,
  type ParsedTable,
  packRapidStart,
  RapidStartFileError,
  type TableSpec,
} from "../../formats/rapidstart";
export { applyPackage, importIntoPackage, recount } from "./import-apply";
export { parseRapidStart } from "./package-file";
export { knownTable, tableExists } from "./tables";
