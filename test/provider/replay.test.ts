/**
 * Captures flow back into the tests: every committed wire capture (test/fixtures/real-wire/captures/<run>/*.jsonl)
 * is replayed in order against a fresh emulator with the default seed; the provider's schemas must parse each
 * captured response, and the emulator's answers must have the captured shape (test/helpers/replay.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultSeed } from "../../emulator";
import { startEmulatorHarness, type TestEmulator } from "../helpers/emulator";
import { type CapturedExchange, parseCapture, type ReplayDifference, Replayer } from "../helpers/replay";

const CAPTURES = join(__dirname, "../fixtures/real-wire/captures");
/**
 * The default seed's environment a capture is replayed against: the one whose BC major version the capture shows
 * (a company's `systemVersion`), else the seed's sandbox (acceptance runs target sandboxes).
 */
function environmentFor(files: { exchanges: CapturedExchange[] }[]): string {
  const text = files.flatMap((f) => f.exchanges.map((e) => JSON.stringify(e.response ?? ""))).join("\n");
  const major = /"systemVersion":"(\d+)\./.exec(text)?.[1];
  const seeded = defaultSeed().tenants?.[0]?.environments ?? [];
  const match = seeded.find((e) => e.applicationVersion?.split(".")[0] === major);
  return (match ?? seeded.find((e) => e.type === "Sandbox"))?.name ?? "sandbox-24";
}

const runs = existsSync(CAPTURES)
  ? readdirSync(CAPTURES).filter((name) => statSync(join(CAPTURES, name)).isDirectory())
  : [];

let harness: TestEmulator | undefined;
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
});

function filesOf(run: string): { name: string; exchanges: CapturedExchange[] }[] {
  return readdirSync(join(CAPTURES, run))
    .filter((f) => f.endsWith(".jsonl"))
    .sort()
    .map((f) => ({ name: `${run}/${f}`, exchanges: parseCapture(readFileSync(join(CAPTURES, run, f), "utf8")) }));
}

async function replayRun(files: { name: string; exchanges: CapturedExchange[] }[]) {
  harness = await startEmulatorHarness();
  const replayer = new Replayer(harness, environmentFor(files));
  const differences: ReplayDifference[] = [];
  let sent = 0;
  for (const file of files) {
    const result = await replayer.replay(file.name, file.exchanges);
    differences.push(...result.differences);
    sent += result.sent;
  }
  return { differences, sent };
}

const describeDifferences = (differences: ReplayDifference[]) =>
  differences.map((d) => `${d.file} seq ${d.seq} ${d.path}: ${d.detail}`).join("\n");

describe("replay of committed wire captures", () => {
  it("has at least the emulator's own baseline capture", () => {
    expect(runs).toContain("emulator-baseline");
  });

  for (const run of runs) {
    it(`${run}: the emulator answers every captured exchange in the captured shape`, async () => {
      const { differences, sent } = await replayRun(filesOf(run));
      expect(describeDifferences(differences)).toBe("");
      expect(sent).toBeGreaterThan(0);
    }, 120_000);
  }

  it("a changed shape fails with the file, seq and JSON path", async () => {
    const files = filesOf("emulator-baseline");
    // Pretend the capture saw a property the emulator does not send, in the first company list.
    const file = files.find((f) => f.exchanges.some(isCompanyList))!;
    const exchange = file.exchanges.find(isCompanyList)!;
    const rows = (exchange.response as { value: Record<string, unknown>[] }).value;
    rows[0]!.systemVersionLabel = "24.5";
    const { differences } = await replayRun([file]);
    expect(describeDifferences(differences)).toContain(
      `${file.name} seq ${exchange.seq} $.value[0].systemVersionLabel: captured, missing in the emulator's answer`,
    );
  }, 120_000);
});

function isCompanyList(e: CapturedExchange): boolean {
  return e.method === "GET" && /\/companies$/.test(e.path) && e.status === 200;
}
