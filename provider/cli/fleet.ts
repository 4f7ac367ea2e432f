/**
 * `pulumi-businesscentral fleet`: one Pulumi program, a stack per tenant, run together (docs/fleet.md).
 *
 *   fleet <preview|up|refresh|drift|destroy> [--cwd <project>] (--stacks a,b,c | --all) [--parallel N]
 *         [--refresh] [--json <file>] [--html <file>]
 *   fleet matrix --format github [--cwd <project>] [--stacks a,b,c]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { renderHtmlReport } from "../fleet/html";
import { type FleetProgress, LineProgress, TableProgress } from "../fleet/progress";
import { runFleet } from "../fleet/runner";
import { exitCode, formatSummary, jsonReport } from "../fleet/summary";
import { FLEET_OPERATIONS, type FleetOperation, type FleetReport } from "../fleet/types";
import { NotAProjectError, openProject } from "../fleet/workspace";
import { redactText } from "../redact";

export const FLEET_USAGE = `Usage: pulumi-businesscentral fleet <preview|up|refresh|drift|destroy> (--stacks a,b,c | --all) [options]
       pulumi-businesscentral fleet matrix --format github [--stacks a,b,c]

Runs one operation on many stacks of one Pulumi project (a stack per tenant, each with its own config), through
Pulumi's Automation API and the pulumi CLI on PATH. A stack's failure never stops the others.

  preview   what each stack's program would change
  up        apply each stack's program
  refresh   read each stack's resources back from Business Central into its state
  drift     preview with refresh, reporting what changed in Business Central outside the program (changes to
            the program that are not applied yet are listed as pending, and are not drift)
  destroy   delete each stack's resources
  matrix    print the stacks as a GitHub Actions matrix: {"stack":["a","b"]}

Options:
  --cwd <dir>          the Pulumi project folder (default: the current folder)
  --stacks <a,b,c>     these stacks (names as in pulumi stack ls)
  --all                every stack of the project
  --parallel <n>       stacks run at once (default 4)
  --refresh            (preview, up, destroy) refresh the state from Business Central first; fleet up --refresh
                       repairs drift
  --json <file>        write the report as JSON
  --html <file>        write the report as one self-contained HTML page
  --format github      (matrix) the output format
  -h, --help           show this help

Exit code: 1 when a stack failed, else 3 when drift found drift, else 0; 2 on usage errors.`;

export interface FleetIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Folder `--cwd` is relative to (default: the process's). */
  cwd?: string;
  /** Whether stdout is a terminal (a table redrawn in place) or a log (plain lines); default: process.stdout's. */
  isTTY?: boolean;
}

const DEFAULT_PARALLEL = 4;

interface FleetArgs {
  command: FleetOperation | "matrix";
  cwd: string;
  stacks?: string[];
  all: boolean;
  parallel: number;
  refresh: boolean;
  json?: string;
  html?: string;
}

class UsageError extends Error {}

/** The command as the command table runs it: its help, and `run` with the arguments after `fleet`. */
export const command = { help: FLEET_USAGE, run: fleetCommand };

