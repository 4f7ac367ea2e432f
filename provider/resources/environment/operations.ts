/**
 * Starting and following environment operations: a start is sent once; when its outcome is unknown (connection
 * dropped) the environment is looked up by name and the operation that is building it is followed instead — the
 * request is never sent twice.
 */
import type { AdminCenterApi, AdminEnvironment, EnvironmentOperation } from "../../admin";
import { AmbiguousOutcomeError, isNotFound } from "../../errors";
import { OperationFailedError, OperationTimeoutError } from "../../polling";

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
 * Sends a start once. After an ambiguous failure the environment is looked up by name: if it exists, the
 * newest operation of `types` on it is ours and is returned; if not, the start did not take effect.
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
    if (found && found.status === "Active") return { id: "", type: types[0]!, status: "succeeded" };
    throw new Error(
      `${err.message} Environment '${name}' does not exist, so the request did not take effect; it was not sent again. Run pulumi up again.`,
    );
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
