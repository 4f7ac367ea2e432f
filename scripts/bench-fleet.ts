/**
 * The fleet benchmark (issue 21): a partner's stacks, one per customer tenant of one emulator (BC's limits on, an
 * injected latency), each with the benchmark program (2 companies + users × 2 permission set assignments), in a
 * consumer project made from `npm pack`. It measures, in one run:
 *
 *  1. each stack's `pulumi up` run alone, one after the other (wall time and the CPU time of its process tree);
 *  2. `npx pulumi-businesscentral fleet up --all --parallel N` for each N asked for, every stack destroyed before.
 *
 * and prints the fleet's speed-up against the sum of the single runs beside the ceiling the machine allows: each run
 * starts a CLI, a language host, a program and a provider (seconds of mostly CPU), so on C cores the fleet cannot
 * beat max(total CPU / C, sum / N, the longest single run). The emulator's own CPU is counted in that total: it runs
 * on the same cores (real BC would not).
 *
 *   npm run bench:fleet -- [--tenants 20] [--users 24] [--parallel 4] [--latency 250] [--tarball <file>]
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { FleetReport } from "../provider/fleet/types";
import { createBenchConsumer, expectSuccess, type TimedResult, timedRun } from "./lib/bench-consumer";
import { benchStackConfig, startBenchEmulator, takeRequests } from "./lib/bench-fixture";
import { cliEnv, configSetArgs, PULUMI_BIN } from "./lib/cli";

const log = (line: string) => process.stdout.write(`${line}\n`);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  const { values } = parseArgs({
    options: {
      tenants: { type: "string", default: "20" },
      users: { type: "string", default: "24" },
      parallel: { type: "string", default: "4" },
      latency: { type: "string", default: "250" },
      tarball: { type: "string" },
    },
  });
  const tenants = Number(values.tenants);
  const users = Number(values.users);
  const parallels = (values.parallel ?? "4").split(",").map(Number);
  const cores = cpus().length;
  const options = { users, latencyMs: Number(values.latency), jitterMs: 0 };
  log(
    `bench-fleet: ${tenants} stacks × ${users * 2 + 2} resources, one emulator tenant each, latency ${options.latencyMs} ms`,
  );
  log(`machine: ${cores} × ${cpus()[0]?.model ?? "?"}, Node ${process.version}, load ${loadavg()[0]?.toFixed(2)}`);

  const work = mkdtempSync(join(tmpdir(), "bc-bench-fleet-"));
  const emu = await startBenchEmulator(options, {}, tenants);
  const consumer = await createBenchConsumer(work, values.tarball);
  log(`consumer project: @pulumi/pulumi ${consumer.pulumiVersion}`);
  const env = cliEnv(join(work, "state"));
  const cwd = consumer.project;
  const pulumi = (args: string[], input?: string) => timedRun(join(PULUMI_BIN, "pulumi"), args, { cwd, env, input });
  const fleet = (args: string[]) => timedRun("npx", ["--no", "pulumi-businesscentral", "fleet", ...args], { cwd, env });
  const stacks = Array.from({ length: tenants }, (_, i) => `t${String(i + 1).padStart(2, "0")}`);
  try {
    log("creating the stacks …");
    const connection = benchStackConfig(emu);
    const tenantIds = emu.state().tenants.map((t) => t.id);
    for (const [i, stack] of stacks.entries()) {
      expectSuccess(`stack init ${stack}`, await pulumi(["stack", "init", stack]));
      const plain = Object.entries(connection).filter(([k]) => k !== "businesscentral:clientSecret");
      const settings = [
        ...plain.map(([k, v]) => `${k}=${k === "businesscentral:tenantId" ? tenantIds[i] : v.value}`),
        "bench:kind=stack",
        `bench:users=${users}`,
      ];
      expectSuccess(
        `config ${stack}`,
        await pulumi(["config", "set-all", "--stack", stack, ...settings.flatMap((x) => ["--plaintext", x])]),
      );
      const secret = configSetArgs(
        "businesscentral:clientSecret",
        connection["businesscentral:clientSecret"].value,
        true,
      );
      expectSuccess(`secret ${stack}`, await pulumi([...secret.args, "--stack", stack], secret.input));
    }

    log("each stack's `pulumi up` alone, one after the other …");
    takeRequests(emu);
    const singles: TimedResult[] = [];
    const emuCpu = process.cpuUsage();
    for (const stack of stacks) {
      const r = expectSuccess(`up ${stack}`, await pulumi(["up", "--yes", "--skip-preview", "--stack", stack]));
      singles.push(r);
      log(`  ${stack}: ${s(r.ms)}, CPU ${s(r.cpuMs)}`);
    }
    const singlesEmuCpuMs = cpuMs(process.cpuUsage(emuCpu));
    const singlesRequests = takeRequests(emu);
    const sumMs = singles.reduce((t, r) => t + r.ms, 0);
    const sumCpuMs = singles.reduce((t, r) => t + r.cpuMs, 0);
    const longestMs = Math.max(...singles.map((r) => r.ms));
    log(
      `singles: sum ${s(sumMs)} (longest ${s(longestMs)}), CPU ${s(sumCpuMs)} + emulator ${s(singlesEmuCpuMs)}, ${singlesRequests.api} API requests`,
    );

    const rows = [
      "| run | wall time | CPU (runs + emulator) | API requests | speed-up against the singles | CPU-bound ceiling | share of the ceiling |",
      "|---|---|---|---|---|---|---|",
      `| ${tenants} single \`pulumi up\` runs, one after the other | ${s(sumMs)} (sum) | ${s(sumCpuMs)} + ${s(singlesEmuCpuMs)} | ${singlesRequests.api} | 1.00× | – | – |`,
    ];
    for (const parallel of parallels) {
      log(`fleet destroy, then fleet up --parallel ${parallel} …`);
      await fleetRun(fleet, ["destroy", "--all", "--parallel", String(Math.max(...parallels))], work, "destroy");
      takeRequests(emu);
      const before = process.cpuUsage();
      const up = await fleetRun(fleet, ["up", "--all", "--parallel", String(parallel)], work, "up");
      const emuMs = cpuMs(process.cpuUsage(before));
      const requests = takeRequests(emu).api;
      // No schedule of these runs on `cores` cores and `parallel` slots ends before the largest of these.
      const bestMs = Math.max((sumCpuMs + singlesEmuCpuMs) / Math.min(cores, parallel), sumMs / parallel, longestMs);
      const speedUp = sumMs / up.ms;
      const ceiling = sumMs / bestMs;
      rows.push(
        `| \`fleet up --parallel ${parallel}\` | ${s(up.ms)} | ${s(up.cpuMs)} + ${s(emuMs)} | ${requests} | ${speedUp.toFixed(2)}× | ${ceiling.toFixed(2)}× | ${((100 * speedUp) / ceiling).toFixed(0)} % |`,
      );
      log(`  ${s(up.ms)}: ${speedUp.toFixed(2)}× the singles (ceiling ${ceiling.toFixed(2)}×)`);
    }
    await fleetRun(fleet, ["destroy", "--all", "--parallel", String(Math.max(...parallels))], work, "destroy");
    process.stdout.write(`\n${rows.join("\n")}\n\n`);
  } finally {
    await emu.stop();
    consumer.remove();
    rmSync(work, { recursive: true, force: true });
  }
}

/** A fleet command that must succeed on every stack (read from its `--json` report). */
async function fleetRun(
  fleet: (args: string[]) => Promise<TimedResult>,
  args: string[],
  work: string,
  name: string,
): Promise<TimedResult> {
  const file = join(work, `${name}.json`);
  const result = await fleet([...args, "--json", file]);
  const report = JSON.parse(readFileSync(file, "utf8")) as FleetReport;
  const failed = report.stacks.filter((x) => x.status !== "ok");
  if (result.code !== 0 || failed.length > 0)
    throw new Error(
      `fleet ${args.join(" ")}: ${failed.map((x) => `${x.stack}: ${x.error}`).join("; ")}\n${result.output.slice(-3000)}`,
    );
  return result;
}

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

main().catch((err) => {
  process.stderr.write(`bench-fleet failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
