/**
 * The end of a fleet run: a plain-text summary for people and the JSON report for scripts (`--json`).
 */
import type { FleetReport, StackReport } from "./types";

const pendingText = (r: StackReport) => {
  const p = r.pending;
  return `+${p.create} ~${p.update} -${p.delete} ±${p.replace}`;
};

/** A table of every stack, then the details of drifted and failed ones, then one line of totals. */
export function formatSummary(report: FleetReport): string {
  const width = Math.max(5, ...report.stacks.map((s) => s.stack.length));
  const head = `${"STACK".padEnd(width)}  STATUS   DRIFT  PENDING (+create ~update -delete ±replace)  TIME`;
  const rows = report.stacks.map(
    (s) =>
      `${s.stack.padEnd(width)}  ${s.status.padEnd(7)}  ${String(s.drift.length).padStart(5)}  ${pendingText(s).padEnd(42)}  ${s.durationSeconds.toFixed(1)} s`,
  );
  const details: string[] = [];
  for (const s of report.stacks) {
    for (const d of s.drift) {
      details.push(`${s.stack}: ${d.kind} ${d.type} ${d.name}`);
      for (const p of d.properties)
        details.push(`    ${p.name}: recorded ${JSON.stringify(p.recorded)}, actual ${JSON.stringify(p.actual)}`);
    }
    if (s.error) details.push(`${s.stack}: failed:\n${indent(s.error)}`);
  }
  const count = (status: StackReport["status"]) => report.stacks.filter((s) => s.status === status).length;
  const totals = `${report.stacks.length} stacks: ${count("ok")} ok, ${count("drifted")} drifted, ${count("failed")} failed (${report.operation}, ${report.durationSeconds.toFixed(1)} s)`;
  return [head, ...rows, ...(details.length > 0 ? ["", ...details] : []), "", totals, ""].join("\n");
}

const indent = (text: string) =>
  text
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");

/** The `--json` document: `{ "stacks": [...] }` plus the run's operation, project and times. */
export function jsonReport(report: FleetReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** 1 when a stack failed, else 3 when `drift` found drift, else 0. */
export function exitCode(report: FleetReport): number {
  if (report.stacks.some((s) => s.status === "failed")) return 1;
  if (report.stacks.some((s) => s.status === "drifted")) return 3;
  return 0;
}
