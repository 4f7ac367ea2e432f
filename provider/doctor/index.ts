/**
 * `pulumi-businesscentral doctor`: checks a connection end to end the way the resources will use it (a provider
 * runtime's connection, token provider and APIs), and says what to fix for each failure. The checks are a list
 * (./checks.ts); a failed prerequisite (no token, no environment, no company) ends the run.
 *
 * Nothing printed contains a secret: the credential is described by kind and source, certificates by thumbprint.
 */
import { redactText } from "../redact";
import { createRuntime, type ProviderRuntime } from "../runtime";
import { CHECKS } from "./checks";
import type { DoctorOptions, DoctorReport, DoctorState } from "./types";

export { formatReport } from "./report";
export type { Check, CheckStatus, DoctorOptions, DoctorReport } from "./types";

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const runtime = options.runtime ?? createRuntime();
  try {
    return await checkConnection(options, runtime);
  } finally {
    if (!options.runtime) await runtime.close();
  }
}

async function checkConnection(options: DoctorOptions, runtime: ProviderRuntime): Promise<DoctorReport> {
  const { settings } = options;
  const connection = runtime.connect(settings, {
    retry: { maxAttempts: 3, baseDelayMs: 500 },
    deadlineMs: options.deadlineMs ?? 60_000,
    timeoutMs: 30_000,
  });
  const report: DoctorReport = {
    ok: false,
    environment: settings.environment,
    tenantId: settings.tenantId,
    clientId: settings.clientId,
    features: {},
    checks: [],
  };
  const state: DoctorState = { options, settings, connection, automation: connection.automation(), report };
  for (const check of CHECKS) {
    const results = await check.run(state);
    for (const result of results) {
      report.checks.push({ ...result, detail: redactText(result.detail), fix: result.fix && redactText(result.fix) });
    }
    if (check.prerequisite && results.some((r) => r.status === "fail")) break;
  }
  report.ok = report.checks.every((c) => c.status !== "fail");
  return report;
}
