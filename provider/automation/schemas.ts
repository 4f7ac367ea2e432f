/**
 * Response schemas of the automation entities (reference §4–§7, §9.1). Loose objects: fields BC adds later pass
 * through untouched; a documented field that is missing or has the wrong type is an error naming the entity and
 * the field (see `parseEntity`). Enum strings are exactly the reference's; fields marked "since" a BC version are
 * optional.
 */
import { z } from "zod";
import { ResponseShapeError } from "../errors";

const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, "a GUID");
const etag = { "@odata.etag": z.string().optional() };

export const companySchema = z.looseObject({
  ...etag,
  id: guid,
  name: z.string(),
  displayName: z.string(),
  systemVersion: z.string().optional(),
  businessProfileId: z.string().optional(),
  systemCreatedAt: z.string().optional(),
  systemModifiedAt: z.string().optional(),
});
export type Company = z.infer<typeof companySchema>;

export const automationCompanySchema = z.looseObject({
  ...etag,
  id: guid,
  name: z.string(),
  evaluationCompany: z.boolean(),
  displayName: z.string(),
  businessProfileId: z.string(),
});
export type AutomationCompany = z.infer<typeof automationCompanySchema>;

export const RAPIDSTART_STATUSES = ["No", "Scheduled", "InProgress", "Completed", "Error"] as const;
export type RapidStartStatus = (typeof RAPIDSTART_STATUSES)[number];

export const configurationPackageSchema = z.looseObject({
  ...etag,
  id: guid,
  code: z.string(),
  packageName: z.string(),
  languageId: z.number().int(),
  productVersion: z.string(),
  processingOrder: z.number().int(),
  excludeConfigurationTables: z.boolean(),
  numberOfTables: z.number().int(),
  numberOfRecords: z.number().int(),
  numberOfErrors: z.number().int(),
  importStatus: z.enum(RAPIDSTART_STATUSES),
  importError: z.string(),
  applyStatus: z.enum(RAPIDSTART_STATUSES),
  applyError: z.string(),
});
export type ConfigurationPackage = z.infer<typeof configurationPackageSchema>;

export const extensionSchema = z.looseObject({
  ...etag,
  packageId: guid,
  id: guid,
  displayName: z.string(),
  publisher: z.string(),
  versionMajor: z.number().int(),
  versionMinor: z.number().int(),
  versionBuild: z.number().int(),
  versionRevision: z.number().int(),
  isInstalled: z.boolean(),
  /** `Global`, `PTE`, `Dev` (exact strings unconfirmed, reference §6.1): kept as text. */
  publishedAs: z.string(),
});
export type Extension = z.infer<typeof extensionSchema>;

export const UPLOAD_SCHEDULES = ["Current version", "Next minor version", "Next major version"] as const;
export type UploadSchedule = (typeof UPLOAD_SCHEDULES)[number];
export const SCHEMA_SYNC_MODES = ["Add", "Force Sync"] as const;
export type SchemaSyncMode = (typeof SCHEMA_SYNC_MODES)[number];

export const extensionUploadSchema = z.looseObject({
  ...etag,
  systemId: guid,
  schedule: z.enum(UPLOAD_SCHEDULES),
  schemaSyncMode: z.enum(SCHEMA_SYNC_MODES),
  "extensionContent@odata.mediaEditLink": z.string().optional(),
});
export type ExtensionUpload = z.infer<typeof extensionUploadSchema>;

export const DEPLOYMENT_STATUSES = ["Unknown", "InProgress", "Failed", "Completed", "NotFound"] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export const extensionDeploymentStatusSchema = z.looseObject({
  operationID: guid.optional(),
  name: z.string(),
  publisher: z.string(),
  operationType: z.enum(["Upload", "Install"]),
  status: z.enum(DEPLOYMENT_STATUSES),
  schedule: z.string(),
  appVersion: z.string(),
  startedOn: z.string(),
});
export type ExtensionDeploymentStatus = z.infer<typeof extensionDeploymentStatusSchema>;

export const userSchema = z.looseObject({
  ...etag,
  userSecurityId: guid,
  userName: z.string(),
  displayName: z.string(),
  state: z.enum(["Enabled", "Disabled"]),
  expiryDate: z.string(),
  /** Since BC 25.0. */
  contactEmail: z.string().optional(),
});
export type User = z.infer<typeof userSchema>;

export const SCOPES = ["System", "Tenant"] as const;

export const userPermissionSchema = z.looseObject({
  ...etag,
  id: guid,
  userSecurityId: guid,
  roleId: z.string(),
  displayName: z.string(),
  company: z.string(),
  appId: guid,
  extensionName: z.string(),
  scope: z.enum(SCOPES),
});
export type UserPermission = z.infer<typeof userPermissionSchema>;

export const permissionSetSchema = z.looseObject({
  id: z.string(),
  displayName: z.string(),
  appId: guid,
  extensionName: z.string(),
  scope: z.enum(SCOPES),
});
export type PermissionSet = z.infer<typeof permissionSetSchema>;

export const securityGroupSchema = z.looseObject({
  ...etag,
  id: z.string(),
  code: z.string(),
  groupName: z.string(),
  /** Since 29.0 (`groupUserSecurityID` in 28.x). */
  groupUserSecurityId: guid.optional(),
  groupId: z.string().optional(),
  retrievedSuccessfully: z.boolean().optional(),
});
export type SecurityGroup = z.infer<typeof securityGroupSchema>;

export const userGroupSchema = z.looseObject({
  ...etag,
  id: guid,
  code: z.string(),
  displayName: z.string(),
  defaultProfileID: z.string(),
  assignToAllNewUsers: z.boolean(),
});
export type UserGroup = z.infer<typeof userGroupSchema>;

export const userGroupMemberSchema = z.looseObject({
  ...etag,
  id: guid,
  userSecurityId: guid,
  code: z.string(),
  displayName: z.string(),
  companyName: z.string(),
});
export type UserGroupMember = z.infer<typeof userGroupMemberSchema>;

/** An entity schema with the name used in messages. */
export interface EntitySchema<T> {
  entity: string;
  schema: z.ZodType<T>;
}

export const entities = {
  company: { entity: "company", schema: companySchema },
  automationCompany: { entity: "automationCompany", schema: automationCompanySchema },
  configurationPackage: { entity: "configurationPackage", schema: configurationPackageSchema },
  extension: { entity: "extension", schema: extensionSchema },
  extensionUpload: { entity: "extensionUpload", schema: extensionUploadSchema },
  extensionDeploymentStatus: { entity: "extensionDeploymentStatus", schema: extensionDeploymentStatusSchema },
  user: { entity: "user", schema: userSchema },
  userPermission: { entity: "userPermission", schema: userPermissionSchema },
  permissionSet: { entity: "permissionSet", schema: permissionSetSchema },
  securityGroup: { entity: "securityGroup", schema: securityGroupSchema },
  userGroup: { entity: "userGroup", schema: userGroupSchema },
  userGroupMember: { entity: "userGroupMember", schema: userGroupMemberSchema },
} satisfies Record<string, EntitySchema<unknown>>;

/** Validates one entity; a failure names the entity and the first offending field. */
export function parseEntity<T>(def: EntitySchema<T>, value: unknown, path?: string): T {
  const result = def.schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.map(String).join(".") : "(entity)";
  const actual = field !== "(entity)" ? describeValue(pick(value, issue?.path ?? [])) : describeValue(value);
  const detail = actual === "undefined" ? "it is missing" : `${issue?.message ?? "invalid"} (got ${actual})`;
  throw new ResponseShapeError(def.entity, field, detail, path);
}

function pick(value: unknown, path: PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
