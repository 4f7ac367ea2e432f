/**
 * Extensions (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis): the `extensions` list and its bound actions, the v2.0 `extensionUpload` flow
 * (create-or-reuse the single upload row → PATCH `extensionContent` → `Microsoft.NAV.upload`), and
 * `extensionDeploymentStatus` to follow the asynchronous deployment.
 *
 * Actions are sent once; after an ambiguous failure, install/uninstall/unpublish check `isInstalled` (the identity
 * is the package id) instead of sending again.
 */
import { AmbiguousOutcomeError, isNotFound } from "../errors";
import { pollUntilDone } from "../polling";
import type { FileBody } from "../http/types";
import type { CallOptions, ListOptions } from "./client";
import type { AutomationContext } from "./context";
import { eqFilter, keySegment } from "./odata";
import {
  entities,
  type Extension,
  type ExtensionDeploymentStatus,
  type ExtensionUpload,
  type SchemaSyncMode,
  type UploadSchedule,
} from "./schemas";

type Scoped = CallOptions & { companyId?: string };

/** Microsoft's Base Application: installed on every environment, so its version is the environment's BC version. */
export const BASE_APPLICATION_ID = "437dbf0e-84ff-417a-965d-ed2bb9650972";

export function extensionVersion(
  e: Pick<Extension, "versionMajor" | "versionMinor" | "versionBuild" | "versionRevision">,
): string {
  return `${e.versionMajor}.${e.versionMinor}.${e.versionBuild}.${e.versionRevision}`;
}

