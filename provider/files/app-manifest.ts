// Temporary: provider/resources/extension*.ts still import from here while they are being rewritten. Import from
// formats/navx and formats/version instead, then delete this file.
export { AppFileError, type AppManifest, readAppFile, readAppManifest } from "../../formats/navx";
export { compareVersions, normaliseVersion } from "../../formats/version";
