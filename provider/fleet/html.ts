/**
 * `--html`: one self-contained page (no scripts, no external files) that a partner can open locally or publish as
 * a CI artifact: a summary table of the tenants' stacks coloured by state, then the details of each stack.
 */
import type { DriftEntry, FleetReport, StackReport } from "./types";

const html = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const value = (v: unknown) => html(typeof v === "string" ? v : JSON.stringify(v, null, 1));

const STYLE = `
:root { --ok: #1a7f37; --ok-bg: #dafbe1; --drifted: #9a6700; --drifted-bg: #fff8c5; --failed: #cf222e; --failed-bg: #ffebe9; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #1f2328; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
.meta { color: #59636e; margin-bottom: 1.25rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d1d9e0; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.status-ok td.status { background: var(--ok-bg); color: var(--ok); }
tr.status-drifted td.status { background: var(--drifted-bg); color: var(--drifted); }
tr.status-failed td.status { background: var(--failed-bg); color: var(--failed); }
td.status { font-weight: 600; }
section.stack { border-left: 6px solid #d1d9e0; padding: .25rem 0 .25rem 1rem; margin: 1.5rem 0; }
section.status-ok { border-color: var(--ok); } section.status-drifted { border-color: var(--drifted); }
section.status-failed { border-color: var(--failed); }
pre { background: #f6f8fa; padding: .5rem; white-space: pre-wrap; margin: 0; }
code { font-size: 12px; word-break: break-all; }
`;

export function renderHtmlReport(report: FleetReport): string {
  const count = (status: StackReport["status"]) => report.stacks.filter((s) => s.status === status).length;
  const title = `fleet ${report.operation}: ${report.project}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${html(title)}</h1>
<p class="meta" id="totals">${report.stacks.length} stacks: <span data-count="ok">${count("ok")}</span> ok, <span data-count="drifted">${count("drifted")}</span> drifted, <span data-count="failed">${count("failed")}</span> failed. Started ${html(report.startedAt)}, took ${report.durationSeconds.toFixed(1)} s.</p>
<table id="summary">
<thead><tr><th>stack</th><th>status</th><th>drifted resources</th><th>pending create</th><th>update</th><th>delete</th><th>replace</th><th>time</th><th>error</th></tr></thead>
<tbody>
${report.stacks.map(summaryRow).join("\n")}
</tbody>
</table>
${report.stacks.map(stackSection).join("\n")}
</body>
</html>
`;
}

const anchor = (index: number) => `stack-${index}`;

function summaryRow(s: StackReport, index: number): string {
  const p = s.pending;
  return `<tr class="status-${s.status}" data-stack="${html(s.stack)}" data-status="${s.status}"><td><a href="#${anchor(index)}">${html(s.stack)}</a></td><td class="status">${s.status}</td><td class="num">${s.drift.length}</td><td class="num">${p.create}</td><td class="num">${p.update}</td><td class="num">${p.delete}</td><td class="num">${p.replace}</td><td class="num">${s.durationSeconds.toFixed(1)} s</td><td>${html(s.error?.split("\n")[0] ?? "")}</td></tr>`;
}

function stackSection(s: StackReport, index: number): string {
  const parts = [`<h2>${html(s.stack)}: ${s.status}</h2>`];
  if (s.drift.length > 0) {
    parts.push(
      `<table class="drift"><thead><tr><th>drift</th><th>resource</th><th>type</th><th>property</th><th>recorded</th><th>actual</th></tr></thead><tbody>`,
      ...s.drift.map(driftRows),
      `</tbody></table>`,
    );
  } else if (s.status !== "failed") parts.push(`<p>No drift found.</p>`);
  const pending = Object.entries(s.pending).filter(([, n]) => n > 0);
  if (pending.length > 0)
    parts.push(
      `<p class="pending">Program changes not applied yet: ${pending.map(([op, n]) => `${n} to ${op}`).join(", ")}.</p>`,
    );
  if (s.error) parts.push(`<pre class="error">${html(s.error)}</pre>`);
  return `<section class="stack status-${s.status}" id="${anchor(index)}" data-stack="${html(s.stack)}">\n${parts.join("\n")}\n</section>`;
}

function driftRows(d: DriftEntry): string {
  const head = `<td class="kind">${d.kind}</td><td title="${html(d.urn)}"><code>${html(d.name)}</code></td><td><code>${html(d.type)}</code></td>`;
  if (d.properties.length === 0)
    return `<tr data-urn="${html(d.urn)}">${head}<td colspan="3">gone from Business Central</td></tr>`;
  return d.properties
    .map(
      (p, i) =>
        `<tr data-urn="${html(d.urn)}">${i === 0 ? head : `<td colspan="3"></td>`}<td><code>${html(p.name)}</code></td><td><pre>${value(p.recorded)}</pre></td><td><pre>${value(p.actual)}</pre></td></tr>`,
    )
    .join("\n");
}
