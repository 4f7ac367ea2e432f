/**
 * `pulumi-businesscentral export`: reads an environment and prints a Pulumi TypeScript program that adopts its
 * companies, apps, permission set assignments and user group memberships (docs/export.md). The program goes to
 * stdout or `--out`; the stack line and failures go to stderr.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { resolveSettings, SettingsError } from "../connection";
import { exportEnvironment } from "../export";
import { redactText } from "../redact";
import { createRuntime, type ProviderRuntime } from "../runtime";
import { StackConfigError } from "../stack-config";
import type { CliCommand } from "./command";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionInputs } from "./connection-flags";

const HELP = `Usage: pulumi-businesscentral export --environment <name> [--out <file.ts>] [connection options]

Reads an environment and prints a Pulumi TypeScript program that adopts its companies, apps, permission set
assignments and user group memberships (adopt: true on every resource; see docs/export.md in the package).

  --out <file.ts>                 write the exported program to this file instead of stdout

${CONNECTION_HELP}

Exit code: 0 when the program was written, 1 when reading failed, 2 on usage errors.`;

export const command: CliCommand = {
  help: HELP,
  async run(argv, io) {
    const { values } = parseArgs({ args: argv, options: { ...CONNECTION_OPTIONS, out: { type: "string" } } });
    let runtime: ProviderRuntime | undefined;
    try {
      const { explicit, env, stack } = connectionInputs(values, io);
      io.stderr(`${stack.summary}\n`);
      runtime = createRuntime({ config: stack.config, env });
      const settings = resolveSettings(explicit, stack.config, env);
      const program = await exportEnvironment(settings, runtime);
      if (values.out === undefined) io.stdout(program);
      else {
        writeFileSync(values.out, program);
        io.stderr(`wrote ${values.out} (environment '${settings.environment}')\n`);
      }
      return 0;
    } catch (err) {
      if (err instanceof StackConfigError) {
        io.stderr(`${redactText(err.message)}\n`);
        return 1;
      }
      const problem = err instanceof SettingsError ? err.problems.join(" ") : ((err as Error).message ?? String(err));
      io.stderr(
        `export failed: ${redactText(problem)}\nRun pulumi-businesscentral doctor with the same settings to see what to fix.\n`,
      );
      return 1;
    } finally {
      await runtime?.close();
    }
  },
};
