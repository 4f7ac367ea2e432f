/**
 * Runs one Pulumi operation on an example program with the real engine, inline through the Automation API:
 *   node dist/scripts/stack.js <up|preview|refresh|destroy> --example hydrate-tenant --stack dev \
 *     --state-dir <dir> --config-file <config.json> [--diff] [--expect-no-changes]
 * `config.json` is a Pulumi ConfigMap (`{"businesscentral:tenantId": {"value": "…"}, "businesscentral:clientSecret":
 * {"value": "…", "secret": true}}`). Engine output streams to stderr; the last stdout line is a JSON summary.
 * Used by the end-to-end tests (vitest cannot host Pulumi's closure serializer) and handy by hand.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { ConfigMap } from "@pulumi/pulumi/automation";
import { openStack } from "./lib/pulumi-stack";

const PROGRAMS: Record<string, () => Promise<Record<string, unknown>>> = {
  "hydrate-tenant": () => require("../examples/hydrate-tenant/program").hydrateTenant(),
  "test-sandbox": () => require("../examples/test-sandbox/program").testSandbox(),
  "multi-tenant": async () => require("../examples/multi-tenant/program").multiTenant(),
};

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      example: { type: "string", default: "hydrate-tenant" },
      stack: { type: "string", default: "dev" },
      "state-dir": { type: "string" },
      "config-file": { type: "string" },
      diff: { type: "boolean" },
      // A compiled program file (e.g. one written by `pulumi-businesscentral export`), run instead of an example.
      program: { type: "string" },
    },
  });
  const op = positionals[0];
  if (!["up", "preview", "refresh", "destroy"].includes(op ?? ""))
    throw new Error("operation must be up, preview, refresh or destroy");
  const programFile = values.program ? require("node:path").resolve(values.program) : undefined;
  const program = programFile
    ? async () => {
        require(programFile);
        return {};
      }
    : PROGRAMS[values.example ?? ""];
  if (!program) throw new Error(`unknown example '${values.example}'`);
  if (!values["state-dir"]) throw new Error("--state-dir is required");
  const config = values["config-file"] ? (JSON.parse(readFileSync(values["config-file"], "utf8")) as ConfigMap) : {};
  const stack = await openStack({
    projectName: values.example!,
    stackName: values.stack!,
    program,
    stateDir: values["state-dir"],
    config,
  });
  const onOutput = (text: string) => process.stderr.write(text);
  let summary: Record<string, unknown>;
  if (op === "up") {
    const r = await stack.up({ onOutput, diff: values.diff });
    summary = { result: r.summary.result, changes: r.summary.resourceChanges, outputs: plainOutputs(r.outputs) };
  } else if (op === "preview") {
    const r = await stack.preview({ onOutput, diff: values.diff });
    summary = { result: "succeeded", changes: r.changeSummary, stdout: r.stdout };
  } else if (op === "refresh") {
    const r = await stack.refresh({ onOutput });
    summary = { result: r.summary.result, changes: r.summary.resourceChanges };
  } else {
    const r = await stack.destroy({ onOutput });
    summary = { result: r.summary.result, changes: r.summary.resourceChanges };
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

function plainOutputs(outputs: Record<string, { value: unknown; secret: boolean }>) {
  return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ result: "failed", error: String((err as Error).message ?? err) })}\n`);
  process.exit(1);
});
