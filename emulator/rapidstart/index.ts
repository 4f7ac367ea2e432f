// RapidStart (configuration package) files and the import/apply logic the automation API runs on them.
export { elementName } from "./element-names";
export { packRapidStart, buildPackageXml, type PackageSpec, type TableSpec } from "./build";
export {
  decodeXmlText,
  parseRapidStart,
  parsePackageXml,
  RapidStartFileError,
  type ParsedPackage,
  type ParsedTable,
} from "./package-file";
export { importIntoPackage, applyPackage, recount } from "./import-apply";
export { knownTable, tableExists } from "./tables";