export function extensionsApi({ client, scopeCompany }: AutomationContext) {
  const collection = async (companyId?: string) =>
    client.companyUrl(companyId ?? (await scopeCompany.id()), "extensions");
  const entity = async (packageId: string, companyId?: string) =>
    `${await collection(companyId)}${keySegment(packageId, "guid")}`;

  /** Sends an action once; if the outcome is ambiguous, `done` decides from the extension's current state. */
  const act = async (
    packageId: string,
    action: string,
    done: (e: Extension | undefined) => boolean,
    options: Scoped,
  ) => {
    const url = `${await entity(packageId, options.companyId)}/Microsoft.NAV.${action}`;
    try {
      await client.action(url, undefined, options);
    } catch (err) {
      if (!(err instanceof AmbiguousOutcomeError)) throw err;
      const current = await api.find(packageId, options);
      if (!done(current)) throw err;
    }
  };

  const api = {
    list(options: ListOptions & { companyId?: string } = {}): Promise<Extension[]> {
      return collection(options.companyId).then((url) => client.list(entities.extension, url, options));
    },
    async get(packageId: string, options: Scoped = {}): Promise<Extension> {
      return client.get(entities.extension, await entity(packageId, options.companyId), options);
    },
    /** The package, or undefined if it is not listed. */
    async find(packageId: string, options: Scoped = {}): Promise<Extension | undefined> {
      try {
        return await api.get(packageId, options);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    /** Every listed package of an app id (several versions may be published). */
    byAppId(appId: string, options: Scoped = {}): Promise<Extension[]> {
      return api.list({ ...options, filter: eqFilter({ id: { guid: appId } }) });
    },
    /** `Microsoft.NAV.install` (synchronous in BC; 204). */
    install(packageId: string, options: Scoped = {}): Promise<void> {
      return act(packageId, "install", (e) => e?.isInstalled === true, options);
    },
    /** `Microsoft.NAV.uninstall` (keeps the extension's data). */
    uninstall(packageId: string, options: Scoped = {}): Promise<void> {
      return act(packageId, "uninstall", (e) => e !== undefined && !e.isInstalled, options);
    },
    /** `Microsoft.NAV.uninstallAndDeleteExtensionData` (BC 18+; irreversible). */
    uninstallAndDeleteExtensionData(packageId: string, options: Scoped = {}): Promise<void> {
      return act(packageId, "uninstallAndDeleteExtensionData", (e) => e !== undefined && !e.isInstalled, options);
    },
    /** `Microsoft.NAV.unpublish` (BC 25.4+; uninstalled, non-global packages only). */
    unpublish(packageId: string, options: Scoped = {}): Promise<void> {
      return act(packageId, "unpublish", (e) => e === undefined, options);
    },
  };
  return api;
}

export interface UploadSettings {
  schedule?: UploadSchedule;
  schemaSyncMode?: SchemaSyncMode;
}

export function extensionUploadApi({ client, scopeCompany }: AutomationContext) {
  const collection = async (companyId?: string) =>
    client.companyUrl(companyId ?? (await scopeCompany.id()), "extensionUpload");
  const entity = async (systemId: string, companyId?: string) =>
    `${await collection(companyId)}${keySegment(systemId, "guid")}`;

  const api = {
    /** The company's upload row (at most one exists), or undefined. */
    async get(options: Scoped = {}): Promise<ExtensionUpload | undefined> {
      return (await client.list(entities.extensionUpload, await collection(options.companyId), options))[0];
    },
    /** `POST extensionUpload` (201). Fails with Internal_EntityWithSameKeyExists if a row is left over: use `prepare`. */
    async create(settings: UploadSettings = {}, options: Scoped = {}): Promise<ExtensionUpload> {
      const body = {
        schedule: settings.schedule ?? "Current version",
        schemaSyncMode: settings.schemaSyncMode ?? "Add",
      };
      return client.create(entities.extensionUpload, await collection(options.companyId), body, options);
    },
    async update(systemId: string, settings: UploadSettings, options: Scoped = {}): Promise<ExtensionUpload> {
      return client.patch(entities.extensionUpload, await entity(systemId, options.companyId), settings, "*", options);
    },
    /**
     * The upload row to use, as BCCH does it: reuse a leftover row (PATCHing its settings) instead of POSTing,
     * which would fail with Internal_EntityWithSameKeyExists (https://github.com/microsoft/AL/issues/8152). An ambiguous POST is
     * recovered by reading the row back.
     */
    async prepare(settings: UploadSettings = {}, options: Scoped = {}): Promise<ExtensionUpload> {
      const wanted = {
        schedule: settings.schedule ?? "Current version",
        schemaSyncMode: settings.schemaSyncMode ?? "Add",
      } as const;
      const existing = await api.get(options);
      if (existing) {
        if (existing.schedule === wanted.schedule && existing.schemaSyncMode === wanted.schemaSyncMode) return existing;
        return api.update(existing.systemId, wanted, options);
      }
      try {
        return await api.create(wanted, options);
      } catch (err) {
        if (!(err instanceof AmbiguousOutcomeError)) throw err;
        const row = await api.get(options);
        if (!row) throw err;
        return row;
      }
    },
    /** `PATCH extensionUpload({id})/extensionContent` with the `.app` bytes (204). */
    async putContent(systemId: string, bytes: Uint8Array | FileBody, options: Scoped = {}): Promise<void> {
      await client.putMedia(`${await entity(systemId, options.companyId)}/extensionContent`, bytes, options);
    },
    /** `Microsoft.NAV.upload`: starts the deployment (asynchronous; follow it in extensionDeploymentStatus). */
    async upload(systemId: string, options: Scoped = {}): Promise<void> {
      await client.action(`${await entity(systemId, options.companyId)}/Microsoft.NAV.upload`, undefined, options);
    },
  };
  return api;
}

/** The app a deployment is for: the identity BCCH matches deployment rows by (publisher, name, version). */
export interface DeployedApp {
  /** App id from app.json, used to reconcile against the extensions list. */
  id?: string;
  name: string;
  publisher: string;
  version: string;
}

export interface DeploymentWaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  /** Wait before the first poll (BCCH waits 30 s; the row may not exist at once). Default 0. */
  initialDelayMs?: number;
  companyId?: string;
  /**
   * Rows listed before the upload (`snapshot`): they belong to earlier deployments and never count. Matching by
   * the set of new rows, not by `startedOn`, keeps the client's clock out of it (BC stamps server time).
   */
  existingBefore?: ReadonlySet<string>;
}

/** A deployment row's identity across polls: its operation id, else what BC shows of it. */
export function deploymentRowKey(row: ExtensionDeploymentStatus): string {
  return row.operationID?.toLowerCase() ?? `${row.publisher}|${row.name}|${row.appVersion}|${row.startedOn ?? ""}`;
}

export function extensionDeploymentStatusApi(context: AutomationContext) {
  const { client, scopeCompany } = context;
  const extensions = extensionsApi(context);
  const api = {
    /** Deployment operations, newest first (BC sorts by startedOn descending). */
    async list(options: ListOptions & { companyId?: string } = {}): Promise<ExtensionDeploymentStatus[]> {
      const url = client.companyUrl(options.companyId ?? (await scopeCompany.id()), "extensionDeploymentStatus");
      return client.list(entities.extensionDeploymentStatus, url, options);
    },
    /** The identities of the rows listed now; pass them as `existingBefore` to follow a deployment started next. */
    async snapshot(options: { companyId?: string; signal?: AbortSignal } = {}): Promise<ReadonlySet<string>> {
      return new Set((await api.list(options)).map(deploymentRowKey));
    },
    /** The newest deployment row of an app version that is not in `existingBefore`, if any. */
    async find(app: DeployedApp, options: DeploymentWaitOptions = {}): Promise<ExtensionDeploymentStatus | undefined> {
      const rows = await api.list({ companyId: options.companyId, signal: options.signal });
      return rows.find(
        (r) =>
          r.publisher === app.publisher &&
          r.name === app.name &&
          r.appVersion === app.version &&
          !options.existingBefore?.has(deploymentRowKey(r)),
      );
    },
    /**
     * Follows a deployment until BC reports it Completed. A missing row counts as pending (it appears after a
     * while). Before reporting Failed or a timeout, the extensions list is checked: if the app is installed at
     * that version the deployment did succeed, whatever the status row says (https://github.com/microsoft/AL-Go/issues/1056).
     */
    async waitFor(app: DeployedApp, options: DeploymentWaitOptions = {}): Promise<ExtensionDeploymentStatus> {
      const installed = async (last: ExtensionDeploymentStatus | undefined) => {
        if (!app.id) return undefined;
        const versions = await extensions.byAppId(app.id, { companyId: options.companyId, signal: options.signal });
        const match = versions.find((e) => e.isInstalled && extensionVersion(e) === app.version);
        if (!match) return undefined;
        return {
          ...(last ?? {
            name: app.name,
            publisher: app.publisher,
            operationType: "Upload" as const,
            schedule: "",
            appVersion: app.version,
            startedOn: "",
          }),
          status: "Completed" as const,
        };
      };
      return pollUntilDone<ExtensionDeploymentStatus | undefined>({
        what: `deployment of ${app.publisher} ${app.name} ${app.version}`,
        poll: (signal) => api.find(app, { ...options, signal }),
        classify: (row) => {
          if (!row) return "pending";
          if (row.status === "Completed") return "succeeded";
          if (row.status === "InProgress") return "pending";
          return "failed";
        },
        describe: (row) => (row ? row.status : "waiting for the deployment to be listed"),
        failureDetail: (row) =>
          row
            ? `Business Central reports the deployment as ${row.status}; the reason is shown in Business Central on the ` +
              '"Extension Deployment Status" page (open the entry for details)'
            : undefined,
        timeoutMs: options.timeoutMs ?? 60 * 60_000,
        initialIntervalMs: options.initialIntervalMs ?? 5_000,
        maxIntervalMs: options.maxIntervalMs ?? 30_000,
        initialDelayMs: options.initialDelayMs,
        signal: options.signal,
        onProgress: options.onProgress,
        reconcile: ({ last }) => installed(last),
      }).then((row) => {
        if (!row) throw new Error(`deployment of ${app.name} ${app.version}: no status row`);
        return row;
      });
    },
  };
  return api;
}
