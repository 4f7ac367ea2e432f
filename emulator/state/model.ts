/**
 * The emulator's persistent state: plain JSON-serialisable data, one tree per tenant.
 * Everything Microsoft would hold server-side lives here; handlers read and mutate it, the store persists it.
 */

export type Guid = string;

export interface EmulatorState {
  version: 1;
  tenants: TenantState[];
}

/** An Entra ID tenant with its app registrations and its Business Central environments. */
export interface TenantState {
  id: Guid;
  /** Verified domains that may stand in for the tenant id in URLs (e.g. `cronus.onmicrosoft.com`). */
  domains: string[];
  apps: EntraApp[];
  /** Federated identity issuers trusted by this tenant's apps (e.g. a CI system's OIDC issuer). */
  environments: EnvironmentState[];
}

/** An Entra ID app registration plus its service principal's granted (admin-consented) app roles. */
export interface EntraApp {
  clientId: Guid;
  displayName: string;
  /** Client secrets (plain text: this is the emulator's own store, never the provider's). */
  secrets: string[];
  /** Certificates (PEM) registered as credentials. Thumbprints are computed from the DER when needed. */
  certificates: string[];
  /** Federated identity credentials: a token from `issuer` with this `subject` and `audience` is accepted. */
  federatedCredentials: { issuer: string; subject: string; audience: string }[];
  /** App roles on "Dynamics 365 Business Central" granted with admin consent, e.g. `Automation.ReadWrite.All`. */
  grantedRoles: string[];
}

export type BcVersionProfile = "24" | "25" | "29" | "29-no-upload";

export interface EnvironmentState {
  name: string;
  type: "Production" | "Sandbox";
  countryCode: string;
  /** Full BC application version, e.g. `29.1.41238.0`. The major selects the feature profile. */
  applicationVersion: string;
  /** Optional profile override (e.g. `29-no-upload`); default derives from `applicationVersion`. */
  profile?: BcVersionProfile;
  /** The environment's "Microsoft Entra applications" page: which apps may call BC and as whom. */
  entraApplications: BcEntraApplication[];
  companies: CompanyState[];
  users: UserState[];
  permissionSets: PermissionSetState[];
  /** Access Control rows: permission set assignments of users, apps and security groups (environment-wide). */
  accessControls: AccessControlState[];
  securityGroups: SecurityGroupState[];
  profiles: ProfileState[];
  userGroups: UserGroupState[];
  userGroupMembers: UserGroupMemberState[];
  userGroupPermissions: UserGroupPermissionState[];
  /** Published Application rows (what `extensions` lists, subject to the SaaS listing rule). */
  publishedApps: PublishedAppState[];
  /** NAV App Tenant Operation rows (what `extensionDeploymentStatus` lists). */
  deploymentOperations: DeploymentOperationState[];
}

/** Common row bookkeeping: `rev` increments on every write and feeds the ETag. */
export interface Versioned {
  rev: number;
}

export interface BcEntraApplication {
  clientId: Guid;
  description: string;
  state: "Enabled" | "Disabled";
  /** The application user BC created for the app; permission sets are Access Control rows on this id. */
  userSecurityId: Guid;
}

export interface CompanyState extends Versioned {
  id: Guid;
  name: string;
  displayName: string;
  businessProfileId: string;
  evaluationCompany: boolean;
  systemVersion: string;
  systemCreatedAt: string;
  systemCreatedBy: Guid;
  systemModifiedAt: string;
  systemModifiedBy: Guid;
  configurationPackages: ConfigurationPackageState[];
  /** The single `API Extension Upload` row (table PK is always 0), or null. */
  extensionUpload: ExtensionUploadState | null;
}

export type RapidStartStatus = "No" | "Scheduled" | "InProgress" | "Completed" | "Error";

