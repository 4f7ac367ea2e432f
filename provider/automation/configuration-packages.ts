/**
 * RapidStart configuration packages (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis): create → upload the `.rapidstart` file → import → poll →
 * apply → poll. Import and apply are asynchronous on BC's side (Scheduled → InProgress → Completed | Error); the
 * `waitFor` helper polls them. `Completed` does not mean error-free: check `numberOfErrors`.
 */
import { sendOnce } from "../http/reconcile";
import { pollUntilDone } from "../polling";
import type { FileBody } from "../http/types";
import type { AutomationClient, CallOptions, ListOptions } from "./client";
import { eqFilter, keySegment } from "./odata";
import { type ConfigurationPackage, entities, type RapidStartStatus } from "./schemas";

export interface NewConfigurationPackage {
  /** Code[20]; BC stores it upper-case. */
  code: string;
  packageName?: string;
  languageId?: number;
  productVersion?: string;
  processingOrder?: number;
  excludeConfigurationTables?: boolean;
}

export type ConfigurationPackagePatch = Partial<NewConfigurationPackage>;

export interface WaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  /** First poll interval (ms); default 1 s (BCCH polls every 5 s). */
  initialIntervalMs?: number;
  maxIntervalMs?: number;
}

type Scoped = { companyId: string };

export function configurationPackagesApi(client: AutomationClient) {
  const collection = (companyId: string) => client.companyUrl(companyId, "configurationPackages");
  const entity = (companyId: string, id: string) => `${collection(companyId)}${keySegment(id, "guid")}`;

  const api = {
    list(companyId: string, options: ListOptions & { code?: string } = {}): Promise<ConfigurationPackage[]> {
      const filter = options.code !== undefined ? eqFilter({ code: options.code.toUpperCase() }) : options.filter;
      return client.list(entities.configurationPackage, collection(companyId), { ...options, filter });
    },
    get(companyId: string, id: string, options: CallOptions = {}): Promise<ConfigurationPackage> {
      return client.get(entities.configurationPackage, entity(companyId, id), options);
    },
    async findByCode(
      companyId: string,
      code: string,
      options: CallOptions = {},
    ): Promise<ConfigurationPackage | undefined> {
      return (await api.list(companyId, { ...options, code }))[0];
    },
    /** Creates a package (201); recovers an ambiguous create by looking the code up. */
    create(companyId: string, body: NewConfigurationPackage, options: CallOptions = {}): Promise<ConfigurationPackage> {
      const payload = { packageName: body.code, ...body, code: body.code.toUpperCase() };
      return sendOnce({
        what: `create configuration package ${payload.code}`,
        start: () => client.create(entities.configurationPackage, collection(companyId), payload, options),
        lookup: () => api.findByCode(companyId, payload.code, options),
      });
    },
    update(companyId: string, id: string, patch: ConfigurationPackagePatch, etag = "*", options: CallOptions = {}) {
      const body = patch.code !== undefined ? { ...patch, code: patch.code.toUpperCase() } : patch;
      return client.patch(entities.configurationPackage, entity(companyId, id), body, etag, options);
    },
    delete(companyId: string, id: string, etag = "*", options: CallOptions = {}): Promise<void> {
      return client.delete(entity(companyId, id), etag, options);
    },
    /** Uploads the `.rapidstart` bytes: `PATCH …/file('{code}')/content` with `If-Match: *` (204). */
    uploadFile(
      companyId: string,
      id: string,
      code: string,
      bytes: Uint8Array | FileBody,
      options: CallOptions = {},
    ): Promise<void> {
      const url = `${entity(companyId, id)}/file${keySegment(code.toUpperCase(), "string")}/content`;
      return client.putMedia(url, bytes, options);
    },
    /** Starts the import (`Microsoft.NAV.import`; 200 or 204). Poll with `waitFor(…, "import")`. */
    async import(companyId: string, id: string, options: CallOptions = {}): Promise<void> {
      await client.action(`${entity(companyId, id)}/Microsoft.NAV.import`, undefined, options);
    },
    /** Starts the apply (`Microsoft.NAV.apply`). Requires importStatus Completed. */
    async apply(companyId: string, id: string, options: CallOptions = {}): Promise<void> {
      await client.action(`${entity(companyId, id)}/Microsoft.NAV.apply`, undefined, options);
    },
    /**
     * Polls until the import (or apply) is no longer Scheduled/InProgress. Resolves with the package when
     * Completed; throws OperationFailedError carrying BC's importError/applyError when Error.
     */
    waitFor(companyId: string, id: string, phase: "import" | "apply", options: WaitOptions & Partial<Scoped> = {}) {
      const statusOf = (p: ConfigurationPackage): RapidStartStatus =>
        phase === "import" ? p.importStatus : p.applyStatus;
      return pollUntilDone<ConfigurationPackage>({
        what: `${phase} of configuration package`,
        poll: (signal) => api.get(companyId, id, { signal }),
        classify: (p) => {
          const status = statusOf(p);
          if (status === "Completed") return "succeeded";
          if (status === "Error") return "failed";
          // `No` right after the action means BC has not recorded the start yet: keep polling.
          return "pending";
        },
        describe: (p) => `${p.code} ${statusOf(p)}${p.numberOfErrors ? `, ${p.numberOfErrors} errors` : ""}`,
        failureDetail: (p) => (phase === "import" ? p.importError : p.applyError) || undefined,
        timeoutMs: options.timeoutMs ?? 30 * 60_000,
        initialIntervalMs: options.initialIntervalMs ?? 1_000,
        maxIntervalMs: options.maxIntervalMs ?? 10_000,
        signal: options.signal,
        onProgress: options.onProgress,
      });
    },
  };
  return api;
}
