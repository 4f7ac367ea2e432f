/**
 * The typed Automation API of one environment: `new AutomationApi(http, options)` or `connection.automation(env)`.
 *
 * Layers, each knowing only those below: the request layer (client.ts) › the reads shared by every resource of the
 * run (snapshots.ts, told of each write through the client's `onWrite`) › the scope company read from them
 * (scope-company.ts) › the typed entity operations (companies.ts, users.ts, …), which receive all three.
 */
import type { HttpClient } from "../http/client";
import { AutomationClient, type AutomationClientOptions } from "./client";
import { automationCompaniesApi, companiesApi } from "./companies";
import { configurationPackagesApi } from "./configuration-packages";
import type { AutomationContext } from "./context";
import { extensionDeploymentStatusApi, extensionsApi, extensionUploadApi } from "./extensions";
import { ScopeCompany } from "./scope-company";
import { type SnapshotOptions, Snapshots } from "./snapshots";
import {
  permissionSetsApi,
  securityGroupsApi,
  userGroupMembersApi,
  userGroupsApi,
  userPermissionsApi,
  usersApi,
} from "./users";

export interface AutomationApiOptions extends Omit<AutomationClientOptions, "onWrite"> {
  /** Lifetime of the shared collection reads (see snapshots.ts). */
  snapshots?: SnapshotOptions;
  /** The company (name or id) used in URLs of environment-wide entities; default the first one. */
  scopeCompany?: string;
}

export class AutomationApi implements AutomationContext {
  readonly client: AutomationClient;
  /** Collections read once and shared by every resource of the run (see snapshots.ts). */
  readonly snapshots: Snapshots;
  /** The company environment-wide entities are addressed through. */
  readonly scopeCompany: ScopeCompany;
  readonly companies;
  readonly automationCompanies;
  readonly configurationPackages;
  readonly extensions;
  readonly extensionUpload;
  readonly extensionDeploymentStatus;
  readonly users;
  readonly userPermissions;
  readonly permissionSets;
  readonly securityGroups;
  readonly userGroups;
  readonly userGroupMembers;

  constructor(http: HttpClient, options: AutomationApiOptions) {
    const { snapshots, scopeCompany, ...clientOptions } = options;
    this.client = new AutomationClient(http, {
      ...clientOptions,
      onWrite: (method, url, outcome) => this.snapshots.afterWrite(method, url, outcome),
    });
    this.snapshots = new Snapshots(this.client, () => this.scopeCompany.id(), snapshots);
    this.scopeCompany = new ScopeCompany(this.snapshots, options.environment, scopeCompany);
    this.companies = companiesApi(this);
    this.automationCompanies = automationCompaniesApi(this);
    this.configurationPackages = configurationPackagesApi(this.client);
    this.extensions = extensionsApi(this);
    this.extensionUpload = extensionUploadApi(this);
    this.extensionDeploymentStatus = extensionDeploymentStatusApi(this);
    this.users = usersApi(this);
    this.userPermissions = userPermissionsApi(this);
    this.permissionSets = permissionSetsApi(this);
    this.securityGroups = securityGroupsApi(this);
    this.userGroups = userGroupsApi(this);
    this.userGroupMembers = userGroupMembersApi(this);
  }

  get environment(): string {
    return this.client.environment;
  }

  /** The company id used in URLs of environment-wide entities. */
  anyCompanyId(_signal?: AbortSignal): Promise<string> {
    return this.scopeCompany.id();
  }
}

export { AutomationClient, type AutomationClientOptions, type CallOptions, type ListOptions } from "./client";
export type { AutomationContext } from "./context";
export { ScopeCompany } from "./scope-company";
export { eqFilter, filterLiteral, isGuid, keySegment, queryString, stringLiteral, type QueryOptions } from "./odata";
export * from "./schemas";
export type { NewAutomationCompany, AutomationCompanyPatch } from "./companies";
export type { NewConfigurationPackage, ConfigurationPackagePatch, WaitOptions } from "./configuration-packages";
export { BASE_APPLICATION_ID, extensionVersion, type UploadSettings } from "./extensions";
export type { Grantee, NewPermission, NewUserGroupMember, UserPatch } from "./users";
