/**
 * A file body's bytes for one attempt, read into one buffer that is reused for every chunk.
 *
 * Why not `fs.createReadStream`: it reads into a fresh 64 KiB Buffer each time. Once written these are garbage,
 * but their memory lies outside V8's heap and is returned only by a full GC, which V8 starts when such memory has
 * grown by about 64 MB. A 100 MB upload grew the process by ~70 MB that way. With one reused buffer, it grows by
 * the same ~20 MB whatever the file's size.
 *
 * Why reusing the buffer is safe: undici (client-h1.js and client-h2.js, `writeIterable`) writes each chunk to the
 * socket (HTTP/1.1) or HTTP/2 stream and asks for the next one only after `write()` returned true or, when it
 * returned false, after 'drain' (or 'close', after which nothing more is sent). Node's Writable returns true only
 * while its queued bytes (this chunk included, until its write completes) are below its highWaterMark, or when
 * none are left; it emits 'drain' when they are back to zero, every write completed (TLS has encrypted its own
 * copy, libuv or nghttp2 has written the bytes). Every chunk but the last fills the buffer, which is at least as
 * large as the highWaterMark of what undici writes to (16 KiB for TLS sockets, Node's default 64 KiB for TCP and
 * HTTP/2 streams): so when undici asks for the next chunk, nothing refers to the previous one any more.
 * test/provider/http/file-body.test.ts fails with a buffer smaller than that.
 */
import { type FileHandle, open } from "node:fs/promises";
import { getDefaultHighWaterMark } from "node:stream";
import type { FileBody } from "./types";

const CHUNK_BYTES = Math.max(256 * 1024, getDefaultHighWaterMark(false));

/** A file body could not be read as described (missing, unreadable, or its size changed): not worth a retry. */
export class FileBodyError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "FileBodyError";
  }
}

/** The file's `size` bytes, opened when the first chunk is asked for and closed when done or returned early. */
export async function* fileChunks(file: FileBody): AsyncGenerator<Buffer, void, undefined> {
  const handle = await readFailure(file, () => open(file.path, "r"));
  try {
    const { size } = await readFailure(file, () => handle.stat());
    if (size !== file.size) throw changed(file, size);
    const buffer = Buffer.allocUnsafeSlow(Math.min(CHUNK_BYTES, file.size));
    for (let position = 0; position < file.size; ) {
      const length = Math.min(buffer.length, file.size - position);
      for (let filled = 0; filled < length; ) {
        const { bytesRead } = await readFailure(file, () =>
          handle.read(buffer, filled, length - filled, position + filled),
        );
        if (bytesRead === 0) throw changed(file, position + filled);
        filled += bytesRead;
      }
      position += length;
      yield length === buffer.length ? buffer : buffer.subarray(0, length);
    }
  } finally {
    await closeQuietly(handle);
  }
}

async function readFailure<T>(file: FileBody, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new FileBodyError(
      file.path,
      `cannot read ${file.path} for the upload: ${(err as Error).message}`,
      typeof code === "string" ? code : undefined,
    );
  }
}

function changed(file: FileBody, size: number): FileBodyError {
  return new FileBodyError(
    file.path,
    `${file.path} changed during the upload: it had ${file.size} bytes when the upload began, now ${size}`,
  );
}

async function closeQuietly(handle: FileHandle): Promise<void> {
  try {
    await handle.close();
  } catch {
    // a read-only handle: nothing was written that a failed close could lose
  }
}
