/**
 * Each kind's output-only properties (what state holds besides the inputs): the definitions declare them, and the
 * SDK's classes give each a slot. Type imports only: the SDK loads this in the program's process.
 */
import type { ResourceKind } from "./framework/handler";

export const OUTPUT_NAMES = {
  Company: ["companyId", "evaluationCompany"],
  ConfigurationPackage: [
    "packageId",
    "numberOfTables",
    "numberOfRecords",
    "numberOfErrors",
    "importStatus",
    "applyStatus",
    "importError",
    "applyError",
  ],
  Environment: ["environmentId", "aadTenantId", "status", "version", "webClientUrl", "webServiceUrl"],
  Extension: ["appId", "name", "publisher", "version", "packageId"],
  PermissionSetAssignment: ["assignmentId", "principalSecurityId", "roleName", "resolvedScope", "resolvedAppId"],
  UserGroupMember: ["memberId", "groupName"],
} as const satisfies Record<ResourceKind, readonly string[]>;
