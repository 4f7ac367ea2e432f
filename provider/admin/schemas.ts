/**
 * Admin Center API shapes (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api). Loose objects; operation `status` values are documented in lower case
 * (`scheduled`, `running`, `succeeded`, `failed`, `canceled`, `skipped`) but compared case-insensitively.
 */
import { z } from "zod";
import type { EntitySchema } from "../automation/schemas";

export const environmentSchema = z.looseObject({
  name: z.string(),
  type: z.string(),
  status: z.string(),
  countryCode: z.string().optional(),
  applicationFamily: z.string().optional(),
  aadTenantId: z.string().optional(),
  friendlyName: z.string().optional(),
  webClientLoginUrl: z.string().optional(),
  webServiceUrl: z.string().optional(),
  ringName: z.string().optional(),
  applicationVersion: z.string().optional(),
  versionDetails: z.looseObject({ version: z.string().optional() }).optional(),
  /** The Application Insights connection string or key (`""` when none). */
  appInsightsKey: z.string().nullish(),
});
export type AdminEnvironment = z.infer<typeof environmentSchema>;

/** An environment operation (create, copy, delete, softDelete, recover, …; API 2.9+ answers starts with one). */
export const environmentOperationSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  createdOn: z.string().nullish(),
  startedOn: z.string().nullish(),
  completedOn: z.string().nullish(),
  errorMessage: z.string().nullish(),
  environmentName: z.string().nullish(),
  environmentType: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
});
export type EnvironmentOperation = z.infer<typeof environmentOperationSchema>;

/** `GET /admin/v2.x/environments/quotas`: how many environments of each type the tenant may have. */
export const quotasSchema = z.looseObject({
  environmentsCount: z.looseObject({ production: z.number().optional(), sandbox: z.number().optional() }).optional(),
});
export type EnvironmentQuotas = z.infer<typeof quotasSchema>;

/** `GET …/settings/upgrade`; the wall-clock fields exist from API 2.13. */
export const updateWindowSchema = z.looseObject({
  preferredStartTime: z.string().nullish(),
  preferredEndTime: z.string().nullish(),
  timeZoneId: z.string().nullish(),
});
export type UpdateWindowSettings = z.infer<typeof updateWindowSchema>;

/** `GET …/settings/securitygroupaccess`: `{id, displayName}`; 204 (read as `{}`) when no group is set. */
export const securityGroupAccessSchema = z.looseObject({ id: z.string().nullish(), displayName: z.string().nullish() });
export type SecurityGroupSetting = z.infer<typeof securityGroupAccessSchema>;

export const installedAppSchema = z.looseObject({
  appId: z.string(),
  name: z.string(),
  publisher: z.string(),
  version: z.string(),
  /** `Installed` | `UpdatePending` | `Updating`. */
  state: z.string(),
  lastOperationId: z.string().nullish(),
  lastUpdateAttemptResult: z.string().nullish(),
  lastUninstallOperationId: z.string().nullish(),
  lastUninstallAttemptResult: z.string().nullish(),
  /** `global` | `tenant` | `dev`. */
  appType: z.string().optional(),
  canBeUninstalled: z.boolean().optional(),
});
export type InstalledApp = z.infer<typeof installedAppSchema>;

export const appOperationSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  type: z.string().optional(),
  createdOn: z.string().nullish(),
  startedOn: z.string().nullish(),
  completedOn: z.string().nullish(),
  sourceAppVersion: z.string().nullish(),
  targetAppVersion: z.string().nullish(),
  sourceVersion: z.string().nullish(),
  targetVersion: z.string().nullish(),
  errorMessage: z.string().nullish(),
  scheduleKind: z.string().nullish(),
  creatorPrincipalType: z.string().nullish(),
});
export type AppOperation = z.infer<typeof appOperationSchema>;

export const adminEntities = {
  environment: { entity: "environment", schema: environmentSchema },
  installedApp: { entity: "app", schema: installedAppSchema },
  appOperation: { entity: "app operation", schema: appOperationSchema },
  environmentOperation: { entity: "environment operation", schema: environmentOperationSchema },
  quotas: { entity: "environment quotas", schema: quotasSchema },
  updateWindow: { entity: "update window settings", schema: updateWindowSchema },
  securityGroup: { entity: "security group access", schema: securityGroupAccessSchema },
} satisfies Record<string, EntitySchema<unknown>>;

export const APP_OPERATION_PENDING = ["scheduled", "running", "queued", "notstarted", "inprogress"];

/** pending | succeeded | failed, from an operation status (any case). */
export function appOperationState(status: string): "pending" | "succeeded" | "failed" {
  const s = status.toLowerCase();
  if (s === "succeeded" || s === "skipped") return "succeeded";
  if (APP_OPERATION_PENDING.includes(s)) return "pending";
  return "failed";
}
