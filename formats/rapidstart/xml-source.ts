/**
 * A package file given as readable RapidStart XML instead of a `.rapidstart`: told apart by content (a `.rapidstart`
 * is GZip, XML starts with `<` in UTF-8 or UTF-16, with or without a byte-order mark), checked with the package
 * reader and packed the way Business Central exports packages.
 */
import { decodeXmlText, packRapidStart } from "./file";
import { type ParsedPackage, readPackageXml } from "./read";

export type PackageFileFormat = "rapidstart" | "xml" | "unknown";

/** The format of a package file from its first bytes (a few hundred are plenty). */
export function packageFileFormat(head: Buffer): PackageFileFormat {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "rapidstart";
  // An odd byte count would cut a UTF-16 text; decode an even prefix.
  const text = decodeXmlText(head.subarray(0, head.length - (head.length % 2)));
  return text
    .replace(/^\uFEFF/, "")
    .trimStart()
    .startsWith("<")
    ? "xml"
    : "unknown";
}

/** Package XML bytes (UTF-8 or UTF-16) checked and packed into `.rapidstart` bytes. Throws RapidStartFileError. */
export function packRapidStartXml(xml: Buffer): { bytes: Buffer; pkg: ParsedPackage } {
  const text = decodeXmlText(xml);
  const pkg = readPackageXml(text);
  return { bytes: packRapidStart(text), pkg };
}
