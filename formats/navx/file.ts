/**
 * Reading a `.app` file from disk, with messages that name the file: what the provider shows when a stack points
 * at something that is not a readable extension package.
 */
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { NotAnExtensionFileError } from "./errors";
import { type AppManifest, type PackageSource, readAppManifest, readManifestFrom } from "./read";

export class AppFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppFileError";
  }
}

/** The file's bytes (read once, for the upload), SHA-256 (hex) and manifest. Throws AppFileError. */
export function readAppFile(path: string): { bytes: Buffer; sha256: string; manifest: AppManifest } {
  const bytes = fileOperation(path, () => readFileSync(path));
  return { bytes, sha256: sha256Hex([bytes]), manifest: manifestOf(path, () => readAppManifest(bytes)) };
}

/**
 * SHA-256 and manifest without holding the file: it is hashed in chunks, and only the header, the zip's central
 * directory and the manifest entry are read. For planning, where the bytes are not sent. Throws AppFileError.
 */
export function readAppFileManifest(path: string): { sha256: string; size: number; manifest: AppManifest } {
  const fd = fileOperation(path, () => openSync(path, "r"));
  try {
    const size = fileOperation(path, () => fstatSync(fd).size);
    const source: PackageSource = { size, read: (offset, length) => readAt(fd, offset, length) };
    const manifest = manifestOf(path, () => readManifestFrom(source));
    return { sha256: sha256Hex(chunks(fd, size)), size, manifest };
  } finally {
    closeSync(fd);
  }
}

const CHUNK = 1024 * 1024;

/**
 * The file in chunks through one reused buffer: each chunk is valid only until the next is read (the hash consumes
 * it at once). A new buffer per chunk lives outside V8's heap until its next full collection, so hashing a 100 MB
 * `.app` grew the provider by about 90 MB (docs/performance.md).
 */
function* chunks(fd: number, size: number): Generator<Buffer> {
  const buffer = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  for (let offset = 0; offset < size; offset += CHUNK) {
    const length = Math.min(CHUNK, size - offset);
    const read = readSync(fd, buffer, 0, length, offset);
    yield buffer.subarray(0, read);
  }
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const buffer = Buffer.alloc(Math.max(0, length));
  const read = length > 0 ? readSync(fd, buffer, 0, length, offset) : 0;
  return buffer.subarray(0, read);
}

function sha256Hex(parts: Iterable<Uint8Array>): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

function fileOperation<T>(path: string, operation: () => T): T {
  try {
    return operation();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AppFileError(
      code === "ENOENT"
        ? `the file ${path} does not exist`
        : `the file ${path} cannot be read (${code ?? (err as Error).message})`,
    );
  }
}

function manifestOf(path: string, read: () => AppManifest): AppManifest {
  try {
    return read();
  } catch (err) {
    if (!(err instanceof NotAnExtensionFileError)) throw err;
    throw new AppFileError(`${path} is not a Business Central extension package (.app): ${err.reason}`);
  }
}
