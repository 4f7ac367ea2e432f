/**
 * Response schemas of the automation entities (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis), liberal in what they accept: loose objects
 * (fields BC adds later pass through), only the fields the provider acts on are required, and enum/option values
 * are decoded from BC's `_xHHHH_` member-name form and accepted whatever their value. A required
 * field that is missing or has the wrong type is an error naming the entity and the field (see `parseEntity`).
 */
import { z } from "zod";
import { ResponseShapeError } from "../errors";
import { memberName, memberOf } from "./wire";

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
  evaluationCompany: z.boolean().optional(),
  displayName: z.string(),
  businessProfileId: z.string().optional(),
});
export type AutomationCompany = z.infer<typeof automationCompanySchema>;

export const RAPIDSTART_STATUSES = ["No", "Scheduled", "InProgress", "Completed", "Error"] as const;
export type RapidStartStatus = (typeof RAPIDSTART_STATUSES)[number];

export const configurationPackageSchema = z.looseObject({
  ...etag,
  id: guid,
  code: z.string(),
  packageName: z.string(),
  languageId: z.number().int().optional(),
  numberOfTables: z.number().int().catch(0),
  numberOfRecords: z.number().int().catch(0),
  numberOfErrors: z.number().int(),
  importStatus: memberOf(RAPIDSTART_STATUSES),
  importError: z.string().optional(),
  applyStatus: memberOf(RAPIDSTART_STATUSES),
  applyError: z.string().optional(),
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
  /** `Global`, `PTE`, `Dev`. */
  publishedAs: memberName.catch(""),
});
export type Extension = z.infer<typeof extensionSchema>;

export const UPLOAD_SCHEDULES = ["Current version", "Next minor version", "Next major version"] as const;
export type UploadSchedule = (typeof UPLOAD_SCHEDULES)[number];
export const SCHEMA_SYNC_MODES = ["Add", "Force Sync"] as const;
export type SchemaSyncMode = (typeof SCHEMA_SYNC_MODES)[number];

export const extensionUploadSchema = z.looseObject({
  ...etag,
  systemId: guid,
  schedule: memberName.optional(),
  schemaSyncMode: memberName.optional(),
  "extensionContent@odata.mediaEditLink": z.string().optional(),
});
export type ExtensionUpload = z.infer<typeof extensionUploadSchema>;

export const extensionDeploymentStatusSchema = z.looseObject({
  operationID: z.string().optional(),
  name: z.string(),
  publisher: z.string(),
  operationType: memberName.optional(),
  status: memberOf(["Unknown", "InProgress", "Failed", "Completed", "NotFound"]),
  schedule: memberName.optional(),
  appVersion: z.string(),
  /** BC server time: never compared with the client's clock. */
  startedOn: z.string().optional(),
});
export type ExtensionDeploymentStatus = z.infer<typeof extensionDeploymentStatusSchema>;

export const userSchema = z.looseObject({
  ...etag,
  userSecurityId: guid,
  userName: z.string(),
  displayName: z.string().catch(""),
  state: memberName.catch(""),
  expiryDate: z.string().optional(),
  /** Since BC 25.0. */
  contactEmail: z.string().optional(),
});
export type User = z.infer<typeof userSchema>;

export const userPermissionSchema = z.looseObject({
  ...etag,
  id: guid,
  userSecurityId: guid,
  roleId: z.string(),
  displayName: z.string(),
  company: z.string(),
  appId: guid,
  extensionName: z.string().catch(""),
  scope: memberName,
});
export type UserPermission = z.infer<typeof userPermissionSchema>;

export const permissionSetSchema = z.looseObject({
  id: z.string(),
  displayName: z.string(),
  appId: guid,
  extensionName: z.string().catch(""),
  scope: memberName,
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
  displayName: z.string().catch(""),
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
