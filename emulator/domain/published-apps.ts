import { compareVersions } from "../../formats/version";
import type { EnvironmentState, PublishedAppState } from "../state/model";

/**
 * State transitions of "Published Application" rows: install, uninstall, unpublish (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis).
 * Shared by the automation `extensions` page and deployments (./deployments.ts); the Admin Center API can reuse
 * them. They never throw: each returns what happened so every caller can word errors in its own API's shape.
 */

export type InstallOutcome =
  | { ok: true; installed: PublishedAppState[] }
  | { ok: false; reason: "alreadyInstalled" }
  | { ok: false; reason: "otherVersionInstalled"; installed: PublishedAppState }
  | { ok: false; reason: "dependencyNotPublished"; dependencyId: string };

/**
 * Installs a published package and, first, any of its dependencies that are published but not installed
 * (the platform's ALInstallNavApp does so [INF]). Nothing changes unless the whole plan can be carried out.
 */
export function installPackage(env: EnvironmentState, app: PublishedAppState): InstallOutcome {
  if (app.isInstalled) return { ok: false, reason: "alreadyInstalled" };
  const other = installedVersionOf(env, app.id);
  if (other) return { ok: false, reason: "otherVersionInstalled", installed: other };
  const plan: PublishedAppState[] = [];
  const failure = planInstall(env, app, plan, new Set());
  if (failure) return failure;
  for (const row of plan) {
    row.isInstalled = true;
    row.dataDeleted = false;
  }
  return { ok: true, installed: plan };
}

/** Dependencies first, the app last; already-installed dependencies are left alone. */
function planInstall(
  env: EnvironmentState,
  app: PublishedAppState,
  plan: PublishedAppState[],
  visiting: Set<string>,
): InstallOutcome | undefined {
  if (visiting.has(app.packageId)) return undefined;
  visiting.add(app.packageId);
  for (const depId of app.dependencies) {
    if (installedVersionOf(env, depId) || plan.some((p) => p.id === depId)) continue;
    const candidate = latestPublished(env, depId);
    if (!candidate) return { ok: false, reason: "dependencyNotPublished", dependencyId: depId };
    const failure = planInstall(env, candidate, plan, visiting);
    if (failure) return failure;
  }
  plan.push(app);
  return undefined;
}

export type UninstallOutcome = { ok: true; uninstalled: PublishedAppState[] } | { ok: false; reason: "notInstalled" };

/**
 * Uninstalls a package together with the installed apps that depend on it (dependents first) [INF].
 * `deleteData` marks the app's data as deleted (`uninstallAndDeleteExtensionData`); dependents keep theirs.
 */
export function uninstallPackage(env: EnvironmentState, app: PublishedAppState, deleteData: boolean): UninstallOutcome {
  if (!app.isInstalled) return { ok: false, reason: "notInstalled" };
  const order: PublishedAppState[] = [];
  collectDependents(env, app, order, new Set());
  for (const row of order) row.isInstalled = false;
  if (deleteData) app.dataDeleted = true;
  return { ok: true, uninstalled: order };
}

function collectDependents(
  env: EnvironmentState,
  app: PublishedAppState,
  order: PublishedAppState[],
  seen: Set<string>,
) {
  if (seen.has(app.packageId)) return;
  seen.add(app.packageId);
  for (const dependent of env.publishedApps) {
    if (dependent.isInstalled && dependent.dependencies.includes(app.id))
      collectDependents(env, dependent, order, seen);
  }
  order.push(app);
}

export type UnpublishOutcome = { ok: true; removed: boolean } | { ok: false; reason: "installed" };

/** Removes an uninstalled non-global package. Global packages are silently kept (System App returns false). */
export function unpublishPackage(env: EnvironmentState, app: PublishedAppState): UnpublishOutcome {
  if (app.isInstalled) return { ok: false, reason: "installed" };
  if (app.publishedAs === "Global") return { ok: true, removed: false };
  env.publishedApps.splice(env.publishedApps.indexOf(app), 1);
  return { ok: true, removed: true };
}

export function installedVersionOf(env: EnvironmentState, appId: string): PublishedAppState | undefined {
  return env.publishedApps.find((p) => p.isInstalled && p.id.toLowerCase() === appId.toLowerCase());
}

/** The highest published version of an app id. */
export function latestPublished(env: EnvironmentState, appId: string): PublishedAppState | undefined {
  let best: PublishedAppState | undefined;
  for (const p of env.publishedApps) {
    if (p.id.toLowerCase() !== appId.toLowerCase()) continue;
    if (!best || compareVersions(p.version, best.version) > 0) best = p;
  }
  return best;
}
