/**
 * The NAVX container around a Business Central `.app` package.
 *
 * Layout (all integers little-endian), as read and written by Microsoft's own tooling —
 * microsoft/navcontainerhelper `AppHandling/Extract-AppFileToFolder.ps1` (reader) and
 * `AppHandling/Replace-DependenciesInAppFile.ps1` (writer: `UInt32 0x5856414E, UInt32 40, UInt32 2,
 * packageId.ToByteArray(), UInt64 length, UInt32 0x5856414E`), corroborated by ebourg/jsign
 * `jsign-core/src/main/java/net/jsign/navx/NAVXHeader.java` (40-byte header, content size at offset 28,
 * second `NAVX` at offset 36; an optional Authenticode signature block follows the content):
 *
 * | offset | size | field                                                          |
 * |--------|------|----------------------------------------------------------------|
 * | 0      | 4    | magic `NAVX` (0x5856414E)                                      |
 * | 4      | 4    | metadata (header) size = 40; the content starts at this offset |
 * | 8      | 4    | metadata version, ≤ 2 (readers refuse higher)                  |
 * | 12     | 16   | package id, .NET `Guid.ToByteArray()` byte order               |
 * | 28     | 8    | content length (the zip's byte count)                          |
 * | 36     | 4    | magic `NAVX` again                                             |
 * | 40     | n    | content: a zip (OPC package) holding `NavxManifest.xml`, `SymbolReference.json`, … |
 *
 * Runtime packages (compiled without source; content starts `.NEA` instead of `PK`) are not zips: their manifest
 * cannot be read here.
 */
import { NotAnExtensionFileError } from "./errors";

export const NAVX_MAGIC = 0x5856414e;
export const NAVX_HEADER_SIZE = 40;
export const NAVX_METADATA_VERSION = 2;

export interface NavxHeader {
  metadataSize: number;
  metadataVersion: number;
  /** Lower-case GUID; a new one per compilation. */
  packageId: string;
  contentLength: number;
}

/**
 * Parses the header (the first bytes of a package) and checks the content fits in a package of `packageSize`
 * bytes; throws NotAnExtensionFileError otherwise.
 */
export function readNavxHeader(bytes: Buffer, packageSize = bytes.length): NavxHeader {
  if (
    bytes.length < NAVX_HEADER_SIZE ||
    bytes.readUInt32LE(0) !== NAVX_MAGIC ||
    bytes.readUInt32LE(36) !== NAVX_MAGIC
  ) {
    throw new NotAnExtensionFileError("no NAVX header");
  }
  const metadataSize = bytes.readUInt32LE(4);
  const metadataVersion = bytes.readUInt32LE(8);
  const contentLength = bytes.readBigUInt64LE(28);
  if (metadataSize < NAVX_HEADER_SIZE || metadataVersion > NAVX_METADATA_VERSION) {
    throw new NotAnExtensionFileError("unsupported NAVX header");
  }
  if (BigInt(metadataSize) + contentLength > BigInt(packageSize)) {
    throw new NotAnExtensionFileError("the file is truncated");
  }
  return {
    metadataSize,
    metadataVersion,
    packageId: guidFromDotNetBytes(bytes.subarray(12, 28)),
    contentLength: Number(contentLength),
  };
}

/** Wraps zip content in a NAVX header. */
export function writeNavx(packageId: string, content: Uint8Array): Buffer {
  const header = Buffer.alloc(NAVX_HEADER_SIZE);
  header.writeUInt32LE(NAVX_MAGIC, 0);
  header.writeUInt32LE(NAVX_HEADER_SIZE, 4);
  header.writeUInt32LE(NAVX_METADATA_VERSION, 8);
  guidToDotNetBytes(packageId).copy(header, 12);
  header.writeBigUInt64LE(BigInt(content.length), 28);
  header.writeUInt32LE(NAVX_MAGIC, 36);
  return Buffer.concat([header, content]);
}

/** .NET writes the first three GUID groups little-endian and the last eight bytes as they read. */
export function guidToDotNetBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a GUID: ${guid}`);
  return swapGuidGroups(Buffer.from(hex, "hex"));
}

export function guidFromDotNetBytes(bytes: Uint8Array): string {
  const hex = swapGuidGroups(Buffer.from(bytes)).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The byte swap is its own inverse, so one function converts both ways. Mutates and returns `raw`. */
function swapGuidGroups(raw: Buffer): Buffer {
  raw.subarray(0, 4).reverse();
  raw.subarray(4, 6).reverse();
  raw.subarray(6, 8).reverse();
  return raw;
}
