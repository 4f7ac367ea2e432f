/**
 * Reading `.app` packages: NAVX header → zip content → `NavxManifest.xml` (+ `SymbolReference.json` on request).
 * Entries are found through the zip's central directory and only the ones asked for are read and inflated, each
 * bounded before inflating (zip bombs); from a file, only the header, the directory and the manifest are read.
 */
import { NotAnExtensionFileError } from "./errors";
import { NAVX_HEADER_SIZE, readNavxHeader } from "./header";
import { type AppDependency, type AppIdentity, parseManifest } from "./manifest";
import { type AppTable, readTables } from "./symbols";
import { type ReadAt, readZipEntry, type ZipEntry, zipEntries } from "./zip";

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

/** A package as positioned reads: a Buffer in memory, or an open file. */
export interface PackageSource {
  size: number;
  read: ReadAt;
}

const MANIFEST = "navxmanifest.xml";
const SYMBOLS = "symbolreference.json";
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_SYMBOLS_BYTES = 64 * 1024 * 1024;

/** Identity and package id, reading only the header and the manifest entry. Throws NotAnExtensionFileError. */
export function readAppManifest(bytes: Buffer): AppManifest {
  return readManifestFrom(bufferSource(bytes));
}

export function readManifestFrom(source: PackageSource): AppManifest {
  const pkg = openPackage(source);
  const { identity } = parseManifest(manifestText(pkg));
  return { ...identity, packageId: pkg.packageId };
}

/** Identity, dependencies and tables. Throws NotAnExtensionFileError. */
export function readApp(bytes: Buffer): AppPackageInfo {
  const pkg = openPackage(bufferSource(bytes));
  const { identity, dependencies } = parseManifest(manifestText(pkg));
  const symbols = optionalEntryText(pkg, SYMBOLS, MAX_SYMBOLS_BYTES);
  return {
    ...identity,
    packageId: pkg.packageId,
    dependencies,
    tables: symbols === undefined ? undefined : readTables(symbols),
  };
}

interface OpenPackage {
  packageId: string;
  read: ReadAt;
  entries: ZipEntry[];
}

function bufferSource(bytes: Buffer): PackageSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
}

function openPackage(source: PackageSource): OpenPackage {
  const header = readNavxHeader(source.read(0, NAVX_HEADER_SIZE), source.size);
  const { metadataSize, contentLength } = header;
  // Reads relative to the content, never past its end (a signature block may follow it).
  const read: ReadAt = (offset, length) =>
    source.read(metadataSize + offset, Math.max(0, Math.min(length, contentLength - offset)));
  if (read(0, 4).toString("latin1") === ".NEA") {
    throw new NotAnExtensionFileError("it is a runtime package (compiled without source); its manifest cannot be read");
  }
  return { packageId: header.packageId, read, entries: zipEntries(read, contentLength) };
}

function manifestText(pkg: OpenPackage): string {
  const text = entryText(pkg, MANIFEST, MAX_MANIFEST_BYTES);
  if (text === undefined) throw new NotAnExtensionFileError("NavxManifest.xml is missing");
  return text;
}

/** Symbols are optional metadata: a package whose symbols cannot be read simply has no schema information. */
function optionalEntryText(pkg: OpenPackage, lowerCaseName: string, maxBytes: number): string | undefined {
  try {
    return entryText(pkg, lowerCaseName, maxBytes);
  } catch (err) {
    if (err instanceof NotAnExtensionFileError) return undefined;
    throw err;
  }
}

function entryText(pkg: OpenPackage, lowerCaseName: string, maxBytes: number): string | undefined {
  const entry = pkg.entries.find((e) => e.name.toLowerCase() === lowerCaseName);
  if (!entry) return undefined;
  const bytes = readZipEntry(pkg.read, entry, maxBytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8");
}
