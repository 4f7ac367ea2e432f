// Business Central `.app` packages: NAVX container + zip with NavxManifest.xml and SymbolReference.json.
export { buildApp, type BuildAppInput } from "./build";
export { NOT_AN_EXTENSION_MESSAGE, NotAnExtensionFileError } from "./errors";
export {
  guidFromDotNetBytes,
  guidToDotNetBytes,
  NAVX_HEADER_SIZE,
  NAVX_MAGIC,
  type NavxHeader,
  readNavxHeader,
  writeNavx,
} from "./header";
export type { AppDependency, AppIdentity } from "./manifest";
export {
  type AppManifest,
  type AppPackageInfo,
  type PackageSource,
  readApp,
  readAppManifest,
  readManifestFrom,
} from "./read";
export type { AppTable } from "./symbols";
export { AppFileError, readAppFile, readAppFileManifest } from "./file";
