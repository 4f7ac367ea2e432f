// RapidStart configuration packages: GZip-compressed UTF-16 XML in the shape `Config. XML Exchange` writes.
export { buildPackageXml, type PackageSpec, type TableSpec } from "./build";
export { elementName, TABLE_METADATA_ELEMENTS } from "./element-names";
export { decodeXmlText, packRapidStart, RapidStartFileError, unpackRapidStart } from "./file";
export {
  type ParsedPackage,
  type ParsedRecord,
  type ParsedTable,
  type ReadPackageOptions,
  readPackageXml,
  readRapidStart,
} from "./read";
export { type PackageFileFormat, packageFileFormat, packRapidStartXml } from "./xml-source";