export interface ConfigurationPackageState extends Versioned {
  id: Guid;
  code: string;
  packageName: string;
  languageId: number;
  productVersion: string;
  processingOrder: number;
  excludeConfigurationTables: boolean;
  numberOfTables: number;
  numberOfRecords: number;
  numberOfErrors: number;
  importStatus: RapidStartStatus;
  importError: string;
  applyStatus: RapidStartStatus;
  applyError: string;
  /** Base64 of the uploaded `.rapidstart` bytes ("" = the empty file row created on insert). */
  fileContentBase64: string;
  /** Tables parsed by the last successful import (table id, name, record count, rows with errors). */
  importedTables: { tableId: number; tableName: string; records: number; errors: number }[];
  /** Timestamps (ms since epoch) at which pending async work advances; absent when idle. */
  importTimeline?: { startAt: number; finishAt: number };
  applyTimeline?: { startAt: number; finishAt: number };
}

export interface ExtensionUploadState extends Versioned {
  systemId: Guid;
  schedule: "Current version" | "Next minor version" | "Next major version";
  schemaSyncMode: "Add" | "Force Sync";
  contentBase64: string;
}

export interface UserState extends Versioned {
  userSecurityId: Guid;
  userName: string;
  displayName: string;
  state: "Enabled" | "Disabled";
  expiryDate: string;
  contactEmail: string;
  /** License type; `External User` rows are hidden in SaaS, application users are `Application`. */
  licenseType: string;
  authenticationEmail: string;
}

export interface PermissionSetState {
  id: string;
  displayName: string;
  appId: Guid;
  extensionName: string;
  scope: "System" | "Tenant";
}

export interface AccessControlState extends Versioned {
  id: Guid;
  userSecurityId: Guid;
  roleId: string;
  company: string;
  scope: "System" | "Tenant";
  appId: Guid;
}

export interface SecurityGroupState extends Versioned {
  /** Entra group object id (text). */
  id: string;
  code: string;
  groupName: string;
  /** BC user row representing the group; its Access Control rows are the group's permission sets. */
  groupUserSecurityId: Guid;
  memberUserSecurityIds: Guid[];
}

export interface ProfileState {
  profileId: string;
  applicationId: Guid;
  scope: "System" | "Tenant";
  source: string;
  displayName: string;
  enabled: boolean;
}

export interface UserGroupState extends Versioned {
  id: Guid;
  code: string;
  displayName: string;
  defaultProfileID: string;
  assignToAllNewUsers: boolean;
}

export interface UserGroupMemberState extends Versioned {
  id: Guid;
  userSecurityId: Guid;
  code: string;
  companyName: string;
}

export interface UserGroupPermissionState extends Versioned {
  id: Guid;
  userGroupCode: string;
  roleId: string;
  appId: Guid;
  scope: "System" | "Tenant";
}

export interface PublishedAppState {
  packageId: Guid;
  /** App id from the manifest. */
  id: Guid;
  displayName: string;
  publisher: string;
  version: string;
  publishedAs: "Global" | "PTE" | "Dev";
  isInstalled: boolean;
  /** Whether the tenant can see the package (Tenant Visible). */
  tenantVisible: boolean;
  /** Per-tenant extension (uploaded), as opposed to a global AppSource/Microsoft app. */
  perTenant: boolean;
  /** App ids this app depends on (from the manifest or the AppSource catalog). */
  dependencies: Guid[];
  /** Base64 of the `.app` for uploaded packages. */
  contentBase64?: string;
}

export type DeploymentStatus = "Unknown" | "InProgress" | "Failed" | "Completed" | "NotFound";

export interface DeploymentOperationState {
  operationID: Guid;
  name: string;
  publisher: string;
  operationType: "Upload" | "Install";
  status: DeploymentStatus;
  schedule: string;
  appVersion: string;
  startedOn: string;
  /** Package the operation deploys (null while unknown). */
  packageId: Guid | null;
  /** When (ms since epoch) an InProgress row may complete on the next read. */
  completeAfter?: number;
  /** Outcome decided at start (e.g. duplicate version ⇒ Failed) and its detail text. */
  outcome?: "Completed" | "Failed";
  detail?: string;
}
