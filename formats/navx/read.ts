/**
 * Reading `.app` packages: NAVX header → zip content → `NavxManifest.xml` (+ `SymbolReference.json` on request).
 * The bytes are read in place: only the zip entries asked for are inflated, each bounded before inflating (zip
 * bombs), so reading a manifest costs the file once plus the manifest's size.
 */
import { type UnzipFileInfo, unzipSync } from "fflate";
import { NotAnExtensionFileError } from "./errors";
import { navxContent, readNavxHeader } from "./header";
import { type AppDependency, type AppIdentity, parseManifest } from "./manifest";
import { type AppTable, readTables } from "./symbols";

/** What the provider needs from a package: its identity and the NAVX package id. */
export interface AppManifest extends AppIdentity {
  /** Package id of the NAVX header (lower-case GUID; a new one per compilation). */
  packageId: string;
}

/** Everything the emulator reads from a package. */
export interface AppPackageInfo extends AppManifest {
  dependencies: AppDependency[];
  /** Tables declared in `SymbolReference.json`; undefined when the package carries none. */
  tables?: AppTable[];
}

const MANIFEST = "navxmanifest.xml";
const SYMBOLS = "symbolreference.json";
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_SYMBOLS_BYTES = 64 * 1024 * 1024;

/** Identity and package id, reading only the header and the manifest entry. Throws NotAnExtensionFileError. */
export function readAppManifest(bytes: Buffer): AppManifest {
  const { packageId, entries } = openPackage(bytes, false);
  const { identity } = parseManifest(manifestText(entries));
  return { ...identity, packageId };
}

/** Identity, dependencies and tables. Throws NotAnExtensionFileError. */
export function readApp(bytes: Buffer): AppPackageInfo {
  const { packageId, entries } = openPackage(bytes, true);
  const { identity, dependencies } = parseManifest(manifestText(entries));
  const symbols = entryText(entries, SYMBOLS);
  return { ...identity, packageId, dependencies, tables: symbols === undefined ? undefined : readTables(symbols) };
}

function openPackage(bytes: Buffer, withSymbols: boolean): { packageId: string; entries: Record<string, Uint8Array> } {
  const header = readNavxHeader(bytes);
  const content = navxContent(bytes, header);
  if (Buffer.from(content.buffer, content.byteOffset, Math.min(4, content.length)).toString("latin1") === ".NEA") {
    throw new NotAnExtensionFileError("it is a runtime package (compiled without source); its manifest cannot be read");
  }
  const wanted = (file: UnzipFileInfo) => {
    const name = file.name.toLowerCase();
    if (name === MANIFEST) return file.originalSize <= MAX_MANIFEST_BYTES;
    return withSymbols && name === SYMBOLS && file.originalSize <= MAX_SYMBOLS_BYTES;
  };
  try {
    return { packageId: header.packageId, entries: unzipSync(content, { filter: wanted }) };
  } catch (err) {
    throw new NotAnExtensionFileError(`its content is not a zip (${(err as Error).message})`);
  }
}

function manifestText(entries: Record<string, Uint8Array>): string {
  const text = entryText(entries, MANIFEST);
  if (text === undefined) throw new NotAnExtensionFileError("NavxManifest.xml is missing");
  return text;
}

function entryText(entries: Record<string, Uint8Array>, lowerCaseName: string): string | undefined {
  const name = Object.keys(entries).find((n) => n.toLowerCase() === lowerCaseName);
  if (name === undefined) return undefined;
  const bytes = entries[name];
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
}
