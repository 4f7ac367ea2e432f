#!/usr/bin/env node
/**
 * `pulumi-businesscentral` command line (package.json `bin`): one module per command under provider/cli/, listed in
 * COMMANDS. A command is added as a module exporting `command: CliCommand` plus one line in the table.
 *
 * Commands load only when run, after the Node.js version check: on an old Node the HTTP client would otherwise fail
 * while loading with a bare TypeError.
 */
import type { CliCommand, CliIo } from "./cli/command";
import { UsageError } from "./cli/command";
import { unsupportedNodeProblem } from "./node-version";
import { redactText } from "./redact";

export type { CliIo } from "./cli/command";

interface CommandEntry {
  /** The usage line shown by `pulumi-businesscentral --help`. */
  usage: string;
  summary: string;
  load: () => Promise<{ command: CliCommand }>;
}

const COMMANDS: Record<string, CommandEntry> = {
  doctor: {
    usage: "doctor [--json] [options]",
    summary: "checks the connection the provider would use and prints what to fix",
    load: () => import("./cli/doctor.js"),
  },
  export: {
    usage: "export --environment <name> [--out <file.ts>] [options]",
    summary: "prints a Pulumi program that adopts what an environment holds",
    load: () => import("./cli/export.js"),
  },
  fleet: {
    usage: "fleet <preview|up|refresh|drift|destroy|matrix> [options]",
    summary: "runs one operation on many stacks of a project (a stack per tenant); drift reports",
    load: () => import("./cli/fleet.js"),
  },
  sweep: {
    usage: "sweep --prefix <prefix> --environment <name> [--dry-run] [options]",
    summary: "removes what a killed acceptance run left behind (prefixed objects, run manifests)",
    load: () => import("./cli/sweep.js"),
  },
  rapidstart: {
    usage: "rapidstart pack <in.xml> <out.rapidstart>",
    summary: "packs RapidStart XML into a .rapidstart file",
    load: () => import("./cli/rapidstart.js"),
  },
};

const USAGE = `${Object.values(COMMANDS)
  .map((c, i) => `${i === 0 ? "Usage: " : "       "}pulumi-businesscentral ${c.usage}`)
  .join("\n")}

${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)}${c.summary}`)
  .join("\n")}

Run pulumi-businesscentral <command> --help for a command's options.`;

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
};

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  const at = argv.findIndex((a) => !a.startsWith("-"));
  const name = at < 0 ? undefined : argv[at];
  const help = argv.includes("--help") || argv.includes("-h");
  const entry = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    if (help && name === undefined) {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    io.stderr(`${name ? `Unknown command '${name}'.` : "No command given."}\n\n${USAGE}\n`);
    return 2;
  }
  const { command } = await entry.load();
  if (help) {
    io.stdout(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run([...argv.slice(0, at), ...argv.slice(at + 1)], io);
  } catch (err) {
    if (err instanceof UsageError || /^ERR_PARSE_ARGS/.test(String((err as NodeJS.ErrnoException).code))) {
      io.stderr(`${(err as Error).message}\n\n${command.help}\n`);
      return 2;
    }
    throw err;
  }
}

if (require.main === module) {
  const oldNode = unsupportedNodeProblem("this command");
  if (oldNode) {
    process.stderr.write(`${oldNode}\n`);
    process.exitCode = 1;
  } else
    main(process.argv.slice(2)).then(
      (code) => {
        process.exitCode = code;
      },
      (err) => {
        process.stderr.write(`${redactText(String((err as Error)?.stack ?? err))}\n`);
        process.exitCode = 1;
      },
    );
}
