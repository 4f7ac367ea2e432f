/**
 * Live progress of a fleet run, one line per stack. On a terminal: a table redrawn in place (stacks that do not
 * fit are summed up in its first line). Elsewhere (CI logs, pipes): plain lines as things happen, each prefixed
 * with its stack, so interleaved output stays readable.
 */
import type { StepNotice } from "./steps";
import type { FleetOperation, StackReport, StackStatus } from "./types";

export interface FleetProgress {
  started(stack: string): void;
  /** A step finished; `notice` is set when it is worth a line (a change, drift, a failure). */
  stepped(stack: string, done: number, notice?: StepNotice): void;
  finished(report: StackReport): void;
  /** Draws the final state and stops redrawing. */
  close(): void;
}

export interface ProgressOptions {
  stacks: readonly string[];
  operation: FleetOperation;
  write: (text: string) => void;
  color: boolean;
}

/** `pulumi-nodejs:businesscentral:Company` → `Company`. */
const shortType = (type: string) => type.slice(type.lastIndexOf(":") + 1);

export function describeStep(notice: StepNotice): string {
  const what = `${shortType(notice.type)} ${notice.name}`;
  if (notice.failed) return `${notice.op} ${what} failed`;
  if (notice.drift) return `drift: ${what} ${notice.drift === "missing" ? "is missing" : "changed"}`;
  return `${notice.op} ${what}`;
}

export function describeOutcome(report: StackReport): string {
  const parts: string[] = [report.status];
  if (report.drift.length > 0) parts.push(`${report.drift.length} drifted`);
  const pending = Object.entries(report.pending).filter(([, n]) => n > 0);
  if (pending.length > 0) parts.push(`pending ${pending.map(([op, n]) => `${n} ${op}`).join(", ")}`);
  return `${parts.join(", ")} in ${report.durationSeconds.toFixed(1)} s`;
}

const COLORS: Record<StackStatus | "running" | "queued", string> = {
  ok: "32",
  drifted: "33",
  failed: "31",
  running: "36",
  queued: "2",
};

export const paint = (color: boolean, state: keyof typeof COLORS, text: string) =>
  color ? `\u001b[${COLORS[state]}m${text}\u001b[0m` : text;

/** Plain lines for logs. */
export class LineProgress implements FleetProgress {
  private readonly width: number;
  constructor(private readonly options: ProgressOptions) {
    this.width = Math.max(...options.stacks.map((s) => s.length), 5);
  }
  private line(stack: string, text: string) {
    this.options.write(`${stack.padEnd(this.width)} | ${text}\n`);
  }
  started(stack: string) {
    this.line(stack, `${this.options.operation} started`);
  }
  stepped(stack: string, _done: number, notice?: StepNotice) {
    if (notice) this.line(stack, describeStep(notice));
  }
  finished(report: StackReport) {
    const first = report.error?.split("\n")[0];
    this.line(report.stack, `${describeOutcome(report)}${first ? `: ${first}` : ""}`);
  }
  close() {}
}

interface Row {
  state: StackStatus | "running" | "queued";
  done: number;
  last: string;
  started?: number;
  seconds?: number;
}

/** A table redrawn in place on a terminal. */
export class TableProgress implements FleetProgress {
  private readonly rows = new Map<string, Row>();
  private readonly width: number;
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: ProgressOptions & { columns: number; height: number }) {
    for (const stack of options.stacks) this.rows.set(stack, { state: "queued", done: 0, last: "" });
    this.width = Math.max(...options.stacks.map((s) => s.length), 5);
    // Redraw on a clock rather than per event: hundreds of events a second would only flicker.
    this.timer = setInterval(() => this.draw(), 250);
    this.draw();
  }

  started(stack: string) {
    Object.assign(this.rows.get(stack)!, { state: "running", started: Date.now() });
  }
  stepped(stack: string, done: number, notice?: StepNotice) {
    const row = this.rows.get(stack)!;
    row.done = done;
    if (notice) row.last = describeStep(notice);
  }
  finished(report: StackReport) {
    const row = this.rows.get(report.stack)!;
    row.state = report.status;
    row.seconds = report.durationSeconds;
    row.last = report.error?.split("\n")[0] ?? describeOutcome(report);
  }
  close() {
    clearInterval(this.timer);
    this.draw();
  }

  private draw() {
    const lines = this.lines();
    let out = this.drawn > 0 ? `\u001b[${this.drawn}A\r` : "";
    for (const line of lines) out += `\u001b[2K${line}\n`;
    // Lines left over from a taller previous frame are cleared.
    for (let i = lines.length; i < this.drawn; i++) out += "\u001b[2K\n";
    const extra = Math.max(0, this.drawn - lines.length);
    if (extra > 0) out += `\u001b[${extra}A`;
    this.drawn = lines.length;
    this.options.write(out);
  }

  private lines(): string[] {
    const entries = [...this.rows.entries()];
    const count = (state: Row["state"]) => entries.filter(([, r]) => r.state === state).length;
    const header = `${this.options.operation}: ${entries.length} stacks, ${count("running")} running, ${count("queued")} queued, ${count("ok")} ok, ${count("drifted")} drifted, ${count("failed")} failed`;
    // Keep the frame within the screen: when the stacks do not fit, show the running and failed ones.
    const room = Math.max(1, this.options.height - 2);
    const shown =
      entries.length <= room
        ? entries
        : entries.filter(([, r]) => r.state === "running" || r.state === "failed").slice(0, room);
    return [this.fit(header), ...shown.map(([stack, row]) => this.rowText(stack, row))];
  }

  private rowText(stack: string, row: Row): string {
    const seconds = row.seconds ?? (row.started ? (Date.now() - row.started) / 1000 : 0);
    const time = row.state === "queued" ? "" : `${seconds.toFixed(0).padStart(4)} s`;
    const head = `${stack.padEnd(this.width)}  `;
    const state = row.state.padEnd(8);
    const tail = `  ${String(row.done).padStart(4)} steps  ${time.padEnd(6)}  `;
    // Only the last column is cut, so the state keeps its colour.
    const room = this.options.columns - 1 - head.length - state.length - tail.length;
    if (room >= 8) return head + paint(this.options.color, row.state, state) + tail + this.fit(row.last, room);
    return this.fit(head + state + tail + row.last);
  }

  /** Cuts text to a width (at least a few characters): a wrapped line would break the in-place redraw. */
  private fit(text: string, width = this.options.columns - 1): string {
    const max = Math.max(8, width);
    return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
  }
}
