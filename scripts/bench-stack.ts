/**
 * The benchmark users can read (issue 14): in one process and one run, against the emulator with an injected
 * latency, with the real Pulumi engine (inline Automation API programs):
 *
 *  1. the engine floor: the same number of trivial dynamic resources through up, no-op up, refresh, destroy, and
 *     the engine's fixed cost per command: one trivial resource through the same phases (the engine's and the
 *     provider plugin's start-up and wind-down, which no write can overlap and the write bound leaves out);
 *  2. the benchmark stack (2 companies + users × 2 permission set assignments) through the same four phases;
 *  3. a sequential baseline: the minimal writes sent one at a time, as a shell script would;
 *  4. memory: the Extension resource's whole create of a 1 MB and a 100 MB `.app` (BC 24, extensionUpload), and
 *     uploads of a 50 MB `.rapidstart` and a 50 MB pteInstall `.app` (buffered vs streamed from disk).
 *
 * It prints requests per resource per phase, wall times and the ratios to max(write bound at 5 in flight, engine
 * floor), to what is attainable (fixed cost + max(write bound, the floor's per-resource share)) and to the baseline.
 *
 *   npm run build && node dist/scripts/bench-stack.js [--users 100] [--latency 250] [--jitter 0]
 *     [--skip floor,stack,baseline,memory] [--skip-checkpoints] [--floor-pad <bytes>]
 *
 * Set PULUMI_BUSINESSCENTRAL_PROVIDER to a package folder to measure that build of the provider (before/after).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Stack } from "@pulumi/pulumi/automation";
import { type RunningEmulator, startEmulator } from "../emulator";
import { sequentialBaseline } from "./lib/bench-baseline";
import { type BenchOptions, benchStackConfig, startBenchEmulator, takeRequests } from "./lib/bench-fixture";
import { measureUploads } from "./lib/bench-memory";
import { benchProgram, benchResourceCount, floorProgram } from "./lib/bench-programs";
import { openStack } from "./lib/pulumi-stack";

const MAX_IN_FLIGHT = 5;
const PHASES = ["up", "no-op up", "refresh", "destroy"] as const;
type Phase = (typeof PHASES)[number];

interface PhaseResult {
  ms: number;
  requests?: ReturnType<typeof takeRequests>;
}

async function runPhases(stack: Stack, emu?: RunningEmulator): Promise<Record<Phase, PhaseResult>> {
  const out = {} as Record<Phase, PhaseResult>;
  const quiet = { onOutput: () => undefined };
  for (const phase of PHASES) {
    if (emu) takeRequests(emu);
    const started = Date.now();
    if (phase === "up" || phase === "no-op up") {
      const r = await stack.up(quiet);
      if (r.summary.result !== "succeeded") throw new Error(`${phase} ${r.summary.result}`);
    } else if (phase === "refresh") await stack.refresh(quiet);
    else await stack.destroy(quiet);
    out[phase] = { ms: Date.now() - started, requests: emu ? takeRequests(emu) : undefined };
  }
  return out;
}

async function main() {
  const { values } = parseArgs({
    options: {
      users: { type: "string", default: "100" },
      latency: { type: "string", default: "250" },
      jitter: { type: "string", default: "0" },
      skip: { type: "string", default: "" },
      "skip-checkpoints": { type: "boolean", default: false },
      "floor-pad": { type: "string", default: "0" },
    },
  });
  // The engine rewrites the whole state file after every step: its cost grows with the stack and with each
  // resource's state (the serialized provider is most of it), which trivial floor resources do not have.
  if (values["skip-checkpoints"]) process.env.PULUMI_SKIP_CHECKPOINTS = "true";
  const options: BenchOptions = {
    users: Number(values.users),
    latencyMs: Number(values.latency),
    jitterMs: Number(values.jitter),
  };
  const skip = new Set((values.skip ?? "").split(",").filter(Boolean));
  const resources = benchResourceCount(options.users);
  const work = mkdtempSync(join(tmpdir(), "bc-bench-stack-"));
  const provider = process.env.PULUMI_BUSINESSCENTRAL_PROVIDER ?? "(installed package)";
  log(
    `bench-stack: ${resources} resources, latency ${options.latencyMs} ms ± ${options.jitterMs}, provider ${provider}`,
  );
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}`);
  log(
    `engine checkpoints: ${process.env.PULUMI_SKIP_CHECKPOINTS === "true" ? "skipped (PULUMI_SKIP_CHECKPOINTS)" : "written after every step (default)"}`,
  );

  const emu = await startBenchEmulator(options);
  try {
    let floor: Record<Phase, PhaseResult> | undefined;
    let fixed: Record<Phase, PhaseResult> | undefined;
    if (!skip.has("floor")) {
      log("engine fixed cost (one trivial resource) …");
      fixed = await runPhases(
        await openStack({
          projectName: "bench-fixed",
          stackName: "bench",
          program: floorProgram(1),
          stateDir: join(work, "fixed"),
          config: {},
        }),
      );
      log("engine floor …");
      const stack = await openStack({
        projectName: "bench-floor",
        stackName: "bench",
        program: floorProgram(resources, Number(values["floor-pad"])),
        stateDir: join(work, "floor"),
        config: {},
      });
      floor = await runPhases(stack);
    }
    if (!skip.has("stack")) {
      log("benchmark stack …");
      const stack = await openStack({
        projectName: "bench-stack",
        stackName: "bench",
        program: benchProgram(options.users),
        stateDir: join(work, "stack"),
        config: benchStackConfig(emu),
      });
      const bench = await runPhases(stack, emu);
      if (!skip.has("baseline")) log("sequential baseline …");
      const baseline = skip.has("baseline") ? undefined : await sequentialBaseline(emu, options.users);
      printTable(options, resources, bench, floor, fixed, baseline);
    }
    if (!skip.has("memory")) {
      // An emulator of its own at 1/100 of BC's durations: an extension deployment would otherwise take minutes.
      log("memory: the Extension resource's create and uploads, each from a provider process of its own …");
      const fast = await startEmulator({ timeScale: 0.01 });
      try {
        for (const line of await measureUploads(fast, work)) log(line);
      } finally {
        await fast.stop();
      }
    }
  } finally {
    await emu.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

function printTable(
  options: BenchOptions,
  resources: number,
  bench: Record<Phase, PhaseResult>,
  floor: Record<Phase, PhaseResult> | undefined,
  fixed: Record<Phase, PhaseResult> | undefined,
  baseline: Awaited<ReturnType<typeof sequentialBaseline>> | undefined,
) {
  const writeBound = (resources * options.latencyMs) / MAX_IN_FLIGHT;
  const rows = [
    "| phase | requests | requests / resource | token requests | wall time | write bound | engine floor | ratio to max(bound, floor) | engine fixed cost | ratio to fixed + max(bound, floor − fixed) | baseline | faster than baseline |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const phase of PHASES) {
    const r = bench[phase];
    const writes = phase === "up" || phase === "destroy";
    const bound = writes ? writeBound : 0;
    const floorMs = floor?.[phase].ms;
    const reference = Math.max(bound, floorMs ?? 0);
    const base = baseline && writes ? (phase === "up" ? baseline.upMs : baseline.destroyMs) : undefined;
    // What no provider can beat: the command's fixed cost, then the writes or the engine's per-resource work.
    const fixedMs = fixed?.[phase].ms;
    const attainable =
      fixedMs === undefined || floorMs === undefined ? undefined : fixedMs + Math.max(bound, floorMs - fixedMs);
    rows.push(
      `| ${phase} | ${r.requests?.api ?? "?"} | ${((r.requests?.api ?? 0) / resources).toFixed(2)} | ${r.requests?.token ?? "?"} | ${s(r.ms)} | ${writes ? s(bound) : "–"} | ${floorMs === undefined ? "–" : s(floorMs)} | ${reference > 0 ? (r.ms / reference).toFixed(2) : "–"} | ${fixedMs === undefined ? "–" : s(fixedMs)} | ${attainable === undefined ? "–" : (r.ms / attainable).toFixed(2)} | ${base === undefined ? "–" : s(base)} | ${base === undefined ? "–" : `${(base / r.ms).toFixed(1)}×`} |`,
    );
  }
  process.stdout.write(`\n${rows.join("\n")}\n\n`);
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const log = (line: string) => process.stdout.write(`${line}\n`);

main().catch((err) => {
  process.stderr.write(`bench-stack failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
