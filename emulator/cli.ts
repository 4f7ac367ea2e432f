#!/usr/bin/env node
/**
 * `npm run emulator` / `bc-emulator`: runs the BC + Entra ID emulator in the foreground.
 * With --json it prints exactly one JSON line once ready (for scripts and CI), otherwise a readable summary.
 */
import { parseArgs } from "node:util";
import { startEmulator, type EmulatorOptions } from "./index";

const HELP = `Usage: bc-emulator [options]

  --port <n>             port on 127.0.0.1 (default: a free port)
  --state-dir <dir>      keep CA, keys and state here across restarts (default: a temp dir, discarded)
  --seed <file>          seed file (JSON; default: the built-in CRONUS-like seed)
  --token-lifetime <s>   access token lifetime in seconds (default 3600)
  --time-scale <f>       multiply async durations (default 1; 0.01 for fast tests)
  --admin-token <t>      control-plane token (default: random)
  --actions <mode>       bound action answers: source (default) | docs (all 204)
  --json                 print one JSON line when ready, nothing else on stdout
  -h, --help             this text
`;

async function main() {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}`);
    process.exit(2);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const options: EmulatorOptions = {
    port: numberOption("port", values.port),
    stateDir: values["state-dir"],
    seed: values.seed,
    tokenLifetimeSeconds: numberOption("token-lifetime", values["token-lifetime"]),
    timeScale: numberOption("time-scale", values["time-scale"]),
    adminToken: values["admin-token"],
  };
  if (values.actions) {
    if (values.actions !== "source" && values.actions !== "docs") fail("--actions must be 'source' or 'docs'");
    options.behaviour = { actionResponses: values.actions };
  }
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emu = await startEmulator(options);
  } catch (err) {
    fail(`cannot start the emulator: ${(err as Error).message}`);
  }
  const ready = {
    baseUrl: emu.baseUrl,
    authorityHost: emu.authorityHost,
    tenantId: emu.tenantId,
    environment: emu.environment,
    clientId: emu.clientId,
    clientSecret: emu.clientSecret,
    caCertPath: emu.caCertPath,
    adminToken: emu.adminToken,
    stateDir: emu.stateDir,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  } else {
    process.stdout.write(
      [
        "Business Central + Entra ID emulator is listening.",
        `  BC API origin      ${ready.baseUrl}`,
        `  Automation API     ${ready.baseUrl}/v2.0/${ready.tenantId}/${ready.environment}/api/microsoft/automation/v2.0`,
        `  Entra authority    ${ready.authorityHost}/${ready.tenantId}`,
        `  Tenant id          ${ready.tenantId}`,
        `  Environment        ${ready.environment}`,
        `  Client id          ${ready.clientId}`,
        `  Client secret      ${ready.clientSecret}   (emulator-only credential)`,
        `  CA certificate     ${ready.caCertPath}`,
        `  Control plane      ${ready.baseUrl}/_emulator/info   (Authorization: Bearer ${ready.adminToken})`,
        `  State directory    ${ready.stateDir}`,
        "Press Ctrl-C to stop.",
        "",
      ].join("\n"),
    );
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await emu.stop();
    if (!values.json) process.stdout.write("Emulator stopped.\n");
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

function parse() {
  return parseArgs({
    options: {
      port: { type: "string" },
      "state-dir": { type: "string" },
      seed: { type: "string" },
      "token-lifetime": { type: "string" },
      "time-scale": { type: "string" },
      "admin-token": { type: "string" },
      actions: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
}

function numberOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a non-negative number, got '${value}'`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`bc-emulator: ${message}\n`);
  process.exit(2);
}

void main();