export async function fleetCommand(argv: string[], io: FleetIo): Promise<number> {
  let args: FleetArgs;
  try {
    const parsed = parse(argv, io);
    if (parsed === "help") {
      io.stdout(`${FLEET_USAGE}\n`);
      return 0;
    }
    args = parsed;
  } catch (err) {
    io.stderr(`${(err as Error).message}\n\n${FLEET_USAGE}\n`);
    return 2;
  }

  let project: Awaited<ReturnType<typeof openProject>>;
  try {
    project = await openProject(args.cwd, io.env);
  } catch (err) {
    io.stderr(`fleet: ${redactText((err as Error).message)}\n`);
    return err instanceof NotAProjectError ? 2 : 1;
  }

  let stacks: string[];
  try {
    stacks = selectStacks(args, project.stacks);
  } catch (err) {
    io.stderr(`fleet: ${(err as Error).message}\n`);
    return 2;
  }

  if (args.command === "matrix") {
    io.stdout(`${JSON.stringify({ stack: stacks })}\n`);
    return 0;
  }

  const operation = args.command;
  const started = new Date();
  const tty = io.isTTY ?? process.stdout.isTTY === true;
  const progressOptions = { stacks, operation, write: io.stdout, color: tty && !io.env.NO_COLOR };
  const progress: FleetProgress = tty
    ? new TableProgress({
        ...progressOptions,
        columns: process.stdout.columns || 100,
        height: process.stdout.rows || 24,
      })
    : new LineProgress(progressOptions);
  let results: FleetReport["stacks"];
  try {
    results = await runFleet({
      stacks,
      operation,
      parallel: args.parallel,
      refresh: args.refresh,
      driver: project.driver,
      progress,
    });
  } finally {
    progress.close();
  }
  const report: FleetReport = {
    operation,
    project: project.name,
    startedAt: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 100) / 10,
    stacks: results,
  };
  io.stdout(`\n${formatSummary(report)}`);
  for (const [file, text] of [
    [args.json, () => jsonReport(report)],
    [args.html, () => renderHtmlReport(report)],
  ] as const) {
    if (!file) continue;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text());
    io.stdout(`wrote ${file}\n`);
  }
  return exitCode(report);
}

function parse(argv: string[], io: FleetIo): FleetArgs | "help" {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const [command, ...extra] = positionals;
  if (!command) throw new UsageError("fleet: no command given.");
  const commands: readonly string[] = [...FLEET_OPERATIONS, "matrix"];
  if (!commands.includes(command)) throw new UsageError(`fleet: unknown command '${command}'.`);
  if (extra.length > 0) throw new UsageError(`fleet: unexpected argument '${extra[0]}'.`);
  if (values.stacks !== undefined && values.all)
    throw new UsageError("fleet: give either --stacks or --all, not both.");
  if (command === "matrix") {
    if (values.format !== "github")
      throw new UsageError("fleet matrix: --format github is required (the only format).");
  } else {
    if (values.format !== undefined) throw new UsageError("fleet: --format is for fleet matrix only.");
    if (values.stacks === undefined && !values.all)
      throw new UsageError(`fleet ${command}: name the stacks with --stacks a,b,c, or pass --all.`);
  }
  if (values.refresh && !["preview", "up", "destroy"].includes(command))
    throw new UsageError("fleet: --refresh is for preview, up and destroy (drift always refreshes).");
  const parallel = values.parallel === undefined ? DEFAULT_PARALLEL : Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1)
    throw new UsageError(`fleet: --parallel takes a whole number of at least 1, not '${values.parallel}'.`);
  const stacks = values.stacks
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (stacks !== undefined && stacks.length === 0) throw new UsageError("fleet: --stacks names no stack.");
  const base = io.cwd ?? process.cwd();
  return {
    command: command as FleetArgs["command"],
    cwd: resolve(base, values.cwd ?? "."),
    stacks,
    all: values.all,
    parallel,
    refresh: values.refresh,
    json: values.json === undefined ? undefined : resolve(base, values.json),
    html: values.html === undefined ? undefined : resolve(base, values.html),
  };
}

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      cwd: { type: "string" },
      stacks: { type: "string" },
      all: { type: "boolean", default: false },
      refresh: { type: "boolean", default: false },
      parallel: { type: "string" },
      json: { type: "string" },
      html: { type: "string" },
      format: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

/** The stacks named by `--stacks` (each must exist), or all of them, in the order given or listed. */
function selectStacks(args: FleetArgs, known: string[]): string[] {
  if (args.stacks === undefined) {
    if (known.length === 0 && args.command !== "matrix")
      throw new UsageError("the project has no stacks yet (pulumi stack init <name>).");
    return known;
  }
  const unknown = args.stacks.filter((s) => !known.includes(s));
  if (unknown.length > 0)
    throw new UsageError(
      `no stack ${unknown.map((s) => `'${s}'`).join(", ")} in this project; its stacks: ${known.join(", ") || "none"}.`,
    );
  return [...new Set(args.stacks)];
}
