/**
 * The emulator's persistent state: plain JSON-serialisable data, one tree per tenant.
 * Everything Microsoft would hold server-side lives here; handlers read and mutate it, the store persists it.
 */

export type Guid = string;

export interface EmulatorState {
  version: 1;
  tenants: TenantState[];
  /** The AppSource catalog the Admin Center installs from (emulator/admin; absent ⇒ empty catalog). */
  appSourceCatalog?: AppSourceAppState[];
}

// ----- Business Central Admin Center API (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api), maintained by emulator/admin -----

/** An AppSource app the Admin Center can install: the emulator's stand-in for the marketplace. */
export interface AppSourceAppState {
  appId: Guid;
  name: string;
  publisher: string;
  versions: AppSourceVersionState[];
}

export interface AppSourceVersionState {
  version: string;
  /** Preview versions (Embed ISV program) install only with `allowPreviewVersion` and an explicit `targetVersion`. */
  preview: boolean;
  /** Lowest environment application version this app version runs on. */
  minApplicationVersion: string;
  dependencies: { appId: Guid; minVersion: string }[];
}

/** Admin Center operation statuses; the API writes them lower-case (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments). */
export type AdminOperationStatus = "queued" | "scheduled" | "running" | "succeeded" | "failed" | "canceled" | "skipped";

export interface TenantAdminCenterState {
  /** Environments the Admin Center lists but BC does not serve: being created or copied, soft deleted, being removed. */
  inactiveEnvironments: EnvironmentState[];
  /** Environment operations (create, copy, delete, softDelete, recover), newest last. */
  operations: EnvironmentOperationState[];
  /** Maximum number of environments of each type (`maximumNumberOfEnvironmentsAllowedReached`). */
  quotas: { production: number; sandbox: number };
}

export interface EnvironmentOperationState {
  id: Guid;
  type: "create" | "copy" | "pitRestore" | "delete" | "softDelete" | "recover";
  status: AdminOperationStatus;
  aadTenantId: Guid;
  createdOn: string;
  startedOn?: string;
  completedOn?: string;
  createdBy: string;
  errorMessage: string;
  parameters: Record<string, unknown>;
  environmentName: string;
  environmentType: "Production" | "Sandbox";
  productFamily: string;
  /** The environment's name now, when it was renamed after the operation started (soft delete renames). */
  targetName?: string;
  /** For create, copy and pitRestore: how long (emulated ms, scaled) the environment stays Preparing afterwards. */
  preparingLagMs?: number;
  /** Emulated times (ms since epoch) at which the operation starts running and completes. */
  startAt: number;
  finishAt: number;
}

export type EnvironmentAdminStatus =
  | "NotReady"
  | "Removing"
  | "Preparing"
  | "Active"
  | "Upgrading"
  | "CreatingFailed"
  | "RemovingFailed"
  | "SoftDeleting"
  | "SoftDeletingFailed"
  | "SoftDeleted"
  | "Recovering"
  | "RecoveringFailed"
  /** While BC restarts it to apply an Application Insights key (BCCH polls this status; not in the docs' enum). */
  | "Restarting";

/** What the Admin Center knows about an environment beyond BC's own data. Absent on seeded environments (⇒ Active). */
export interface EnvironmentAdminState {
  status: EnvironmentAdminStatus;
  ringName: string;
  createdOn: string;
  appInsightsKey: string;
  softDeletedOn?: string;
  hardDeletePendingOn?: string;
  /** When (ms since epoch, emulated) a soft-deleted environment is purged for good. */
  purgeAt?: number;
  deleteReason?: string;
  /** When (ms since epoch, emulated) a Preparing or Restarting environment becomes Active and served again. */
  activeAt?: number;
  /** Settings of `…/settings/*`; absent ⇒ BC's defaults. */
  settings?: EnvironmentSettingsState;
  /** App install/update/uninstall operations of the Admin Center (`…/apps/{appId}/operations`). */
  appOperations: AppOperationState[];
  /** Last update and uninstall attempts per app id (shown by `GET …/apps`). */
  appHistory: Record<Guid, AppHistoryState>;
}

/** Environment settings (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environment_settings). */
export interface EnvironmentSettingsState {
  /** Update window in local wall-clock time `HH:mm` of `timeZoneId` (a Windows time zone id). */
  updateWindow?: { startTime: string; endTime: string; timeZoneId: string };
  /** Entra security group restricting access, with the display name BC shows. */
  securityGroup?: { id: string; displayName: string };
  accessWithM365Licenses?: boolean;
}

export interface AppHistoryState {
  lastOperationId?: Guid;
  lastUpdateAttemptResult?: string;
  lastUninstallOperationId?: Guid;
  lastUninstallAttemptResult?: string;
}

