/**
 * Provider-side reader of a Business Central `.app` package: the identity in its `NavxManifest.xml`.
 *
 * Layout (little-endian): a 40-byte NAVX header — magic `NAVX` (0x5856414E) at 0, header size at 4 (content
 * starts there, ≥ 40), metadata version at 8 (≤ 2), package id at 12 (16 bytes, .NET `Guid.ToByteArray()` order),
 * content length at 28 (UInt64), magic again at 36 — followed by a zip holding `NavxManifest.xml`, whose
 * `Package/App` element carries `Id`, `Name`, `Publisher` and `Version`. Runtime packages (content not a zip) and
 * anything else are refused with an `AppFileError`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { XMLParser } from "fast-xml-parser";
import { type UnzipFileInfo, unzipSync } from "fflate";

export class AppFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppFileError";
  }
}

export interface AppManifest {
  /** App id (lower-case GUID). */
  id: string;
  name: string;
  publisher: string;
  /** Four-part version. */
  version: string;
  /** Package id of the NAVX header (lower-case GUID). */
  packageId: string;
}

const MAGIC = 0x5856414e;
const HEADER = 40;
const MAX_MANIFEST_BYTES = 1024 * 1024;
const GUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

/** Reads a `.app` file: its bytes, SHA-256 (hex) and manifest. Throws AppFileError with a readable reason. */
export function readAppFile(path: string): { bytes: Buffer; sha256: string; manifest: AppManifest } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AppFileError(
      code === "ENOENT"
        ? `the file ${path} does not exist`
        : `the file ${path} cannot be read (${code ?? (err as Error).message})`,
    );
  }
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex"), manifest: readAppManifest(bytes, path) };
}

export function readAppManifest(bytes: Buffer, what = "the file"): AppManifest {
  const notApp = (why: string) =>
    new AppFileError(`${what} is not a Business Central extension package (.app): ${why}`);
  if (bytes.length < HEADER || bytes.readUInt32LE(0) !== MAGIC || bytes.readUInt32LE(36) !== MAGIC) {
    throw notApp("no NAVX header");
  }
  const headerSize = bytes.readUInt32LE(4);
  const metadataVersion = bytes.readUInt32LE(8);
  const contentLength = bytes.readBigUInt64LE(28);
  if (headerSize < HEADER || metadataVersion > 2) throw notApp("unsupported NAVX header");
  if (BigInt(headerSize) + contentLength > BigInt(bytes.length)) throw notApp("the file is truncated");
  const packageId = dotNetGuid(bytes.subarray(12, 28));
  const content = bytes.subarray(headerSize, headerSize + Number(contentLength));
  if (content.length >= 4 && content.subarray(0, 4).toString("latin1") === ".NEA") {
    throw notApp("it is a runtime package (compiled without source); its manifest cannot be read");
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(new Uint8Array(content.buffer, content.byteOffset, content.length), {
      filter: (f: UnzipFileInfo) => f.name.toLowerCase() === "navxmanifest.xml" && f.originalSize <= MAX_MANIFEST_BYTES,
    });
  } catch (err) {
    throw notApp(`its content is not a zip (${(err as Error).message})`);
  }
  const name = Object.keys(entries)[0];
  if (!name) throw notApp("NavxManifest.xml is missing");
  const xml = Buffer.from(entries[name])
    .toString("utf8")
    .replace(/^\uFEFF/, "");
  if (/<!DOCTYPE/i.test(xml)) throw notApp("the manifest has a DOCTYPE");
  let doc: Record<string, unknown>;
  try {
    doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      removeNSPrefix: true,
      parseAttributeValue: false,
      parseTagValue: false,
      isArray: (n) => n === "App",
    }).parse(xml) as Record<string, unknown>;
  } catch (err) {
    throw notApp(`the manifest is not XML (${(err as Error).message})`);
  }
  const apps = (doc.Package as { App?: unknown } | undefined)?.App;
  if (!Array.isArray(apps) || apps.length !== 1 || !apps[0] || typeof apps[0] !== "object") {
    throw notApp("the manifest has no Package/App element");
  }
  const app = apps[0] as Record<string, unknown>;
  const id = typeof app.Id === "string" ? GUID.exec(app.Id.trim())?.[1].toLowerCase() : undefined;
  const version = normaliseVersion(app.Version);
  if (!id || typeof app.Name !== "string" || !app.Name || typeof app.Publisher !== "string" || !version) {
    throw notApp("the manifest's App element lacks a valid Id, Name, Publisher or Version");
  }
  return { id, name: app.Name, publisher: app.Publisher, version, packageId };
}

/** `major.minor[.build[.revision]]` → four parts; undefined when not a version. */
export function normaliseVersion(value: unknown): string | undefined {
  if (typeof value !== "string" || !/^\d+(\.\d+){1,3}$/.test(value.trim())) return undefined;
  const parts = value
    .trim()
    .split(".")
    .map((p) => Number.parseInt(p, 10));
  if (parts.some((p) => p > 2147483647)) return undefined;
  while (parts.length < 4) parts.push(0);
  return parts.join(".");
}

/** Numeric comparison of dotted versions (missing parts are 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length, 4); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function dotNetGuid(b: Buffer): string {
  const raw = Buffer.from(b);
  raw.subarray(0, 4).reverse();
  raw.subarray(4, 6).reverse();
  raw.subarray(6, 8).reverse();
  const h = raw.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
