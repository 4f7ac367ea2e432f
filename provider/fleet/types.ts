/**
 * What a fleet run reports, per stack and for the whole run. `--json` writes `FleetReport` as is: scripts and CI
 * read `stacks[].stack`, `status`, `drift`, `pending` and `error`; the other fields are for people.
 */

/** The commands that run something on each stack (`matrix` only lists them). */
export const FLEET_OPERATIONS = ["preview", "up", "refresh", "drift", "destroy"] as const;
export type FleetOperation = (typeof FLEET_OPERATIONS)[number];

/** `drifted` only comes from `drift`; `failed` wins over everything. */
export type StackStatus = "ok" | "drifted" | "failed";

/** One property whose recorded value (the state) differs from the actual one (what BC returned on refresh). */
export interface PropertyDrift {
  name: string;
  recorded: unknown;
  actual: unknown;
}

/** A resource the refresh found gone from BC (`missing`) or different from its state (`changed`). */
export interface DriftEntry {
  urn: string;
  type: string;
  /** The resource's name in the program (the URN's last part). */
  name: string;
  kind: "missing" | "changed";
  /** Empty for `missing`. */
  properties: PropertyDrift[];
}

/** Steps the program would still make (for `drift`: besides repairing the drift itself). */
export interface PendingChanges {
  create: number;
  update: number;
  delete: number;
  replace: number;
}

export interface StackReport {
  stack: string;
  status: StackStatus;
  drift: DriftEntry[];
  pending: PendingChanges;
  /** The engine's own summary of the run (`same`, `create`, `update`, …), when it got that far. */
  changes?: Record<string, number>;
  durationSeconds: number;
  /** Why the stack failed (the engine's error diagnostics), present only when `status` is `failed`. */
  error?: string;
}

export interface FleetReport {
  operation: FleetOperation;
  /** The Pulumi project's name (Pulumi.yaml). */
  project: string;
  startedAt: string;
  durationSeconds: number;
  stacks: StackReport[];
}

export const emptyPending = (): PendingChanges => ({ create: 0, update: 0, delete: 0, replace: 0 });
