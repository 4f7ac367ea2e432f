/**
 * The `.rapidstart` container, as `Config. Pckg. Compression Mgt.` writes it: the package XML as UTF-16LE with a
 * byte-order mark and an `encoding="UTF-16"` declaration, compressed with GZip. Errors carry the .NET messages BC
 * shows, since BC decompresses with GZipStream and reads with XmlDocument.
 */
import { gunzipSync, gzipSync } from "fflate";

/** Anything that is not a RapidStart package; the message is what BC reports as the package's import error. */
export class RapidStartFileError extends Error {
  override name = "RapidStartFileError";
}

export const UTF16_DECLARATION = '<?xml version="1.0" encoding="UTF-16" standalone="yes"?>';

/** Largest decompressed package accepted (BC's file limit is 350 MB of compressed upload). */
const MAX_XML_BYTES = 512 * 1024 * 1024;

/** Compresses readable package XML into `.rapidstart` bytes (the declaration is rewritten to UTF-16). */
export function packRapidStart(xml: string): Buffer {
  const body = xml.replace(/^\uFEFF/, "").replace(/^\s*<\?xml[^?]*\?>/, "");
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${UTF16_DECLARATION}${body}`, "utf16le")]);
  // MTIME 0, as .NET's GZipStream writes it: fflate would stamp the current second, so the same XML packed a second
  // later gave other bytes.
  return Buffer.from(gzipSync(utf16, { mtime: 0 }));
}

/** The package XML text of `.rapidstart` bytes. Throws RapidStartFileError. */
export function unpackRapidStart(bytes: Buffer): string {
  return decodeXmlText(gunzip(bytes));
}

/** GZip decompression with .NET's GZipStream messages. */
export function gunzip(bytes: Buffer): Buffer {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b || bytes[2] !== 8) {
    throw new RapidStartFileError("The archive entry was compressed using an unsupported compression method.");
  }
  // The gzip trailer's ISIZE lets an oversized package be refused before inflating it.
  if (bytes.readUInt32LE(bytes.length - 4) > MAX_XML_BYTES) throw new RapidStartFileError("Stream was too long.");
  try {
    return Buffer.from(gunzipSync(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)));
  } catch {
    throw new RapidStartFileError("Found invalid data while decoding.");
  }
}

/** Decodes XML bytes by their byte-order mark (BC writes UTF-16LE with a BOM); without one, UTF-16 is sniffed. */
export function decodeXmlText(xml: Buffer): string {
  if (xml[0] === 0xff && xml[1] === 0xfe) return xml.subarray(2).toString("utf16le");
  if (xml[0] === 0xfe && xml[1] === 0xff) return bigEndianUtf16(xml.subarray(2));
  if (xml[0] === 0xef && xml[1] === 0xbb && xml[2] === 0xbf) return xml.subarray(3).toString("utf8");
  if (xml.length >= 2 && xml.length % 2 === 0 && xml[0] === 0x3c && xml[1] === 0) return xml.toString("utf16le");
  if (xml.length >= 2 && xml.length % 2 === 0 && xml[0] === 0 && xml[1] === 0x3c) {
    return bigEndianUtf16(xml);
  }
  return xml.toString("utf8");
}

/** swap16 needs an even length; a dangling odd byte is dropped, as a UTF-16 decoder cannot use it either. */
function bigEndianUtf16(bytes: Buffer): string {
  return Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)))
    .swap16()
    .toString("utf16le");
}
