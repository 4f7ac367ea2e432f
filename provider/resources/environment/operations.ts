/**
 * Starting and following environment operations: a start is sent once; when its outcome is unknown (connection
 * dropped) the environment is looked up by name and the operation that is building it is followed instead — the
 * request is never sent twice. After its operation, a new environment is waited for until it is Active.
 */
import { type AdminCenterApi, type AdminEnvironment, appOperationState, type EnvironmentOperation } from "../../admin";
import { AmbiguousOutcomeError, BcApiError, isNotFound } from "../../errors";
import { OperationFailedError, OperationTimeoutError, pollUntilDone } from "../../polling";
import { sleep } from "../../util";

/** Poll intervals; tests shorten them (the emulator runs at a fraction of real time). */
export const environmentPolling = { initialIntervalMs: 2_000 };

/** Statuses in which BC no longer serves an environment and the Admin Center keeps it only to recover or purge. */
export const DELETED_STATUSES = ["SoftDeleting", "SoftDeleted", "Removing", "Recovering"];

export async function findEnvironment(admin: AdminCenterApi, name: string): Promise<AdminEnvironment | undefined> {
  try {
    return await admin.getEnvironment(name);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** The newest unfinished operation of `types` on the environment, if any. */
export async function pendingOperation(
  admin: AdminCenterApi,
  name: string,
  types: readonly string[],
): Promise<EnvironmentOperation | undefined> {
  const ops = await admin.listEnvironmentOperations(name).catch(() => [] as EnvironmentOperation[]);
  return ops
    .filter((op) => types.includes(op.type.toLowerCase()))
    .filter((op) => ["queued", "scheduled", "running"].includes(op.status.toLowerCase()))
    .at(-1);
}

/**
 * Sends a create, copy or restore once. After an ambiguous failure the environment is looked up by name: if it
 * exists, the newest unfinished operation of `types` on it is ours and is returned (none left: it is already
 * built, readiness is waited for next); if not, the start did not take effect.
 */
export async function startOnce(
  admin: AdminCenterApi,
  name: string,
  types: readonly string[],
  progress: (line: string) => void,
  start: () => Promise<EnvironmentOperation>,
): Promise<EnvironmentOperation> {
  try {
    return await start();
  } catch (err) {
    if (!(err instanceof AmbiguousOutcomeError)) throw err;
    progress(`the ${types[0]} request for '${name}' has an unknown outcome; looking the environment up by name`);
    const found = await findEnvironment(admin, name);
    const ours = found && (await pendingOperation(admin, name, types));
    if (ours) return ours;
    if (found && !DELETED_STATUSES.includes(found.status)) return { id: "", type: types[0]!, status: "succeeded" };
    throw new Error(
      `${err.message} Environment '${name}' does not exist, so the request did not take effect; it was not sent again. Run pulumi up again.`,
    );
  }
}

const DELETE_TYPES = ["softdelete", "delete"];
/** How far back a delete operation may have been created and still be ours (clock skew between us and BC). */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Sends a DELETE once and decides an ambiguous outcome the way BC deletes: a soft delete renames the environment
 * at once (https://learn.microsoft.com/dynamics365/business-central/dev-itpro/administration/tenant-admin-center-environments-delete),
 * so "gone from its name", "being deleted under its name", or a pending or succeeded delete operation mean the
 * delete took effect; an Active environment with no delete operation means it did not, and it is sent again.
 * Returns the operation to wait for, or undefined when there is nothing to wait for.
 */
export async function deleteOnce(
  admin: AdminCenterApi,
  name: string,
  progress: (line: string) => void,
): Promise<EnvironmentOperation | undefined> {
  const sentAt = Date.now();
  try {
    return await admin.deleteEnvironment(name);
  } catch (err) {
    if (!(err instanceof AmbiguousOutcomeError)) throw err;
    progress(`the delete request for '${name}' has an unknown outcome; looking the environment up by name`);
    const found = await findEnvironment(admin, name);
    if (!found || DELETED_STATUSES.includes(found.status)) return undefined;
    let ops: EnvironmentOperation[];
    try {
      ops = await admin.listEnvironmentOperations(name);
    } catch {
      throw new Error(
        `${err.message} Environment '${name}' is still ${found.status} and its operations cannot be read, so whether the delete took effect is unknown; it was not sent again. Run pulumi destroy (or up) again.`,
      );
    }
    const ours = ops
      .filter((op) => DELETE_TYPES.includes(op.type.toLowerCase()))
      .filter((op) => ["queued", "scheduled", "running", "succeeded"].includes(op.status.toLowerCase()))
      .filter((op) => !op.createdOn || Date.parse(op.createdOn) >= sentAt - CLOCK_SKEW_MS)
      .at(-1);
    if (ours) return ours;
    if (found.status !== "Active") {
      throw new Error(
        `${err.message} Environment '${name}' is ${found.status} and has no delete operation, so the delete did not take effect; it was not sent again. Run pulumi destroy (or up) again once it is Active.`,
      );
    }
    progress(
      `environment '${name}' is still Active with no delete operation: the delete did not take effect; sending it again`,
    );
    return await admin.deleteEnvironment(name);
  }
}

/**
 * Waits until the environment is `Active`: "The new environment isn't accessible until the State becomes Active"
 * (https://learn.microsoft.com/dynamics365/business-central/dev-itpro/administration/tenant-admin-center-environments);
 * an operation that succeeded is not yet a ready environment. `CreatingFailed` (or another `…Failed`) fails.
 */
export async function waitForActive(
  admin: AdminCenterApi,
  name: string,
  options: {
    timeoutMs: number;
    progress: (line: string) => void;
    /** Records the environment as still being prepared (`OperationContext.partial`) and ends the operation. */
    recordPreparing?: (why: string) => never;
  },
): Promise<AdminEnvironment> {
  try {
    return await pollUntilDone<AdminEnvironment>({
      what: `environment '${name}' becoming Active`,
      poll: () => admin.getEnvironment(name),
      classify: (env) => (env.status === "Active" ? "succeeded" : /failed$/i.test(env.status) ? "failed" : "pending"),
      describe: (env) => env.status,
      failureDetail: (env) => `BC reports it ${env.status}`,
      timeoutMs: options.timeoutMs,
      initialIntervalMs: environmentPolling.initialIntervalMs,
      maxIntervalMs: 30_000,
      onProgress: options.progress,
    });
  } catch (err) {
    if (err instanceof OperationFailedError) {
      throw new Error(
        `${err.message}. Delete it in the Business Central admin center (Environments → ${name} → Delete) and run pulumi up again, or choose another name.`,
      );
    }
    if (err instanceof OperationTimeoutError && options.recordPreparing) {
      options.recordPreparing(
        `${err.message} The environment is recorded; run pulumi refresh (or up) once it is Active.`,
      );
    }
    throw err;
  }
}

const CREATE_TYPES = ["create", "copy", "pitrestore"];

/**
 * Starts a create, copy or restore; while BC answers `tenantAlreadyProvisioning` (another environment of the
 * tenant is being created, e.g. by another program or the admin center), waits until that one is Active and tries
 * again, within `deadline`.
 */
export async function startWhenTenantFree(
  admin: AdminCenterApi,
  progress: (line: string) => void,
  deadline: number,
  start: () => Promise<EnvironmentOperation>,
): Promise<EnvironmentOperation> {
  for (;;) {
    try {
      return await start();
    } catch (err) {
      if (!(err instanceof BcApiError) || err.code.toLowerCase() !== "tenantalreadyprovisioning") throw err;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw err;
      const other = (await admin.listAllEnvironmentOperations().catch(() => [] as EnvironmentOperation[]))
        .filter((op) => CREATE_TYPES.includes(op.type.toLowerCase()))
        .at(-1);
      const otherName = other?.environmentName ?? undefined;
      progress(
        `BC is creating another environment of this tenant${otherName ? ` ('${otherName}')` : ""} and creates one at a time; waiting until it is Active, then trying again`,
      );
      if (other && appOperationState(other.status) === "pending") {
        await admin
          .waitForEnvironmentOperation(other, {
            timeoutMs: remaining,
            onProgress: progress,
            initialIntervalMs: environmentPolling.initialIntervalMs,
          })
          .catch(() => undefined);
      }
      if (otherName) {
        await waitForActive(admin, otherName, { timeoutMs: Math.max(1, deadline - Date.now()), progress }).catch(
          () => undefined,
        );
      } else {
        await sleep(Math.min(Math.max(1, deadline - Date.now()), environmentPolling.initialIntervalMs * 5));
      }
    }
  }
}

/**
 * Waits for a create or copy. A failure names the operation and what to do; a timeout records the environment
 * (Pulumi keeps it in state) so the next `up` or `refresh` picks it up instead of creating it again.
 */
export async function waitForCreation(
  admin: AdminCenterApi,
  op: EnvironmentOperation,
  options: {
    name: string;
    timeoutMs: number;
    progress: (line: string) => void;
    /** Records the environment as still being prepared (`OperationContext.partial`) and ends the operation. */
    recordPreparing: (why: string) => never;
  },
): Promise<void> {
  if (op.id === "" || op.status.toLowerCase() === "succeeded") return;
  try {
    await admin.waitForEnvironmentOperation(op, {
      timeoutMs: options.timeoutMs,
      onProgress: options.progress,
      initialIntervalMs: environmentPolling.initialIntervalMs,
    });
  } catch (err) {
    if (err instanceof OperationFailedError) {
      throw new Error(
        `${err.message}. BC leaves environment '${options.name}' in status CreatingFailed: delete it in the Business Central admin center (Environments → ${options.name} → Delete) and run pulumi up again, or choose another name. If it fails again, contact Microsoft support with operation id ${op.id}.`,
      );
    }
    if (err instanceof OperationTimeoutError) {
      options.recordPreparing(
        `${err.message} The environment is recorded; run pulumi refresh (or up) once it is Active.`,
      );
    }
    throw err;
  }
}
