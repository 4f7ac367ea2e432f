/**
 * Accessors for the Admin Center's part of the state. Admin fields are created on first use so that seeded
 * environments (which have none) read as Active, and state files written before the Admin Center existed load.
 */
import type {
  EnvironmentAdminState,
  EnvironmentAdminStatus,
  EnvironmentState,
  TenantAdminCenterState,
  TenantState,
} from "../state/model";

/** Emulated durations (ms) of Admin Center work; multiplied by the emulator's time scale. */
export const ADMIN_DELAYS = {
  /** An accepted environment operation waits this long before it runs. */
  environmentQueuedMs: 2_000,
  createMs: 60_000,
  copyMs: 120_000,
  deleteMs: 20_000,
  recoverMs: 30_000,
  /** Restart that applies an Application Insights key. */
  restartMs: 10_000,
  /** Retention of a soft-deleted environment (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments: 14 days). */
  softDeleteRetentionMs: 14 * 24 * 60 * 60 * 1000,
  /** An app operation waits this long before it runs (install/update/uninstall). */
  appQueuedMs: 1_000,
  appOperationMs: 30_000,
  /** Time until the next environment update window (operations with `useEnvironmentUpdateWindow`, PTE `UpdateWindow`). */
  updateWindowMs: 6 * 60 * 60 * 1000,
};

/** Default environment quotas per tenant (the emulator's choice; change through the control plane). */
export const DEFAULT_QUOTAS = { production: 3, sandbox: 6 };

export const PRODUCT_FAMILY = "BusinessCentral";

export function tenantAdmin(tenant: TenantState): TenantAdminCenterState {
  tenant.adminCenter ??= { inactiveEnvironments: [], operations: [], quotas: { ...DEFAULT_QUOTAS } };
  return tenant.adminCenter;
}

export function envAdmin(env: EnvironmentState): EnvironmentAdminState {
  env.admin ??= {
    status: "Active",
    ringName: "PROD",
    createdOn: "2026-01-05T08:00:00Z",
    appInsightsKey: "",
    appOperations: [],
    appHistory: {},
  };
  return env.admin;
}

export function statusOf(env: EnvironmentState): EnvironmentAdminStatus {
  return env.admin?.status ?? "Active";
}

/** Every environment the Admin Center lists: the ones BC serves, then the inactive ones. */
export function listedEnvironments(tenant: TenantState): EnvironmentState[] {
  return [...tenant.environments, ...(tenant.adminCenter?.inactiveEnvironments ?? [])];
}

export function findListedEnvironment(tenant: TenantState, name: string): EnvironmentState | undefined {
  const lower = name.toLowerCase();
  return listedEnvironments(tenant).find((e) => e.name.toLowerCase() === lower);
}

/** Moves an environment out of BC's served list (automation routes stop answering for it) or back in. */
export function setServed(tenant: TenantState, env: EnvironmentState, served: boolean) {
  const admin = tenantAdmin(tenant);
  tenant.environments = tenant.environments.filter((e) => e !== env);
  admin.inactiveEnvironments = admin.inactiveEnvironments.filter((e) => e !== env);
  (served ? tenant.environments : admin.inactiveEnvironments).push(env);
}

export function forget(tenant: TenantState, env: EnvironmentState) {
  tenant.environments = tenant.environments.filter((e) => e !== env);
  const admin = tenantAdmin(tenant);
  admin.inactiveEnvironments = admin.inactiveEnvironments.filter((e) => e !== env);
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** A point in emulated time `ms` from `now`, scaled like every other asynchronous delay. */
export const after = (now: number, ms: number, timeScale: number) => now + Math.round(ms * timeScale);
