/**
 * The benchmarks' user path: a consumer project made from `npm pack` (the package installed as users install it,
 * so resources store the module-reference provider, not the text form an in-repo program gets), one program for
 * the engine floor and the benchmark stack (chosen by the stack's `bench:*` config), driven by the real `pulumi`
 * CLI and the Node language host. Each command reports its wall time and the CPU time of its whole process tree
 * (the CLI, the language host, the program, the dynamic provider), read with bash's `times` after it exits.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CommandResult, createConsumer, packTarball, run } from "./cli";
import { BENCH_COMPANIES, BENCH_ROLES } from "./bench-fixture";

/**
 * The consumer's index.ts, the same two programs as scripts/lib/bench-programs.ts (the inline form), written out as
 * a user's self-contained TypeScript. `bench:kind` = `floor`: `bench:resources` trivial dynamic resources (provider text padded by `bench:pad` bytes);
 * `stack`: the benchmark companies, and `bench:users` users (BENCH0001 …) × the benchmark roles in every company.
 */
export const BENCH_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as bc from "pulumi-businesscentral";

const config = new pulumi.Config("bench");

if (config.require("kind") === "floor") {
  const pad = "x".repeat(config.getNumber("pad") ?? 0);
  const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
      return { id: String(inputs.key), outs: { ...inputs, padded: pad.length } };
    },
    async read(id, props) {
      return { id, props };
    },
    async diff() {
      return { changes: false };
    },
    async delete() {},
  };
  class Trivial extends pulumi.dynamic.Resource {}
  for (let i = 0; i < config.requireNumber("resources"); i++) new Trivial(provider, \`r\${i}\`, { key: \`r\${i}\` }, {});
} else {
  for (const displayName of ${JSON.stringify(BENCH_COMPANIES)})
    new bc.Company(displayName.toLowerCase().replace(/ /g, "-"), { displayName });
  for (let i = 0; i < config.requireNumber("users"); i++) {
    const userName = \`BENCH\${String(i + 1).padStart(4, "0")}\`;
    for (const roleId of ${JSON.stringify(BENCH_ROLES)})
      new bc.PermissionSetAssignment(\`\${userName}-\${roleId}\`.toLowerCase().replace(/[^a-z0-9-]/g, "-"), {
        userName,
        roleId,
      });
  }
}
`;

export interface BenchConsumer {
  /** The Pulumi project folder (the package installed from its tarball). */
  project: string;
  /** The `@pulumi/pulumi` version npm installed into it. */
  pulumiVersion: string;
  remove(): void;
}

/**
 * Installs `tarball` (default: a pack of the working tree) into a new consumer project and writes the benchmark
 * program. Another tarball (an earlier release's pack) measures that version the same way: before and after.
 */
export async function createBenchConsumer(work: string, tarball?: string): Promise<BenchConsumer> {
  const folder = mkdtempSync(join(work, "consumer-"));
  const project = join(folder, "infra");
  await createConsumer(project, tarball ?? packTarball(join(folder, "pack")));
  writeFileSync(join(project, "index.ts"), BENCH_PROGRAM);
  const installed = join(project, "node_modules/@pulumi/pulumi/package.json");
  const pulumiVersion = (JSON.parse(readFileSync(installed, "utf8")) as { version: string }).version;
  return { project, pulumiVersion, remove: () => rmSync(folder, { recursive: true, force: true }) };
}

export interface TimedResult extends CommandResult {
  ms: number;
  /** User + system CPU time of the command's process tree (what it waited for), from bash's `times`. */
  cpuMs: number;
}

/** Runs `command args…` under bash and reads the CPU time of its process tree once it has exited. */
export async function timedRun(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<TimedResult> {
  const timesFile = join(mkdtempSync(join(tmpdir(), "bc-bench-times-")), "times");
  const script = `"$0" "$@"; rc=$?; times > ${JSON.stringify(timesFile)}; exit $rc`;
  const started = Date.now();
  const result = await run("bash", ["-c", script, command, ...args], { ...options, timeoutMs: 60 * 60_000 });
  const ms = Date.now() - started;
  // Line 2 of `times`: the children's user and system time, e.g. "0m12.345s 0m1.234s".
  const children = readFileSync(timesFile, "utf8").split("\n")[1] ?? "";
  rmSync(join(timesFile, ".."), { recursive: true, force: true });
  const cpuMs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (sum, m) => sum + (Number(m[1]) * 60 + Number(m[2])) * 1000,
    0,
  );
  return { ...result, ms, cpuMs };
}

/** Fails with the command's output when it did not succeed. */
export function expectSuccess<T extends CommandResult>(what: string, result: T): T {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code}:\n${result.output.slice(-4000)}`);
  return result;
}
