import { type UnzipFileInfo, unzipSync } from "fflate";
import { XMLParser } from "fast-xml-parser";
import { readNavxHeader } from "./navx";

/** BC's message when uploaded bytes are not an extension (reference §6.2 step 5). */
export const NOT_AN_EXTENSION_MESSAGE = "The specified file is not an extension file.";

/** Uploaded bytes that are not a readable `.app` package. `reason` is for logs and tests, never for the wire. */
export class NotAnExtensionFileError extends Error {
  constructor(readonly reason: string) {
    super(NOT_AN_EXTENSION_MESSAGE);
    this.name = "NotAnExtensionFileError";
  }
}

export interface AppDependency {
  id: string;
  name: string;
  publisher: string;
  /** The dependency's MinVersion. */
  version: string;
}

/** A table of the package's schema (from `SymbolReference.json`): what schema synchronisation compares. */
export interface AppTable {
  id: number;
  name: string;
  fields: { id: number; name: string }[];
}

export interface AppPackageInfo {
  /** Package id from the NAVX header (a new one per compilation). */
  packageId: string;
  id: string;
  name: string;
  publisher: string;
  /** Four-part version `major.minor.build.revision`. */
  version: string;
  dependencies: AppDependency[];
  /** Tables declared in `SymbolReference.json`; undefined when the package carries none. */
  tables?: AppTable[];
}

const GUID = /^\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\}?$/i;
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_SYMBOLS_BYTES = 64 * 1024 * 1024;

/** Reads the identity, dependencies and tables of a `.app` file; anything else ⇒ NotAnExtensionFileError. */
export function readApp(bytes: Buffer): AppPackageInfo {
  const header = readNavxHeader(bytes);
  if (!header) throw new NotAnExtensionFileError("no NAVX header");
  const content = bytes.subarray(header.metadataSize, header.metadataSize + header.contentLength);
  const entries = unzipEntries(content);
  const manifestName = Object.keys(entries).find((n) => n.toLowerCase() === "navxmanifest.xml");
  if (!manifestName) throw new NotAnExtensionFileError("NavxManifest.xml missing");
  const manifest = parseManifest(Buffer.from(entries[manifestName]).toString("utf8"));
  const symbolsName = Object.keys(entries).find((n) => n.toLowerCase() === "symbolreference.json");
  const tables = symbolsName ? readTables(Buffer.from(entries[symbolsName]).toString("utf8")) : undefined;
  return { packageId: header.packageId, ...manifest, tables };
}

/** Extracts only the two parts the emulator reads, refusing absurd sizes (zip bombs) before inflating. */
function unzipEntries(content: Buffer): Record<string, Uint8Array> {
  const wanted = (file: UnzipFileInfo) => {
    const name = file.name.toLowerCase();
    if (name === "navxmanifest.xml") return file.originalSize <= MAX_MANIFEST_BYTES;
    if (name === "symbolreference.json") return file.originalSize <= MAX_SYMBOLS_BYTES;
    return false;
  };
  try {
    return unzipSync(new Uint8Array(content.buffer, content.byteOffset, content.length), { filter: wanted });
  } catch (err) {
    throw new NotAnExtensionFileError(`content is not a zip: ${(err as Error).message}`);
  }
}

type XmlNode = Record<string, unknown>;

function parseManifest(xml: string): Omit<AppPackageInfo, "packageId" | "tables"> {
  // No DTDs: a manifest never needs one, and refusing them keeps entity expansion out of the picture.
  if (/<!DOCTYPE/i.test(xml)) throw new NotAnExtensionFileError("manifest has a DOCTYPE");
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "",
    removeNSPrefix: true,
    parseAttributeValue: false,
    parseTagValue: false,
    isArray: (name) => name === "Dependency" || name === "App",
  });
  let doc: XmlNode;
  try {
    doc = parser.parse(xml.replace(/^\uFEFF/, "")) as XmlNode;
  } catch (err) {
    throw new NotAnExtensionFileError(`manifest is not XML: ${(err as Error).message}`);
  }
  const pkg = asNode(doc.Package);
  const apps = pkg?.App;
  if (!pkg || !Array.isArray(apps) || apps.length !== 1) throw new NotAnExtensionFileError("no Package/App element");
  const app = asNode(apps[0]) ?? {};
  const id = guidAttr(app.Id);
  const name = textAttr(app.Name);
  const publisher = textAttr(app.Publisher);
  const version = versionAttr(app.Version);
  if (!id || !name || publisher === undefined || !version) {
    throw new NotAnExtensionFileError("App element lacks Id, Name, Publisher or Version");
  }
  const deps = asNode(pkg.Dependencies)?.Dependency;
  const dependencies = (Array.isArray(deps) ? deps : []).map((raw) => {
    const dep = asNode(raw) ?? {};
    // Older manifests name the id `AppId`; alc writes `Id` and `MinVersion`.
    const depId = guidAttr(dep.Id ?? dep.AppId);
    const depVersion = versionAttr(dep.MinVersion ?? dep.Version ?? "0.0.0.0");
    if (!depId || !depVersion) throw new NotAnExtensionFileError("Dependency lacks Id or MinVersion");
    return { id: depId, name: textAttr(dep.Name) ?? "", publisher: textAttr(dep.Publisher) ?? "", version: depVersion };
  });
  return { id, name, publisher, version, dependencies };
}

/**
 * Tables and fields from `SymbolReference.json` (top level and nested `Namespaces`). The file is optional
 * metadata for the emulator: if it cannot be read the package simply has no schema information.
 */
function readTables(json: string): AppTable[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(json.replace(/^\uFEFF/, ""));
  } catch {
    return undefined;
  }
  const tables: AppTable[] = [];
  const visit = (scope: unknown) => {
    const node = asNode(scope);
    if (!node) return;
    for (const t of Array.isArray(node.Tables) ? node.Tables : []) {
      const table = asNode(t);
      if (!table || typeof table.Id !== "number") continue;
      const fields = (Array.isArray(table.Fields) ? table.Fields : [])
        .map((f) => asNode(f))
        .filter((f): f is XmlNode => !!f && typeof f.Id === "number")
        .map((f) => ({ id: f.Id as number, name: String(f.Name ?? "") }));
      tables.push({ id: table.Id, name: String(table.Name ?? ""), fields });
    }
    for (const ns of Array.isArray(node.Namespaces) ? node.Namespaces : []) visit(ns);
  };
  visit(doc);
  return tables;
}

function asNode(value: unknown): XmlNode | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as XmlNode) : undefined;
}

function textAttr(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function guidAttr(value: unknown): string | undefined {
  const match = typeof value === "string" ? GUID.exec(value.trim()) : null;
  return match ? match[1].toLowerCase() : undefined;
}

/** AL versions are `major.minor[.build[.revision]]`; missing parts are 0. */
export function versionAttr(value: unknown): string | undefined {
  if (typeof value !== "string" || !/^\d+(\.\d+){1,3}$/.test(value.trim())) return undefined;
  const parts = value
    .trim()
    .split(".")
    .map((p) => Number.parseInt(p, 10));
  if (parts.some((p) => p > 2147483647)) return undefined;
  while (parts.length < 4) parts.push(0);
  return parts.join(".");
}

/** Compares two four-part versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 4; i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
