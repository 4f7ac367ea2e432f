// Reading and writing Business Central `.app` packages (NAVX container + zip with NavxManifest.xml).
export { buildApp, type BuildAppInput } from "./build-app";
export {
  readApp,
  compareVersions,
  NotAnExtensionFileError,
  NOT_AN_EXTENSION_MESSAGE,
  type AppPackageInfo,
  type AppDependency,
  type AppTable,
} from "./read-app";
