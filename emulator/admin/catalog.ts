/**
 * AppSource catalog lookups and dependency planning for the app-management endpoints (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_app_management):
 * "Dependencies are installed or updated to the latest version compatible with the environment, not to the
 * minimum version required".
 */
import type {
  AppSourceAppState,
  AppSourceVersionState,
  EmulatorState,
  EnvironmentState,
  PublishedAppState,
} from "../state/model";
import { compareVersions } from "../../formats/version";
import { AdminError } from "./errors";

export function catalogApp(state: EmulatorState, appId: string): AppSourceAppState | undefined {
  const lower = appId.toLowerCase();
  return (state.appSourceCatalog ?? []).find((a) => a.appId === lower);
}

/** Versions the environment's application version can run, lowest first. */
export function compatibleVersions(app: AppSourceAppState, env: EnvironmentState): AppSourceVersionState[] {
  return app.versions
    .filter((v) => compareVersions(v.minApplicationVersion, env.applicationVersion) <= 0)
    .sort((x, y) => compareVersions(x.version, y.version));
}

/** The latest generally available (non-preview) version compatible with the environment. */
export function latestVersion(app: AppSourceAppState, env: EnvironmentState): AppSourceVersionState | undefined {
  return compatibleVersions(app, env)
    .filter((v) => !v.preview)
    .at(-1);
}

/** The installed package of an app id in the environment, if any. */
export function installedApp(env: EnvironmentState, appId: string): PublishedAppState | undefined {
  const lower = appId.toLowerCase();
  return env.publishedApps.find((p) => p.id.toLowerCase() === lower && p.isInstalled);
}

export interface Requirement {
  appId: string;
  name: string;
  publisher: string;
  version: string;
  type: "install" | "update" | "uninstall";
}

/**
 * What must be installed or updated before `version` can be installed, dependencies first (so that installing the
 * list in order never installs an app before its own dependencies). Throws 400 when a dependency cannot be met
 * from the catalog at all.
 */
export function missingDependencies(
  state: EmulatorState,
  env: EnvironmentState,
  version: AppSourceVersionState,
  dependentName: string,
): Requirement[] {
  const out: Requirement[] = [];
  const planned = new Map<string, string>();
  const visit = (deps: { appId: string; minVersion: string }[], forName: string, depth: number) => {
    if (depth > 20) return; // a dependency cycle in a hand-written catalog must not hang the request
    for (const dep of deps) {
      const installed = installedApp(env, dep.appId);
      const plannedVersion = planned.get(dep.appId);
      const have = plannedVersion ?? installed?.version;
      if (have !== undefined && compareVersions(have, dep.minVersion) >= 0) continue;
      const app = catalogApp(state, dep.appId);
      const latest = app ? latestVersion(app, env) : undefined;
      if (!app || !latest || compareVersions(latest.version, dep.minVersion) < 0) {
        throw new AdminError(
          400,
          "dependencyNotAvailable",
          `The app '${forName}' depends on app '${dep.appId}' version ${dep.minVersion} or later, which is not available for this environment (application version ${env.applicationVersion}).`,
          { target: dep.appId },
        );
      }
      visit(latest.dependencies, app.name, depth + 1);
      planned.set(dep.appId, latest.version);
      out.push({
        appId: app.appId,
        name: app.name,
        publisher: app.publisher,
        version: latest.version,
        type: installed ? "update" : "install",
      });
    }
  };
  visit(version.dependencies, dependentName, 0);
  return out;
}

/** Installed apps that depend on `appId`, directly or through others; dependents of dependents first. */
export function installedDependents(env: EnvironmentState, appId: string): PublishedAppState[] {
  const out: PublishedAppState[] = [];
  const visit = (id: string, depth: number) => {
    if (depth > 20) return;
    for (const p of env.publishedApps) {
      if (!p.isInstalled || out.includes(p)) continue;
      if (!p.dependencies.some((d) => d.toLowerCase() === id.toLowerCase())) continue;
      visit(p.id, depth + 1);
      if (!out.includes(p)) out.push(p);
    }
  };
  visit(appId, 0);
  return out;
}

export function requirementsError(code: string, message: string, requirements: Requirement[]): AdminError {
  return new AdminError(400, code, message, { data: { requirements } });
}
