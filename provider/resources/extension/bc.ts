/**
 * Helpers of the Extension resource that talk to BC: the environment's version, the installed package of an app
 * and the waits (Admin Center operations, automation deployments) with reconciliation against the installed list.
 */
import type { AdminCenterApi, AppOperation } from "../../admin";
import { type AutomationApi, BASE_APPLICATION_ID, type Extension, extensionVersion } from "../../automation";
import { AmbiguousOutcomeError } from "../../errors";
import { compareVersions } from "../../../formats/version";

/** Poll intervals; tests shorten them (the emulator runs at a fraction of real time). */
export const extensionPolling = { initialIntervalMs: 3_000, maxIntervalMs: 30_000 };

/** Writes one progress line (the resource's `ctx.progress`). */
export type Progress = (message: string) => void;

/**
 * The BC application version: the installed Base Application's version (dependable on every tenant), else
 * `companies.systemVersion` when it has the form a.b.c.d (real tenants also send forms like "24012").
 */
export async function bcVersion(automation: AutomationApi): Promise<string | undefined> {
  const base = (await automation.extensions.byAppId(BASE_APPLICATION_ID)).find((e) => e.isInstalled);
  if (base) return extensionVersion(base);
  const companies = await automation.companies.list();
  return companies.map((c) => c.systemVersion).find((v) => v !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(v));
}

export function atLeast(version: string | undefined, minimum: string): boolean {
  return version !== undefined && compareVersions(version, minimum) >= 0;
}

/** The installed package of an app id, if any. */
export async function installedPackage(
  automation: AutomationApi,
  appId: string,
  companyId?: string,
): Promise<Extension | undefined> {
  const packages = await automation.extensions.byAppId(appId, { companyId });
  return packages.find((p) => p.isInstalled);
}

/**
 * Waits for an Admin Center app operation. A failed or timed-out operation counts as success when the app is
 * installed at `targetVersion` (or, for uninstall, no longer installed): the installed list is the truth.
 */
export async function waitForAdminOperation(
  admin: AdminCenterApi,
  automation: AutomationApi,
  environment: string,
  appId: string,
  operation: AppOperation,
  options: { timeoutMs: number; targetVersion?: string; uninstall?: boolean; companyId?: string; progress: Progress },
): Promise<AppOperation> {
  return admin.waitForAppOperation(environment, appId, operation.id, {
    timeoutMs: options.timeoutMs,
    initialIntervalMs: extensionPolling.initialIntervalMs,
    onProgress: options.progress,
    reconcile: async (last) => {
      const installed = await installedPackage(automation, appId, options.companyId);
      const done = options.uninstall
        ? installed === undefined
        : installed !== undefined &&
          (options.targetVersion === undefined || extensionVersion(installed) === options.targetVersion);
      return done ? { ...(last ?? operation), status: "succeeded" } : undefined;
    },
  });
}

/**
 * Sends an Admin Center start once. After an ambiguous failure, the newest operation of the app (of `type`, created
 * since the start) is the one we started, if any; otherwise the original error stands.
 */
export async function startOnce(
  admin: AdminCenterApi,
  environment: string,
  appId: string,
  type: string,
  progress: Progress,
  start: () => Promise<AppOperation>,
  matches: (op: AppOperation) => boolean = (op) => (op.type ?? "").toLowerCase().includes(type.toLowerCase()),
): Promise<AppOperation> {
  const startedAt = Date.now();
  try {
    return await start();
  } catch (err) {
    if (!(err instanceof AmbiguousOutcomeError)) {
      // BC names its body field; the resource's input is installDependencies.
      if (err instanceof Error && /installOrUpdateNeededDependencies/.test(err.message)) {
        throw new Error(`${err.message} In this resource: set installDependencies: true.`);
      }
      throw err;
    }
    progress(`the ${type} request's outcome is unknown; looking for the operation it started`);
    const ops = await admin.listAppOperations(environment, appId).catch(() => []);
    const ours = ops
      .filter(matches)
      .filter((op) => !op.createdOn || Date.parse(op.createdOn) >= startedAt - 60_000)
      .sort((a, b) => Date.parse(b.createdOn ?? "") - Date.parse(a.createdOn ?? ""))[0];
    if (!ours) throw err;
    return ours;
  }
}
