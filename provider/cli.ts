#!/usr/bin/env node
/**
 * `pulumi-businesscentral` command line (package.json `bin`):
 *
 *   pulumi-businesscentral doctor [--json] [--tenant-id …] [--client-id …] [--environment …] …
 *   pulumi-businesscentral export --environment <name> [--out file.ts] [connection flags as for doctor]
 *   pulumi-businesscentral sweep --prefix pbc-acc- --environment <name> [--dry-run]   (provider/cli/sweep.ts)
 *
 * Settings come from flags, then the stack's config when `--stack <name>` is given (read with the pulumi CLI in
 * the current folder, a Pulumi project), then the same environment variables the provider reads (AZURE_TENANT_ID,
 * AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE,
 * AZURE_AUTHORITY_HOST, BC_ENVIRONMENT, BC_API_BASE_URL, BC_CA_CERT_PATH). There is deliberately no flag for the
 * client secret: it would end up in shell history and process listings.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type ExplicitSettings, resolveSettings, SettingsError, SETTING_SOURCES, type StackConfig } from "./config";
import { runSweep } from "./cli/sweep";
import { formatReport, runDoctor, type DoctorReport } from "./doctor";
import { exportEnvironment } from "./export";
import { closeSharedDispatchers } from "./http/dispatcher";
import { redactText } from "./redact";
import { readStackConfig } from "./stack-config";

const USAGE = `Usage: pulumi-businesscentral doctor [options]
       pulumi-businesscentral export --environment <name> [--out <file.ts>] [options]
       pulumi-businesscentral sweep --prefix <prefix> --environment <name> [--dry-run]  (see sweep --help)

doctor checks the Business Central connection the provider would use and prints what to fix.
export reads an environment and prints a Pulumi TypeScript program that adopts its companies, apps, permission
set assignments and user group memberships (adopt: true on every resource; see docs/export.md).

Options:
  --tenant-id <id>                Entra tenant id (AZURE_TENANT_ID)
  --client-id <id>                app registration client id (AZURE_CLIENT_ID)
  --environment <name>            BC environment (BC_ENVIRONMENT)
  --client-certificate-path <p>   PEM with certificate + private key (AZURE_CLIENT_CERTIFICATE_PATH)
  --federated-token-file <p>      federated (OIDC) token file (AZURE_FEDERATED_TOKEN_FILE)
  --authority-host <url>          Entra host (AZURE_AUTHORITY_HOST; default https://login.microsoftonline.com)
  --api-base-url <url>            BC API host (BC_API_BASE_URL; default https://api.businesscentral.dynamics.com)
  --admin-api-version <v>         Admin Center API version (BC_ADMIN_API_VERSION; default v2.28)
  --ca-cert <path>                extra CA certificate to trust, e.g. the emulator's (BC_CA_CERT_PATH)
  --stack <name>                  also read the stack's businesscentral:* config (run in the Pulumi project's folder)
  --json                          print the report as JSON (doctor)
  --out <file.ts>                 write the exported program to this file instead of stdout (export)
  -h, --help                      show this help

The client secret is read from AZURE_CLIENT_SECRET only.
Exit code: 0 when every check passes, 1 when one fails, 2 on usage errors.`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Folder `--stack` reads the Pulumi project from (default: the process's). */
  cwd?: string;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
};

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  if (argv[0] === "sweep") return runSweep(argv.slice(1), io);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.stderr(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const command = positionals[0];
  if (command !== "doctor" && command !== "export") {
    io.stderr(`${command ? `Unknown command '${command}'.` : "No command given."}\n\n${USAGE}\n`);
    return 2;
  }

  const explicit: ExplicitSettings = {
    tenantId: values["tenant-id"],
    clientId: values["client-id"],
    environment: values.environment,
    clientCertificatePath: values["client-certificate-path"],
    federatedTokenFile: values["federated-token-file"],
    authorityHost: values["authority-host"],
    apiBaseUrl: values["api-base-url"],
    adminApiVersion: values["admin-api-version"],
  };
  // --ca-cert is a path: pass it like the environment variable so it is read and reported the same way.
  const env = { ...io.env, ...(values["ca-cert"] ? { BC_CA_CERT_PATH: values["ca-cert"] } : {}) };
  let stackConfig: StackConfig | undefined;
  if (values.stack !== undefined) {
    try {
      stackConfig = readStackConfig(values.stack, io.cwd ?? process.cwd(), env);
    } catch (err) {
      io.stderr(`${redactText((err as Error).message)}
`);
      return 1;
    }
  }
  if (command === "export") return runExport(explicit, stackConfig, env, values.out, io);

  let report: DoctorReport;
  try {
    const settings = resolveSettings(explicit, stackConfig, env);
    report = await runDoctor({ settings, credentialSource: credentialSource(explicit, env) });
  } catch (err) {
    if (err instanceof SettingsError) {
      report = {
        ok: false,
        features: {},
        checks: [
          {
            id: "settings",
            title: "connection settings",
            status: "fail",
            detail: err.problems.join(" "),
            fix: "Set the missing values as flags, in the stack (with --stack <name>) or as environment variables (see --help and docs/authentication.md).",
          },
        ],
      };
    } else {
      io.stderr(`${redactText((err as Error).message ?? String(err))}\n`);
      return 1;
    }
  } finally {
    await closeSharedDispatchers();
  }

  if (values.json) io.stdout(`${redactText(JSON.stringify(report, null, 2))}\n`);
  else io.stdout(`${formatReport(report)}\n`);
  return report.ok ? 0 : 1;
}

/** `export`: the program goes to stdout or `--out`; failures (settings, access) go to stderr with exit code 1. */
async function runExport(
  explicit: ExplicitSettings,
  stackConfig: StackConfig | undefined,
  env: NodeJS.ProcessEnv,
  out: string | undefined,
  io: CliIo,
): Promise<number> {
  try {
    const settings = resolveSettings(explicit, stackConfig, env);
    const program = await exportEnvironment(settings);
    if (out === undefined) io.stdout(program);
    else {
      writeFileSync(out, program);
      io.stderr(`wrote ${out} (environment '${settings.environment}')\n`);
    }
    return 0;
  } catch (err) {
    const problem = err instanceof SettingsError ? err.problems.join(" ") : ((err as Error).message ?? String(err));
    io.stderr(
      `export failed: ${redactText(problem)}\nRun pulumi-businesscentral doctor with the same settings to see what to fix.\n`,
    );
    return 1;
  } finally {
    await closeSharedDispatchers();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "tenant-id": { type: "string" },
      "client-id": { type: "string" },
      environment: { type: "string" },
      "client-certificate-path": { type: "string" },
      "federated-token-file": { type: "string" },
      "authority-host": { type: "string" },
      "api-base-url": { type: "string" },
      "admin-api-version": { type: "string" },
      "ca-cert": { type: "string" },
      stack: { type: "string" },
      json: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
}

function credentialSource(explicit: ExplicitSettings, env: NodeJS.ProcessEnv): string | undefined {
  if (explicit.clientCertificatePath) return "--client-certificate-path";
  if (explicit.federatedTokenFile) return "--federated-token-file";
  for (const name of ["clientSecret", "clientCertificatePath", "federatedTokenFile"] as const) {
    const variable = SETTING_SOURCES[name].env.find((v) => env[v]);
    if (variable) return variable;
  }
  return undefined;
}

if (require.main === module) {
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
