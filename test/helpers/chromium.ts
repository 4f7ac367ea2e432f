/**
 * Headless Chromium for tests that check how a page really renders. Found as CHROMIUM_PATH or `chromium` (Debian's
 * package) on PATH; tests without it report themselves skipped with the install command (.ci/run installs it).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";

export const CHROMIUM_INSTALL = "apt-get install -y --no-install-recommends chromium";
export const CHROMIUM_MISSING = `no headless Chromium (set CHROMIUM_PATH or install it: ${CHROMIUM_INSTALL})`;

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return existsSync(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : undefined;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    for (const name of ["chromium", "chromium-browser"]) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

/** The DOM of a local file once Chromium has loaded it and run its scripts, serialized (`--dump-dom`). */
export function dumpDom(chromium: string, file: string): string {
  return execFileSync(
    chromium,
    [
      "--headless",
      // Root in containers cannot use Chromium's sandbox; the page is our own, local file.
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--dump-dom",
      pathToFileURL(file).href,
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
  );
}
