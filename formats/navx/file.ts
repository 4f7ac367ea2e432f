/**
 * Reading a `.app` file from disk, with messages that name the file: what the provider shows when a stack points
 * at something that is not a readable extension package.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { NotAnExtensionFileError } from "./errors";
import { type AppManifest, readAppManifest } from "./read";

export class AppFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppFileError";
  }
}

/** The file's bytes (read once, for the upload), SHA-256 (hex) and manifest. Throws AppFileError. */
export function readAppFile(path: string): { bytes: Buffer; sha256: string; manifest: AppManifest } {
  const bytes = readBytes(path);
  return { bytes, sha256: createHash("sha256").update(bytes).digest("hex"), manifest: manifestOf(bytes, path) };
}

function readBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AppFileError(
      code === "ENOENT"
        ? `the file ${path} does not exist`
        : `the file ${path} cannot be read (${code ?? (err as Error).message})`,
    );
  }
}

function manifestOf(bytes: Buffer, path: string): AppManifest {
  try {
    return readAppManifest(bytes);
  } catch (err) {
    if (!(err instanceof NotAnExtensionFileError)) throw err;
    throw new AppFileError(`${path} is not a Business Central extension package (.app): ${err.reason}`);
  }
}
