/**
 * Reading single entries of the zip inside a `.app` through its central directory, from any random-access
 * source (a Buffer, or positioned reads of a file), so a manifest is found without reading or inflating the rest.
 * Enough of the zip format for what alc writes: stored or deflated entries, no encryption, no zip64.
 */
import { inflateSync } from "fflate";
import { NotAnExtensionFileError } from "./errors";

/** `length` bytes at `offset` of the zip (fewer only at its end). */
export type ReadAt = (offset: number, length: number) => Buffer;

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;

export interface ZipEntry {
  name: string;
  method: number;
  encrypted: boolean;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** The central directory's entries. Throws NotAnExtensionFileError when `size` bytes of `read` are not a zip. */
export function zipEntries(read: ReadAt, size: number): ZipEntry[] {
  const tailStart = Math.max(0, size - EOCD_SIZE - MAX_COMMENT);
  const tail = read(tailStart, size - tailStart);
  let eocd = -1;
  for (let i = tail.length - EOCD_SIZE; i >= 0 && eocd < 0; i--) if (tail.readUInt32LE(i) === EOCD_SIGNATURE) eocd = i;
  if (eocd < 0) throw notZip("no end of central directory");
  const directorySize = tail.readUInt32LE(eocd + 12);
  const directoryOffset = tail.readUInt32LE(eocd + 16);
  if (directoryOffset + directorySize > tailStart + eocd) throw notZip("the central directory lies outside the zip");
  const directory = read(directoryOffset, directorySize);
  const entries: ZipEntry[] = [];
  for (let p = 0; p + 46 <= directory.length; ) {
    if (directory.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw notZip("a damaged central directory");
    const nameLength = directory.readUInt16LE(p + 28);
    entries.push({
      name: directory.toString("utf8", p + 46, p + 46 + nameLength),
      encrypted: (directory.readUInt16LE(p + 8) & 1) === 1,
      method: directory.readUInt16LE(p + 10),
      compressedSize: directory.readUInt32LE(p + 20),
      size: directory.readUInt32LE(p + 24),
      localHeaderOffset: directory.readUInt32LE(p + 42),
    });
    p += 46 + nameLength + directory.readUInt16LE(p + 30) + directory.readUInt16LE(p + 32);
  }
  return entries;
}

/** The inflated content of `entry`, refused above `maxBytes` before inflating (zip bombs). */
export function readZipEntry(read: ReadAt, entry: ZipEntry, maxBytes: number): Uint8Array {
  if (entry.size > maxBytes) throw notZip(`${entry.name} is larger than ${maxBytes} bytes`);
  if (entry.encrypted) throw notZip(`${entry.name} is encrypted`);
  const local = read(entry.localHeaderOffset, 30);
  if (local.length < 30 || local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw notZip(`no local header for ${entry.name}`);
  const dataOffset = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  const data = read(dataOffset, entry.compressedSize);
  if (data.length !== entry.compressedSize) throw notZip(`${entry.name} is cut off`);
  if (entry.method === 0) return data;
  if (entry.method !== 8) throw notZip(`${entry.name} uses compression method ${entry.method}`);
  try {
    const out = inflateSync(data, { out: new Uint8Array(entry.size) });
    if (out.length !== entry.size) throw new Error("size differs from the directory's");
    return out;
  } catch (err) {
    throw notZip(`${entry.name} cannot be inflated (${(err as Error).message})`);
  }
}

function notZip(why: string): NotAnExtensionFileError {
  return new NotAnExtensionFileError(`its content is not a zip (${why})`);
}
