import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";

const WAIT_FOR_OTHER_MS = 10_000;
const POLL_MS = 50;

/**
 * Returns the content of `file`, creating it with `create()` when it does not exist. Creation is exclusive
 * across processes: the content is written to a temporary file first and hard-linked into place, so readers
 * never see a half-written file and exactly one creator wins (the losers read the winner's content).
 *
 * With `waitForOther`, a missing file is first awaited for a while (another process that won a related file is
 * about to create this one) before this caller creates it itself.
 */
export async function createFileOnce(
  file: string,
  create: () => Promise<string>,
  mode: number,
  options: { waitForOther?: boolean } = {},
): Promise<string> {
  const existing = await readOrUndefined(file);
  if (existing !== undefined) return existing;
  if (options.waitForOther) {
    const deadline = Date.now() + WAIT_FOR_OTHER_MS;
    while (Date.now() < deadline) {
      await delay(POLL_MS);
      const appeared = await readOrUndefined(file);
      if (appeared !== undefined) return appeared;
    }
  }
  const content = await create();
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  await fs.writeFile(temp, content, { mode, flag: "wx" });
  try {
    await fs.link(temp, file);
    return content;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const winner = await readOrUndefined(file);
    if (winner === undefined) throw err;
    return winner;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/** Atomically replaces `file` with `content` (write to a temporary file, then rename over the target). */
export async function replaceFile(file: string, content: string, mode: number): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  await fs.writeFile(temp, content, { mode, flag: "wx" });
  try {
    await fs.rename(temp, file);
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}

async function readOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
