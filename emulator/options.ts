/** Every switch of the emulator, with the documented default. See docs/emulator.md for the full table. */
export interface EmulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Directory for the CA, signing keys and persisted state. Default: a fresh temp dir (nothing persists). */
  stateDir?: string;
  /** Seed: a path to a JSON seed file or a seed object. Default: the built-in CRONUS-like seed. */
  seed?: string | import("./state/seed").SeedInput;
  /** Access token lifetime in seconds (default 3600; short values make expiry testable). */
  tokenLifetimeSeconds?: number;
  /** Admin token for the control plane (default: random). */
  adminToken?: string;
  /** Behaviours the docs leave open; each has a documented default. */
  behaviour?: Partial<BehaviourSwitches>;
  /** Durations of asynchronous work, in milliseconds of emulated time. */
  asyncDelays?: Partial<AsyncDelays>;
  /** Multiplies every async delay and BC's time limits (0.01 in tests, 1 for realistic timing). Default 1. */
  timeScale?: number;
  /** BC's per-principal limits (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/operational-limits-online); on by default, `false` turns them off. */
  limits?: Partial<import("./realism/limits").LimitOptions> | false;
  /** Latency added to every API request (default none). */
  latency?: import("./realism/latency").LatencyOptions;
  /** Operation (408) and gateway (504) time limits, before scaling by timeScale. */
  timeouts?: Partial<import("./realism/pipeline").TimeoutOptions>;
  /** Fault injection rules active from the start (more can be added over the control plane). */
  faults?: import("./realism/faults").FaultRule[];
  /** Seed for probabilistic faults (default 7). */
  faultSeed?: number;
  /** `$batch` cost model and how a batch counts against the limits (automation/batch.ts). */
  batch?: Partial<import("./automation/batch").BatchOptions>;
}

export interface BehaviourSwitches {
  /** Bound action status codes: "source" (Updated ⇒ 200 empty, Deleted ⇒ 204, Created ⇒ 201) or "docs" (all 204). */
  actionResponses: "source" | "docs";
  /** HTTP status for a stale If-Match (`Request_EntityChanged`): 409 (default) or 412. */
  etagMismatchStatus: 409 | 412;
  /** HTTP status for `Internal_EntityWithSameKeyExists`: 400 (default) or 409. */
  duplicateKeyStatus: 400 | 409;
  /** Code for GET of a well-formed key that does not exist: `BadRequest_NotFound` (default) or `Internal_RecordNotFound`. */
  missingKeyCode: "BadRequest_NotFound" | "Internal_RecordNotFound";
  /** Match JSON property names case-insensitively on write (BCCH sends `SchemaSyncMode`). Default false. */
  caseInsensitiveProperties: boolean;
  /** Refuse a `name` in an automationCompanies POST as read-only (default false: accepted and overwritten from displayName). */
  rejectCompanyNameOnInsert: boolean;
  /** Refuse deleting a company with "company currently in use" this many times before it succeeds (default 0). */
  companyInUseDeletes: number;
  /** Status for unregistered/disabled app and missing role: 401 (default, all three) or 403 for missing role and disabled. */
  authFailureStatus: 401 | 403;
  /**
   * RapidStart import when the package code inside the file differs from the configuration package's code:
   * "error" (default; every published version of codeunit 5432 calls `ImportPackageXMLWithCodeFromStream`, which
   * fails with "The package code specified on the configuration package must be the same as the package name in the
   * imported package.") or "force" (import under the package's code, inferred from the documented flow).
   */
  rapidStartCodeMismatch: "error" | "force";
  /**
   * Fault realism for PTE deployments (https://github.com/microsoft/AL-Go/issues/1056): a deployment that succeeds reports `Failed` in
   * `extensionDeploymentStatus` although the app is installed. Default false.
   */
  deploymentReportsFailedButInstalls: boolean;
  /** Fault realism: `extensionDeploymentStatus` answers an empty list (seen after platform updates). Default false. */
  deploymentStatusEmptyList: boolean;
  /**
   * `users(…)/Microsoft.NAV.getNewUsersFromOffice365[Async]` called by an app (S2S). The docs say these actions
   * "aren't supported when using S2S authentication" without saying how they fail [UNK]. "unsupported" (default):
   * the synchronous action answers 400 Application_DialogException and the async one queues a job (201) that ends
   * in status Error with the same text. "supported": both succeed (nothing to import: Entra users are not modelled).
   */
  getNewUsersWithS2S: "unsupported" | "supported";
  /**
   * How far the BC server's clock is ahead of the machine's (negative: behind), in ms. Shows in the server times the
   * pages report (`extensionDeploymentStatus.startedOn`). Default 0.
   */
  serverClockOffsetMs: number;
  /**
   * The form of `companies.systemVersion`, documented only as "the internal version of the company" with examples
   * `"24012"`, `"18453"`, `"21.2.49946.51685"`: "application" (default) the environment's application
   * version `a.b.c.d`; "build" a short build number like `"24012"` (major and the first digits of the build).
   */
  companySystemVersion: "application" | "build";
  /**
   * Whether the feature "Convert user group permissions" has run (BC ≤ 24): it hides `users({id})/userGroupMembers`,
   * which then answers 404 (BC's AL source). Default false.
   */
  userGroupPermissionsConverted: boolean;
  /**
   * A soft-deleted environment is renamed at once to `<name>-yyMMddHHmmssff` (base name truncated to fit), which frees
   * its name; recovery does not rename it back (Microsoft Learn "Delete and recover environments"). Default true;
   * false keeps the old name taken until the environment is purged (409 `resourceExists`).
   */
  softDeleteRename: boolean;
  /**
   * How long (ms of emulated time, scaled by `timeScale`) a new, copied or restored environment stays `Preparing`
   * after its operation succeeded; Automation calls to it answer 503 meanwhile. Default 30 000; 0 makes it Active
   * in the same step.
   */
  preparingLagMs: number;
  /**
   * A second create, copy or restore of the tenant answers 400 `tenantAlreadyProvisioning` until the environment
   * being created is Active (documented for create and copy). Default true.
   */
  tenantProvisioningLock: boolean;
  /** `GET …/environments/{name}` answers `{"value":[environment]}` as the current docs show. Default false (bare object). */
  wrappedEnvironmentGet: boolean;
}

export interface AsyncDelays {
  /** Time an import/apply stays Scheduled (BC queues its task 200 ms ahead). */
  rapidStartScheduledMs: number;
  /** Time an import/apply stays InProgress. */
  rapidStartRunMs: number;
  /** Time an extension deployment stays InProgress. */
  extensionDeployMs: number;
}

export const DEFAULT_BEHAVIOUR: BehaviourSwitches = {
  actionResponses: "source",
  etagMismatchStatus: 409,
  duplicateKeyStatus: 400,
  missingKeyCode: "BadRequest_NotFound",
  caseInsensitiveProperties: false,
  rejectCompanyNameOnInsert: false,
  companyInUseDeletes: 0,
  authFailureStatus: 401,
  rapidStartCodeMismatch: "error",
  deploymentReportsFailedButInstalls: false,
  deploymentStatusEmptyList: false,
  getNewUsersWithS2S: "unsupported",
  serverClockOffsetMs: 0,
  companySystemVersion: "application",
  userGroupPermissionsConverted: false,
  softDeleteRename: true,
  preparingLagMs: 30_000,
  tenantProvisioningLock: true,
  wrappedEnvironmentGet: false,
};

export const DEFAULT_ASYNC_DELAYS: AsyncDelays = {
  rapidStartScheduledMs: 200,
  rapidStartRunMs: 2000,
  extensionDeployMs: 30_000,
};
