/**
 * Reads one stack run's engine events (the Automation API's `onEvent` stream) into what the fleet reports:
 * the drift the refresh steps found, the program's pending steps, and the errors the engine reported.
 *
 * Drift is what a refresh step found: a resource whose refreshed state is gone (`missing`) or whose outputs differ
 * from the recorded ones (`changed`, property by property). The steps the preview then plans for a drifted
 * resource only repair that drift, so they are not counted as pending; every other create, update, delete or
 * replace is a program change not yet applied.
 */
import { redactText } from "../redact";
import { type DriftEntry, emptyPending, type PendingChanges, type PropertyDrift } from "./types";

/** The parts of the Automation API's `EngineEvent` read here (its types stay in the lazily loaded module). */
export interface StepState {
  type?: string;
  urn?: string;
  outputs?: Record<string, unknown>;
}
export interface StepMetadata {
  op: string;
  urn: string;
  type: string;
  old?: StepState;
  new?: StepState;
}
export interface EngineEventLike {
  resourcePreEvent?: { metadata: StepMetadata };
  resOutputsEvent?: { metadata: StepMetadata };
  resOpFailedEvent?: { metadata: StepMetadata };
  diagnosticEvent?: { urn?: string; message: string; severity: string };
  summaryEvent?: { resourceChanges?: Record<string, number> };
}

/** What progress lines show about one step. */
export interface StepNotice {
  op: string;
  type: string;
  name: string;
  /** Set when a refresh step found drift. */
  drift?: DriftEntry["kind"];
  failed?: boolean;
}

/** Pulumi's secret marker inside serialized property values. */
const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";
const SECRET = "[secret]";
const REPLACE_OPS = new Set(["replace", "create-replacement", "delete-replaced"]);
const PENDING_OPS = new Set(["create", "update", "delete", ...REPLACE_OPS]);

export const resourceName = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

/** The stack itself and provider resources are bookkeeping, never drift or pending work of the program. */
const isBookkeeping = (type: string) => type === "pulumi:pulumi:Stack" || type.startsWith("pulumi:providers:");

export class StepTally {
  /**
   * `refreshOnly`: the run is a `pulumi refresh`, whose step events carry what the refresh did to the state
   * (`update`, `delete`, `same`) instead of `refresh`; every step of such a run is a refresh.
   */
  constructor(private readonly options: { refreshOnly?: boolean } = {}) {}

  private readonly drifted = new Map<string, DriftEntry>();
  private readonly planned = new Map<string, Set<string>>();
  private readonly errors: string[] = [];
  /** Steps finished so far (any kind), for progress. */
  done = 0;
  changes?: Record<string, number>;

  /** Takes one engine event; returns a notice when a step finished that progress should mention. */
  add(event: EngineEventLike): StepNotice | undefined {
    if (event.diagnosticEvent?.severity === "error") {
      const text = cleanDiagnostic(event.diagnosticEvent.message);
      if (text && !this.errors.includes(text)) this.errors.push(text);
      return undefined;
    }
    if (event.summaryEvent) {
      this.changes = event.summaryEvent.resourceChanges;
      return undefined;
    }
    const pre = event.resourcePreEvent?.metadata;
    if (pre) {
      if (PENDING_OPS.has(pre.op) && !isBookkeeping(pre.type)) {
        const ops = this.planned.get(pre.urn) ?? new Set<string>();
        ops.add(pre.op);
        this.planned.set(pre.urn, ops);
      }
      return undefined;
    }
    const failed = event.resOpFailedEvent?.metadata;
    if (failed && isBookkeeping(failed.type)) return undefined;
    if (failed) return { op: failed.op, type: failed.type, name: resourceName(failed.urn), failed: true };
    const done = event.resOutputsEvent?.metadata;
    if (!done) return undefined;
    this.done += 1;
    if (isBookkeeping(done.type)) return undefined;
    const notice: StepNotice = { op: done.op, type: done.type, name: resourceName(done.urn) };
    if (done.op === "refresh" || this.options.refreshOnly) {
      const entry = driftOf(done);
      if (entry) {
        this.drifted.set(entry.urn, entry);
        notice.drift = entry.kind;
      }
    }
    // Unchanged resources and refreshes that found nothing are not worth a line.
    const quiet = notice.op === "same" || notice.op === "refresh" || this.options.refreshOnly;
    return quiet && !notice.drift ? undefined : notice;
  }

  drift(): DriftEntry[] {
    return [...this.drifted.values()];
  }

  /** Planned steps per kind, a replace counted once, steps repairing drift left out. */
  pending(): PendingChanges {
    const pending = emptyPending();
    for (const [urn, ops] of this.planned) {
      if (this.drifted.has(urn)) continue;
      if ([...ops].some((op) => REPLACE_OPS.has(op))) pending.replace += 1;
      else if (ops.has("create")) pending.create += 1;
      else if (ops.has("update")) pending.update += 1;
      else if (ops.has("delete")) pending.delete += 1;
    }
    return pending;
  }

  /** The engine's error diagnostics, one per line, or undefined when there were none. */
  error(): string | undefined {
    return this.errors.length > 0 ? this.errors.join("\n") : undefined;
  }
}

function driftOf(step: StepMetadata): DriftEntry | undefined {
  const base = { urn: step.urn, type: step.type, name: resourceName(step.urn) };
  if (!step.new) return { ...base, kind: "missing", properties: [] };
  const recorded = step.old?.outputs ?? {};
  const actual = step.new.outputs ?? {};
  const properties: PropertyDrift[] = [];
  for (const name of new Set([...Object.keys(recorded), ...Object.keys(actual)])) {
    // `__provider` and friends are the dynamic provider's bookkeeping, not the object in BC.
    if (name.startsWith("__")) continue;
    const was = masked(recorded[name]);
    const is = masked(actual[name]);
    if (stableJson(was) !== stableJson(is)) properties.push({ name, recorded: was ?? null, actual: is ?? null });
  }
  return properties.length > 0 ? { ...base, kind: "changed", properties } : undefined;
}

/** Secret values as `"[secret]"`, whatever form they arrive in (the engine already masks them in events). */
export function masked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(masked);
  if (value && typeof value === "object") {
    if (SECRET_SIGNATURE in value) return SECRET;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  }
  return value;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/** A diagnostic without colour codes and trailing blank lines, credentials removed. */
function cleanDiagnostic(message: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removes terminal colour codes
  const plain = message.replace(/\u001b\[[0-9;]*m/g, "").replace(/<\{%reset%\}>|<\{%[a-z-]*%\}>/g, "");
  return redactText(plain.trim());
}
