// What the automation API does with RapidStart packages: import and apply. The file format is formats/rapidstart.
export { applyPackage, importIntoPackage, recount } from "./import-apply";
export { parseRapidStart } from "./package-file";
export { knownTable, tableExists } from "./tables";
