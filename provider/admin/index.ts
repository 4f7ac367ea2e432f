/**
 * Business Central Admin Center API (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api): environments, and app management per environment —
 * AppSource/Microsoft apps (install, update, uninstall, operations) and per-tenant extensions through `pteInstall`
 * (multipart upload; API 2.29, the replacement of the automation `extensionUpload`).
 *
 * Same token scope as the Automation API, but the app needs the `AdminCenter.ReadWrite.All` role and must be
 * listed under "Authorized Microsoft Entra apps" in the admin center. Error bodies are not wrapped in `error`
 * (handled by errors.ts). Install/update/uninstall/pteInstall are starts: never repeated after an ambiguous failure.
 */
import { FormData } from "undici";
import { parseEntity } from "../automation/schemas";
import { isNotFound, ResponseShapeError } from "../errors";
import type { HttpClient } from "../http/client";
import { pollUntilDone } from "../polling";
import {
  type AdminEnvironment,
  type AppOperation,
  adminEntities,
  appOperationState,
  type EnvironmentOperation,
  type EnvironmentQuotas,
  type InstalledApp,
  type SecurityGroupSetting,
  type UpdateWindowSettings,
} from "./schemas";

export interface AdminCenterOptions {
  apiBaseUrl: string;
  /** Configured version, e.g. `v2.28`; operations that need newer ones raise it for themselves. */
  apiVersion: string;
  /** Application family (default `BusinessCentral`). */
  applicationFamily?: string;
}

/** `PUT …/environments/{name}` (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api_environments). */
export interface CreateEnvironmentBody {
  environmentType: "Production" | "Sandbox";
  countryCode: string;
  ringName?: string;
  applicationVersion?: string;
}

export interface InstallAppBody {
  targetVersion?: string;
  useEnvironmentUpdateWindow?: boolean;
  allowPreviewVersion?: boolean;
  installOrUpdateNeededDependencies?: boolean;
  /** Must be true; the caller states that the ISV's licence terms are accepted. */
  acceptIsvEula: boolean;
  languageId?: string;
}

export interface UpdateAppBody {
  targetVersion: string;
  useEnvironmentUpdateWindow?: boolean;
  allowPreviewVersion?: boolean;
  installOrUpdateNeededDependencies?: boolean;
}

export interface UninstallAppBody {
  useEnvironmentUpdateWindow?: boolean;
  uninstallDependents?: boolean;
  deleteData?: boolean;
}

export type PteDeploymentSchedule = "Immediate" | "UpdateWindow" | "NextMinorUpdate" | "NextMajorUpdate";

export interface PteInstallFields {
  /** `Immediate` (default) or `UpdateWindow` for new PTEs; the Next* values stage an update. */
  deploymentSchedule?: PteDeploymentSchedule;
  syncMode?: "Add" | "ForceSync";
  languageId?: string;
  acceptIsvEula: boolean;
  installOrUpdateNeededDependencies?: boolean;
  /** File name sent with the upload (default `extension.app`). */
  fileName?: string;
}

interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export class AdminCenterApi {
  private readonly base: string;
  private readonly family: string;

  constructor(
    private readonly http: HttpClient,
    private readonly options: AdminCenterOptions,
  ) {
    this.base = `${options.apiBaseUrl.replace(/\/+$/, "")}/admin`;
    this.family = options.applicationFamily ?? "BusinessCentral";
  }

  /** The version to use for an operation introduced in `minimum`. */
  version(minimum = "v2.0"): string {
    return minorOf(this.options.apiVersion) >= minorOf(minimum) ? this.options.apiVersion : minimum;
  }

  private envUrl(environment: string, minimum?: string): string {
    return `${this.base}/${this.version(minimum)}/applications/${encodeURIComponent(this.family)}/environments/${encodeURIComponent(environment)}`;
  }

  // --- Environments -----------------------------------------------------------------------------------------------

  async listEnvironments(options: CallOptions = {}): Promise<AdminEnvironment[]> {
    const url = `${this.base}/${this.version()}/applications/${encodeURIComponent(this.family)}/environments`;
    return this.list(adminEntities.environment, url, options);
  }

  /** Both real clients read a bare object; the current docs show `{"value":[…]}`: both are accepted. */
  async getEnvironment(name: string, options: CallOptions = {}): Promise<AdminEnvironment> {
    return parseEntity(adminEntities.environment, single(await this.getJson(this.envUrl(name), options)));
  }

  /**
   * `PUT …/environments/{name}`: starts creating an environment (API 2.9+ answers 202 with the operation). A start,
   * so it is never repeated after an ambiguous failure (a PUT would otherwise count as idempotent).
   */
  async createEnvironment(name: string, body: CreateEnvironmentBody, options: CallOptions = {}) {
    const url = this.envUrl(name, "v2.9");
    return this.startEnvironmentOperation("PUT", url, body, options);
  }

  /** `POST …/environments/{source}/copy` (API 2.9+): starts copying `source` into a new environment. */
  async copyEnvironment(
    source: string,
    body: { environmentName: string; type: "Production" | "Sandbox" },
    options: CallOptions = {},
  ) {
    return this.startEnvironmentOperation("POST", `${this.envUrl(source, "v2.9")}/copy`, body, options);
  }

  /** `DELETE …/environments/{name}`: from API 2.18 a soft delete (recoverable for a while). */
  async deleteEnvironment(name: string, options: CallOptions = {}) {
    return this.startEnvironmentOperation("DELETE", this.envUrl(name, "v2.18"), undefined, options);
  }

  /**
   * `POST …/environments/{source}/restore` (API 2.4+): starts a point-in-time restore of `source` into a new
   * environment (operation type `pitRestore`). The docs write the body in PascalCase; BC matches names in any case.
   */
  async restoreEnvironment(
    source: string,
    body: { EnvironmentName: string; EnvironmentType: "Production" | "Sandbox"; PointInTime: string },
    options: CallOptions = {},
  ) {
    return this.startEnvironmentOperation("POST", `${this.envUrl(source, "v2.4")}/restore`, body, options);
  }

  /**
   * `GET /admin/v2.28/environments/operations/{id}`: a bare operation or a one-element `value`. The route has no
   * documented response example and older tenants may not serve it, so a 404 falls back to the list (API 2.7) that
   * BcContainerHelper polls.
   */
  async getEnvironmentOperation(id: string, options: CallOptions = {}): Promise<EnvironmentOperation> {
    const url = `${this.base}/${this.version("v2.28")}/environments/operations/${encodeURIComponent(id)}`;
    try {
      return parseEntity(adminEntities.environmentOperation, single(await this.getJson(url, options)));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const all = await this.list(
        adminEntities.environmentOperation,
        `${this.base}/${this.version("v2.7")}/environments/operations`,
        options,
      ).catch(() => [] as EnvironmentOperation[]);
      const found = all.find((op) => op.id.toLowerCase() === id.toLowerCase());
      if (!found) throw err;
      return found;
    }
  }

  /** Operations of every environment of the tenant (API 2.7+), oldest first. */
  async listAllEnvironmentOperations(options: CallOptions = {}): Promise<EnvironmentOperation[]> {
    const url = `${this.base}/${this.version("v2.7")}/environments/operations`;
    return this.list(adminEntities.environmentOperation, url, options);
  }

  // --- Environment settings (admin-center-settings; API 2.13 for the time-zone form of the update window) --------

  /** `GET …/settings/upgrade`: the update window (wall-clock + time zone from 2.13). */
  async getUpdateWindow(name: string, options: CallOptions = {}): Promise<UpdateWindowSettings> {
    const url = `${this.envUrl(name, "v2.13")}/settings/upgrade`;
    return parseEntity(adminEntities.updateWindow, await this.getJson(url, options));
  }

  /** `PUT …/settings/upgrade` with the wall-clock set (BC requires at least six hours; it may wrap midnight). */
  async setUpdateWindow(
    name: string,
    window: { preferredStartTime: string; preferredEndTime: string; timeZoneId: string },
    options: CallOptions = {},
  ): Promise<void> {
    await this.send("PUT", `${this.envUrl(name, "v2.13")}/settings/upgrade`, window, options);
  }

  /** `POST …/settings/appinsightskey`; `""` clears it. BC restarts the environment to apply it (202, no body). */
  async setAppInsightsKey(name: string, key: string, options: CallOptions = {}): Promise<void> {
    await this.send("POST", `${this.envUrl(name)}/settings/appinsightskey`, { key }, options);
  }

  /** `GET …/settings/securitygroupaccess` (2.8+): the group, or undefined when none is set (204). */
  async getSecurityGroup(name: string, options: CallOptions = {}): Promise<SecurityGroupSetting | undefined> {
    const body = await this.getJson(`${this.envUrl(name, "v2.8")}/settings/securitygroupaccess`, options);
    const parsed = parseEntity(adminEntities.securityGroup, body);
    return parsed.id ? parsed : undefined;
  }

  /** `POST …/settings/securitygroupaccess` with `{"Value": <group object id>}` (capital V, as documented). */
  async setSecurityGroup(name: string, groupId: string, options: CallOptions = {}): Promise<void> {
    await this.send("POST", `${this.envUrl(name, "v2.8")}/settings/securitygroupaccess`, { Value: groupId }, options);
  }

  async clearSecurityGroup(name: string, options: CallOptions = {}): Promise<void> {
    await this.send("DELETE", `${this.envUrl(name, "v2.8")}/settings/securitygroupaccess`, undefined, options);
  }

  /** `GET …/settings/accesswithm365licenses` (2.12+). */
  async getM365Access(name: string, options: CallOptions = {}): Promise<boolean | undefined> {
    const body = await this.getJson(`${this.envUrl(name, "v2.12")}/settings/accesswithm365licenses`, options);
    const enabled = (body as { enabled?: unknown }).enabled;
    return typeof enabled === "boolean"
      ? enabled
      : typeof enabled === "string"
        ? enabled.toLowerCase() === "true"
        : undefined;
  }

  async setM365Access(name: string, enabled: boolean, options: CallOptions = {}): Promise<void> {
    await this.send("POST", `${this.envUrl(name, "v2.12")}/settings/accesswithm365licenses`, { enabled }, options);
  }

  /** Operations of one environment (API 2.6+), oldest first; app operations are included by BC. */
  async listEnvironmentOperations(name: string, options: CallOptions = {}): Promise<EnvironmentOperation[]> {
    return this.list(adminEntities.environmentOperation, `${this.envUrl(name, "v2.6")}/operations`, options);
  }

  /** `GET /admin/v2.x/environments/quotas`. */
  async quotas(options: CallOptions = {}): Promise<EnvironmentQuotas> {
    const url = `${this.base}/${this.version()}/environments/quotas`;
    return parseEntity(adminEntities.quotas, await this.getJson(url, options));
  }

  /** Polls an environment operation until it settles (BCCH polls every 2 s). */
  waitForEnvironmentOperation(
    operation: EnvironmentOperation,
    options: { timeoutMs: number; onProgress?: (line: string) => void; initialIntervalMs?: number },
  ): Promise<EnvironmentOperation> {
    return pollUntilDone<EnvironmentOperation>({
      what: `${operation.type} of environment '${operation.environmentName ?? "?"}' (operation ${operation.id})`,
      poll: (signal) => this.getEnvironmentOperation(operation.id, { signal }),
      classify: (op) => appOperationState(op.status),
      describe: (op) => op.status,
      failureDetail: (op) => op.errorMessage ?? undefined,
      timeoutMs: options.timeoutMs,
      initialIntervalMs: options.initialIntervalMs ?? 2_000,
      maxIntervalMs: 30_000,
      onProgress: options.onProgress,
    });
  }

  // --- Apps -------------------------------------------------------------------------------------------------------

  /** Installed apps of the environment. */
  async listApps(environment: string, options: CallOptions = {}): Promise<InstalledApp[]> {
    return this.list(adminEntities.installedApp, `${this.envUrl(environment)}/apps`, options);
  }

  /** `POST …/apps/{appId}/install` (API 2.6+): returns the app operation to poll. */
  async installApp(
    environment: string,
    appId: string,
    body: InstallAppBody,
    options: CallOptions = {},
  ): Promise<AppOperation> {
    return this.post(`${this.envUrl(environment, "v2.6")}/apps/${encodeURIComponent(appId)}/install`, body, options);
  }

  async updateApp(
    environment: string,
    appId: string,
    body: UpdateAppBody,
    options: CallOptions = {},
  ): Promise<AppOperation> {
    return this.post(`${this.envUrl(environment)}/apps/${encodeURIComponent(appId)}/update`, body, options);
  }

  /** `POST …/apps/{appId}/uninstall` (API 2.6+). */
  async uninstallApp(
    environment: string,
    appId: string,
    body: UninstallAppBody = {},
    options: CallOptions = {},
  ): Promise<AppOperation> {
    return this.post(`${this.envUrl(environment, "v2.6")}/apps/${encodeURIComponent(appId)}/uninstall`, body, options);
  }

  async listAppOperations(environment: string, appId: string, options: CallOptions = {}): Promise<AppOperation[]> {
    return this.list(
      adminEntities.appOperation,
      `${this.envUrl(environment)}/apps/${encodeURIComponent(appId)}/operations`,
      options,
    );
  }

  async getAppOperation(
    environment: string,
    appId: string,
    operationId: string,
    options: CallOptions = {},
  ): Promise<AppOperation> {
    const url = `${this.envUrl(environment)}/apps/${encodeURIComponent(appId)}/operations/${encodeURIComponent(operationId)}`;
    const body = await this.getJson(url, options);
    // Some versions answer the single operation as a one-element collection.
    const value = (body as { value?: unknown[] }).value;
    return parseEntity(adminEntities.appOperation, Array.isArray(value) ? value[0] : body);
  }

  /**
   * `POST …/apps/pteInstall` (API 2.29): uploads a per-tenant extension as multipart/form-data (field
   * `extensionFile`, ≤ 50 MB) and returns the operation (status running or scheduled). Pass a file-backed Blob
   * (`fs.openAsBlob`): the form streams it from disk instead of holding the file in memory.
   */
  async pteInstall(
    environment: string,
    appFile: Blob,
    fields: PteInstallFields,
    options: CallOptions = {},
  ): Promise<AppOperation> {
    if (appFile.size > 50 * 1024 * 1024) {
      throw new RangeError(`the .app file is ${appFile.size} bytes; pteInstall accepts at most 50 MB`);
    }
    const form = new FormData();
    form.append("extensionFile", appFile, fields.fileName ?? "extension.app");
    form.append("deploymentSchedule", fields.deploymentSchedule ?? "Immediate");
    form.append("syncMode", fields.syncMode ?? "Add");
    form.append("acceptIsvEula", String(fields.acceptIsvEula));
    if (fields.languageId !== undefined) form.append("languageId", fields.languageId);
    if (fields.installOrUpdateNeededDependencies !== undefined) {
      form.append("installOrUpdateNeededDependencies", String(fields.installOrUpdateNeededDependencies));
    }
    const res = await this.http.request({
      method: "POST",
      url: `${this.envUrl(environment, "v2.29")}/apps/pteInstall`,
      headers: { accept: "application/json" },
      body: form,
      service: "admin",
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? 15 * 60_000,
    });
    return parseEntity(adminEntities.appOperation, parseJson(res.body));
  }

  /** `GET …/apps/scheduledPteOperations` (API 2.29). */
  async scheduledPteOperations(environment: string, options: CallOptions = {}): Promise<AppOperation[]> {
    return this.list(
      adminEntities.appOperation,
      `${this.envUrl(environment, "v2.29")}/apps/scheduledPteOperations`,
      options,
    );
  }

  /**
   * Polls an app operation until it settles (BCCH polls every 3 s). `reconcile` may turn a failure or timeout into
   * success by checking the installed version (https://github.com/microsoft/AL-Go/issues/1056).
   */
  waitForAppOperation(
    environment: string,
    appId: string,
    operationId: string,
    options: {
      timeoutMs?: number;
      signal?: AbortSignal;
      onProgress?: (line: string) => void;
      initialIntervalMs?: number;
      reconcile?: (last: AppOperation | undefined) => Promise<AppOperation | undefined>;
    } = {},
  ): Promise<AppOperation> {
    return pollUntilDone<AppOperation>({
      what: `app ${appId} operation ${operationId}`,
      poll: (signal) => this.getAppOperation(environment, appId, operationId, { signal }),
      classify: (op) => appOperationState(op.status),
      describe: (op) => op.status,
      failureDetail: (op) => op.errorMessage ?? undefined,
      timeoutMs: options.timeoutMs ?? 60 * 60_000,
      initialIntervalMs: options.initialIntervalMs ?? 3_000,
      maxIntervalMs: 30_000,
      signal: options.signal,
      onProgress: options.onProgress,
      reconcile: options.reconcile ? (ctx) => options.reconcile!(ctx.last) : undefined,
    });
  }

  // --- plumbing ---------------------------------------------------------------------------------------------------

  private async getJson(url: string, options: CallOptions): Promise<unknown> {
    const res = await this.http.request({
      method: "GET",
      url,
      headers: { accept: "application/json" },
      service: "admin",
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    return parseJson(res.body);
  }

  private async list<T>(
    def: { entity: string; schema: import("zod").ZodType<T> },
    url: string,
    options: CallOptions,
  ): Promise<T[]> {
    const body = await this.getJson(url, options);
    // Most lists are `{ "value": [...] }`; authorizedAadApps-style endpoints answer a bare array.
    const items = Array.isArray(body) ? body : (body as { value?: unknown }).value;
    if (!Array.isArray(items)) throw new ResponseShapeError(`${def.entity} list`, "value", "it is missing");
    return items.map((item) => parseEntity(def, item));
  }

  private async startEnvironmentOperation(
    method: "PUT" | "POST" | "DELETE",
    url: string,
    body: unknown,
    options: CallOptions,
  ): Promise<EnvironmentOperation> {
    const res = await this.http.request({
      method,
      url,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      idempotent: false,
      service: "admin",
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    return parseEntity(adminEntities.environmentOperation, parseJson(res.body));
  }

  /** A settings write: any 2xx is success, the body is not read. */
  private async send(method: "PUT" | "POST" | "DELETE", url: string, body: unknown, options: CallOptions) {
    await this.http.request({
      method,
      url,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      service: "admin",
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
  }

  private async post(url: string, body: unknown, options: CallOptions): Promise<AppOperation> {
    const res = await this.http.request({
      method: "POST",
      url,
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
      service: "admin",
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    return parseEntity(adminEntities.appOperation, parseJson(res.body));
  }
}

/** A single entity, unwrapped from a one-element `value` collection when the server sends one. */
function single(body: unknown): unknown {
  const value = (body as { value?: unknown } | null)?.value;
  return Array.isArray(value) && value.length === 1 ? value[0] : body;
}

function minorOf(version: string): number {
  const match = /^v?2\.(\d+)$/.exec(version);
  return match ? Number(match[1]) : 0;
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new ResponseShapeError("Admin Center response", "(body)", "it is not JSON");
  }
}

export * from "./schemas";
