import { redactText } from "../redact";
import type { CheckStatus, DoctorReport } from "./types";

const SYMBOL: Record<CheckStatus, string> = { ok: "✔", warn: "!", fail: "✖", skip: "-" };

/** The human-readable report. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${SYMBOL[check.status]} ${check.title}: ${check.detail}`);
    if (check.fix && check.status !== "ok") lines.push(`    fix: ${check.fix}`);
  }
  const fails = report.checks.filter((c) => c.status === "fail").length;
  const warns = report.checks.filter((c) => c.status === "warn").length;
  lines.push("");
  lines.push(
    report.ok
      ? `All checks passed${warns ? ` (${warns} warning${warns > 1 ? "s" : ""})` : ""}.`
      : `${fails} check${fails > 1 ? "s" : ""} failed.`,
  );
  return redactText(lines.join("\n"));
}