export interface AppOperationState {
  id: Guid;
  appId: Guid;
  type: "install" | "update" | "uninstall";
  status: AdminOperationStatus;
  sourceAppVersion: string;
  targetAppVersion: string;
  createdOn: string;
  startedOn?: string;
  completedOn?: string;
  errorMessage: string;
  createdBy: string;
  canceledBy: string;
  creatorPrincipalType: "App" | "User";
  /** PTE installs (`pteInstall`, API 2.29): when the uploaded package deploys. */
  scheduleKind?: "Immediate" | "UpdateWindow" | "NextMinorUpdate" | "NextMajorUpdate";
  parameters: Record<string, unknown>;
  /** Emulated times (ms since epoch) at which the operation starts running and completes (absent: waits indefinitely). */
  startAt?: number;
  finishAt?: number;
  /** What the operation publishes, installs or removes when it succeeds. */
  package: {
    name: string;
    publisher: string;
    /** Dependencies with their minimum versions (`version`). */
    dependencies: { id: Guid; name: string; publisher: string; version: string }[];
    publishedAs: "Global" | "PTE";
    /** Package id: read from an uploaded `.app` (PTEs), fixed per app version for AppSource apps. */
    packageId: Guid;
    contentBase64?: string;
    schemaSyncMode?: "Add" | "ForceSync";
    deleteData?: boolean;
  };
  /** The NAV App Tenant Operation (deploymentOperations row) that carries out an install/update. */
  deploymentOperationId?: Guid;
}

/** An Entra ID tenant with its app registrations and its Business Central environments. */
export interface TenantState {
  id: Guid;
  /** Verified domains that may stand in for the tenant id in URLs (e.g. `cronus.onmicrosoft.com`). */
  domains: string[];
  apps: EntraApp[];
  /** Federated identity issuers trusted by this tenant's apps (e.g. a CI system's OIDC issuer). */
  environments: EnvironmentState[];
  /** Client ids on the Admin Center's "Authorized Microsoft Entra apps" list (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_authorizedaadapps). */
  authorizedAdminApps: Guid[];
  /** Admin Center bookkeeping (emulator/admin); created on first use. */
  adminCenter?: TenantAdminCenterState;
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
  /** Admin Center fields (status, ring, soft delete, app operations); absent on seeded environments (⇒ Active). */
  admin?: EnvironmentAdminState;
  /** Job Queue entries as `scheduledJobs` shows them (created by `getNewUsersFromOffice365Async`); absent ⇒ none. */
  scheduledJobs?: ScheduledJobState[];
  /** Feature Management keys (`features`, BC 27+); absent ⇒ the built-in defaults, created on first use. */
  featureKeys?: FeatureKeyState[];
}

/** A Job Queue Entry seen through the "Job Queue Entry Buffer" of page 30068 (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis). Per company. */
export interface ScheduledJobState extends Versioned {
  /** SystemId of the buffer row: the `id` the API shows. */
  id: Guid;
  companyName: string;
  category: string;
  description: string;
  startDateTime: string;
  /** Job Queue Entry status; `Finished` once the entry is gone (the API's rule). */
  status: "Ready" | "In Process" | "Error" | "On Hold" | "Finished";
  errorMessage: string;
  /** When (ms since epoch) a Ready job starts and a running job ends; set by whoever enqueues the job. */
  runAt?: number;
  finishAt?: number;
  /** How the run ends: the entry is removed (`Finished`) or stays with status Error and `failureMessage`. */
  outcome?: "Finished" | "Error";
  failureMessage?: string;
}

/** A Feature Management key (page 30092, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis). */
export interface FeatureKeyState extends Versioned {
  id: string;
  enabled: "None" | "All Users";
  description: string;
  learnMoreLink: string;
  mandatoryBy: string;
  canTry: boolean;
  isOneWay: boolean;
  dataUpdateRequired: boolean;
  mandatoryByVersion: string;
  descriptionInEnglish: string;
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
  importedTables: ImportedTableState[];
  /** Timestamps (ms since epoch) at which pending async work advances; absent when idle. */
  importTimeline?: { startAt: number; finishAt: number };
  applyTimeline?: { startAt: number; finishAt: number };
  /** Revision of the package's `Tenant Config. Package File` row (its own ETag; bumped by content uploads). */
  fileRev?: number;
}

/**
 * One Config. Package Table of an imported package, with the counts its FlowFields show
 * (see emulator/rapidstart/import.ts for how imports and applies change them).
 */
export interface ImportedTableState {
  tableId: number;
  tableName: string;
  /** Config. Package Record rows currently held for the table (applied records are removed by apply). */
  records: number;
  /** Config. Package Error rows currently held for the table. */
  errors: number;
  /** `ParentTableID` from the package (0 = independent table). */
  parentTableId?: number;
  /** How many of `records` fail when applied (they stay in the package with one error each). */
  failingRecords?: number;
  /** The error each of the first few failing records gets when applied. */
  failureMessages?: string[];
  /** The first few error texts, for people inspecting the emulator's state (the API does not expose them). */
  errorMessages?: string[];
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
  /** Set by `uninstallAndDeleteExtensionData`: the app's table data was deleted (cleared on the next install). */
  dataDeleted?: boolean;
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
  /** What the operation will publish/install when it completes (see emulator/automation/entities/deployments.ts). */
  request?: PendingDeployment;
}

/** The package and options of a deployment that has not completed yet. */
export interface PendingDeployment {
  appId: Guid;
  /** Dependencies declared by the manifest (MinVersion as `version`). */
  dependencies: { id: Guid; name: string; publisher: string; version: string }[];
  publishedAs: "Global" | "PTE" | "Dev";
  schemaSyncMode: "Add" | "ForceSync";
  /** `Immediate`, `StageForNextMinorUpdate` or `StageForNextUpdate`. */
  schedule: string;
  /** Environment application version when a staged deployment was requested. */
  stagedFromVersion?: string;
  /** Base64 of the `.app` (absent for catalog installs). */
  contentBase64?: string;
}
