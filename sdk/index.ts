export { Company, type CompanyArgs } from "./company";
export { ConfigurationPackage, type ConfigurationPackageArgs } from "./configuration-package";
export { Environment, type EnvironmentArgs, type EnvironmentCopySource } from "./environment";
export { Extension, type ExtensionArgs, type AppSourceSource } from "./extension";
export { UserGroupMember, type UserGroupMemberArgs } from "./user-group-member";
export { PermissionSetAssignment, type PermissionSetAssignmentArgs } from "./permission-set-assignment";
export type { ConnectionArgs, Timeouts, AdoptArgs } from "./common";
export { Tenant, type TenantArgs, type ConnectionInput } from "./connection";
export {
  getUser,
  getUserOutput,
  getCompany,
  getCompanyOutput,
  getPermissionSet,
  getPermissionSetOutput,
  type LookupConnectionArgs,
  type GetUserArgs,
  type GetUserResult,
  type GetCompanyArgs,
  type GetCompanyResult,
  type GetPermissionSetArgs,
  type GetPermissionSetResult,
} from "./lookups";
// Last, after the resources (whose shim checks the Node.js version): a plain-text credential stops the program.
import "./plaintext-credentials";
