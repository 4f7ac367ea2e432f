/** SHA-256 of a file, read in 1 MiB chunks so a large package is never held in memory. */
import { closeSync, openSync, readSync } from "node:fs";
import { createHash } from "node:crypto";

export function sha256OfFile(path: string): string {
  const hash = createHash("sha256");
  const buffer = Buffer.alloc(1024 * 1024);
  const fd = openSync(path, "r");
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}
