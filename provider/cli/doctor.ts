/**
 * `pulumi-businesscentral doctor`: checks the connection the provider would use (the stack's config, flags and
 * environment variables) and prints what to fix. The report's first line names the stack it read.
 */
import { parseArgs } from "node:util";
import { type ExplicitSettings, metaOf, resolveSettings, SettingsError } from "../connection";
import { type DoctorReport, formatReport, runDoctor } from "../doctor";
import { redactText } from "../redact";
import { createRuntime } from "../runtime";
import { StackConfigError } from "../stack-config";
import type { CliCommand, CliIo } from "./command";
import { CONNECTION_HELP, CONNECTION_OPTIONS, connectionInputs } from "./connection-flags";

const HELP = `Usage: pulumi-businesscentral doctor [--json] [connection options]

Checks the Business Central connection the provider would use and prints what to fix.

  --json                          print the report as JSON

${CONNECTION_HELP}

Exit code: 0 when every check passes, 1 when one fails, 2 on usage errors.`;

export const command: CliCommand = {
  help: HELP,
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: { ...CONNECTION_OPTIONS, json: { type: "boolean", default: false } },
    });
    let inputs: ReturnType<typeof connectionInputs>;
    try {
      inputs = connectionInputs(values, io);
    } catch (err) {
      if (!(err instanceof StackConfigError)) throw err;
      io.stderr(`${redactText(err.message)}\n`);
      return 1;
    }
    const { explicit, env, stack } = inputs;
    let report: DoctorReport;
    const runtime = createRuntime({ config: stack.config, env });
    try {
      const settings = resolveSettings(explicit, stack.config, env);
      report = await runDoctor({ settings, credentialSource: credentialSource(explicit, env), runtime });
    } catch (err) {
      if (!(err instanceof SettingsError)) {
        io.stderr(`${redactText((err as Error).message ?? String(err))}\n`);
        return 1;
      }
      report = settingsFailure(err, stack.stack);
    } finally {
      await runtime.close();
    }
    print(report, stack.stack, stack.summary, values.json, io);
    return report.ok ? 0 : 1;
  },
};

function print(report: DoctorReport, stack: string | undefined, summary: string, json: boolean, io: CliIo): void {
  if (json)
    io.stdout(`${redactText(JSON.stringify({ stack: stack ?? null, stackSummary: summary, ...report }, null, 2))}\n`);
  else io.stdout(`${summary}\n${formatReport(report)}\n`);
}

/** Missing or invalid settings: one line per problem, and where the values may come from. */
function settingsFailure(err: SettingsError, stack: string | undefined): DoctorReport {
  const where = stack
    ? `flags, the stack '${stack}' or environment variables`
    : "flags, a stack's config (the selected stack of the Pulumi project in this folder, or --stack <name>) or environment variables";
  return {
    ok: false,
    features: {},
    checks: [
      {
        id: "settings",
        title: "connection settings",
        status: "fail",
        detail: `${err.problems.length} missing or unusable${err.problems.map((p) => `\n    - ${p}`).join("")}`,
        fix: `Set the missing values as ${where} (see --help and docs/authentication.md).`,
      },
    ],
  };
}

function credentialSource(explicit: ExplicitSettings, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit.clientCertificatePath) return "--client-certificate-path";
  if (explicit.federatedTokenFile) return "--federated-token-file";
  for (const name of ["clientSecret", "clientCertificatePath", "federatedTokenFile"] as const) {
    const variable = metaOf(name).env.find((v) => env[v]);
    if (variable) return variable;
  }
  return undefined;
}
