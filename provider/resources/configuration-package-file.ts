/**
 * ConfigurationPackage's `file`: a `.rapidstart` (uploaded as is, streamed from disk) or RapidStart XML (UTF-8 or
 * UTF-16, told apart by content), which is checked at preview and packed into a `.rapidstart` for the upload. The
 * hash that decides updates is of the given file's bytes either way, so unchanged XML is no diff.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import { isAbsolute } from "node:path";
import { sha256OfFile } from "../../formats/file-hash";
import {
  type PackageFileFormat,
  packageFileFormat,
  packRapidStartXml,
  RapidStartFileError,
} from "../../formats/rapidstart";
import { type FileBody, fileBody } from "../http";

/** SHA-256 (hex) of the package file and its format, or the reason it cannot be used (the fix included). */
export function inspectPackageFile(filePath: string): { sha: string; format: PackageFileFormat } | { reason: string } {
  if (!isAbsolute(filePath)) {
    return { reason: `must resolve to an absolute path (got '${filePath}'); pass a path or a pulumi.asset.FileAsset` };
  }
  try {
    const format = formatOf(filePath);
    if (format === "xml") {
      // Checked now, so a mistake in hand-written XML fails the preview rather than the import.
      try {
        packRapidStartXml(readFileSync(filePath));
      } catch (err) {
        if (!(err instanceof RapidStartFileError)) throw err;
        return {
          reason: `the package file '${filePath}' is XML but not a RapidStart package Business Central can import: ${err.message} Fix the XML (root <DataList Code="…">, one <…List> element per table).`,
        };
      }
    }
    return { sha: sha256OfFile(filePath), format };
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === "ENOENT"
        ? "does not exist"
        : `cannot be read (${(err as Error).message})`;
    return {
      reason: `the package file '${filePath}' ${why}; point file at an existing .rapidstart or RapidStart XML file`,
    };
  }
}

/** What to upload for the package file: a `.rapidstart` streamed from disk, XML packed in memory. */
export function packageUploadBody(filePath: string): { body: Uint8Array | FileBody; size: number; what: string } {
  if (formatOf(filePath) !== "xml") {
    const body = fileBody(filePath);
    return { body, size: body.size, what: filePath };
  }
  const { bytes } = packRapidStartXml(readFileSync(filePath));
  return { body: bytes, size: bytes.length, what: `${filePath} packed as .rapidstart` };
}

function formatOf(filePath: string): PackageFileFormat {
  const head = Buffer.alloc(512);
  const fd = openSync(filePath, "r");
  try {
    return packageFileFormat(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
  } finally {
    closeSync(fd);
  }
}
