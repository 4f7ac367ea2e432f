/**
 * Production environments are not deleted by accident. Pulumi plans deletes (destroy, or a resource removed from
 * the program) without asking a dynamic provider, so the delete guard runs in `delete`, before any request; a
 * replace is refused in `diff`, so at preview. Sandboxes are not guarded.
 */
import type { PropertyBag } from "../framework/diff";

const WHAT_TO_DO =
  "Only `protect: true` stops a delete at preview time. To keep the environment and let Pulumi forget it, set " +
  "`retainOnDelete: true` and run pulumi up first; to really delete it, set `allowDelete: true`, run pulumi up " +
  "(an in-place update that sends nothing), then delete.";

/** Throws unless the recorded state allows deleting this environment. */
export function refuseProductionDelete(name: string, recorded: PropertyBag): void {
  if (recorded.type !== "Production" || recorded.allowDelete === true) return;
  throw new Error(
    `Environment '${name}' is a Production environment: deleting it deletes the business's data, so the provider refused and sent nothing to Business Central. ${WHAT_TO_DO}`,
  );
}

/** Throws when a diff would replace (delete) a Production environment whose recorded state does not allow it. */
export function refuseProductionReplace(name: string, olds: PropertyBag, replaces: readonly string[]): void {
  if (olds.type !== "Production" || olds.allowDelete === true) return;
  throw new Error(
    `Environment '${name}' is a Production environment and a change of ${replaces.join(", ")} would replace it (delete it and create a new one), so the provider refuses at preview. Revert the change, or create a new environment under another resource name. ${WHAT_TO_DO}`,
  );
}
