/**
 * The typed Automation API of one environment: `new AutomationApi(http, options)` or `connection.automation(env)`.
 */
import type { HttpClient } from "../http/client";
import { AutomationClient, type AutomationClientOptions } from "./client";
import { automationCompaniesApi, companiesApi } from "./companies";
import { configurationPackagesApi } from "./configuration-packages";
import { extensionDeploymentStatusApi, extensionsApi, extensionUploadApi } from "./extensions";
import {
  permissionSetsApi,
  securityGroupsApi,
  userGroupMembersApi,
  userGroupsApi,
  userPermissionsApi,
  usersApi,
} from "./users";

export class AutomationApi {
  readonly client: AutomationClient;
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

  constructor(http: HttpClient, options: AutomationClientOptions) {
    this.client = new AutomationClient(http, options);
    this.companies = companiesApi(this.client);
    this.automationCompanies = automationCompaniesApi(this.client);
    this.configurationPackages = configurationPackagesApi(this.client);
    this.extensions = extensionsApi(this.client);
    this.extensionUpload = extensionUploadApi(this.client);
    this.extensionDeploymentStatus = extensionDeploymentStatusApi(this.client);
    this.users = usersApi(this.client);
    this.userPermissions = userPermissionsApi(this.client);
    this.permissionSets = permissionSetsApi(this.client);
    this.securityGroups = securityGroupsApi(this.client);
    this.userGroups = userGroupsApi(this.client);
    this.userGroupMembers = userGroupMembersApi(this.client);
  }

  get environment(): string {
    return this.client.environment;
  }

  /** The company id used in URLs of environment-wide entities. */
  anyCompanyId(signal?: AbortSignal): Promise<string> {
    return this.client.anyCompanyId(signal);
  }
}

export { AutomationClient, type AutomationClientOptions, type CallOptions, type ListOptions } from "./client";
export { eqFilter, filterLiteral, isGuid, keySegment, queryString, stringLiteral, type QueryOptions } from "./odata";
export * from "./schemas";
export type { NewAutomationCompany, AutomationCompanyPatch } from "./companies";
export type { NewConfigurationPackage, ConfigurationPackagePatch, WaitOptions } from "./configuration-packages";
export { extensionVersion, type UploadSettings } from "./extensions";
export type { Grantee, NewPermission, NewUserGroupMember, UserPatch } from "./users";
