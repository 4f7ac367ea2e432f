/**
 * Extension: an AppSource app (Admin Center install/update/uninstall) or a per-tenant `.app` (automation
 * `extensionUpload` before BC 29, Admin Center `apps/pteInstall` from 29). See docs/resources/extension.md.
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { PteDeploymentSchedule } from "../admin";
import {
  type AutomationApi,
  type Extension,
  extensionVersion,
  type SchemaSyncMode,
  type UploadSchedule,
} from "../automation";
import { AmbiguousOutcomeError, isNotFound } from "../errors";
import { AppFileError, type AppManifest, compareVersions, normaliseVersion, readAppFile } from "../files/app-manifest";
import { OperationTimeoutError } from "../polling";
import { connectionFor, progress, type ResourceConnection } from "./context";
import {
  atLeast,
  bcVersion,
  extensionPolling,
  installedPackage,
  startOnce,
  waitForAdminOperation,
} from "./extension-bc";
import { type ResourceHandler, PartialFailure } from "./handler";
import { checkInputs, connectionFields, containsUnknown, guid, parseDuration, userInputs } from "./inputs";

const version = z
  .string()
  .trim()
  .refine((v) => normaliseVersion(v) !== undefined, "must be a version like 1.2.0.0 (major.minor[.build[.revision]])")
  .transform((v) => normaliseVersion(v) as string);

const shape = {
  ...connectionFields,
  appSource: z
    .object({ appId: guid("AppSource app id").transform((v) => v.toLowerCase()), version: version.optional() })
    .strict()
    .optional(),
  filePath: z.string().min(1, "must be the path of a .app file").optional(),
  acceptIsvEula: z.boolean().optional(),
  installDependencies: z.boolean().optional(),
  schedule: z
    .enum(["Current version", "Next minor version", "Next major version"], {
      error: 'must be "Current version", "Next minor version" or "Next major version"',
    })
    .optional(),
  schemaSyncMode: z.enum(["Add", "Force Sync"], { error: 'must be "Add" or "Force Sync"' }).optional(),
  uploadVia: z
    .enum(["auto", "extensionUpload", "pteInstall"], { error: 'must be "auto", "extensionUpload" or "pteInstall"' })
    .optional(),
  deleteData: z.boolean().optional(),
  unpublish: z.boolean().optional(),
  companyId: guid("id of a company of the environment").optional(),
  // Derived at check from the file (stored as inputs so diff and the downgrade check can use them).
  fileSha256: z.string().optional(),
  manifestAppId: z.string().optional(),
  manifestVersion: z.string().optional(),
};

const FILE_ONLY = ["schedule", "schemaSyncMode", "uploadVia", "unpublish"] as const;
const DEFAULT_TIMEOUT_MS = 60 * 60_000;
const OUTPUT_KEYS = ["appId", "name", "publisher", "version", "packageId"] as const;

// biome-ignore lint/suspicious/noExplicitAny: Pulumi property bags (as in ResourceHandler)
type Inputs = Record<string, any>;

/** How each input change is applied (docs/resources/extension.md). */
export const EXTENSION_DIFF = {
  "source kind (appSource ↔ file)": "replace",
  "appSource.appId / the file's app id": "replace",
  environment: "replace",
  "appSource.version / the file's version or content (fileSha256)": "update",
  "deleteData, unpublish": "update (recorded for delete)",
  "filePath alone (same content)": "no diff",
  "acceptIsvEula, installDependencies, schedule, schemaSyncMode, uploadVia, companyId, adopt, timeouts":
    "no diff (used by the next operation)",
} as const;

export const extensionHandler: ResourceHandler = {
  async check(olds, news) {
    const result = checkInputs(shape, news, (inputs) => crossCheck(olds, inputs));
    if (result.failures?.length) return result;
    const inputs = result.inputs as Inputs;
    // Derived values are never taken from the program: recompute them from the file (or drop them).
    delete inputs.fileSha256;
    delete inputs.manifestAppId;
    delete inputs.manifestVersion;
    if (typeof inputs.filePath === "string" && !containsUnknown(inputs.filePath)) {
      let manifest: AppManifest;
      let sha256: string;
      try {
        const read = readAppFile(inputs.filePath);
        manifest = read.manifest;
        sha256 = read.sha256;
      } catch (err) {
        if (!(err instanceof AppFileError)) throw err;
        return {
          inputs: news,
          failures: [{ property: "file", reason: `${err.message}. Point file at a .app built by the AL compiler.` }],
        };
      }
      inputs.fileSha256 = sha256;
      inputs.manifestAppId = manifest.id;
      inputs.manifestVersion = manifest.version;
      const downgrade = downgradeFailure(
        olds,
        "file",
        olds.filePath ? olds.manifestAppId : undefined,
        olds.manifestVersion,
        manifest.id,
        manifest.version,
      );
      if (downgrade) return { inputs: news, failures: [downgrade] };
    }
    return { inputs };
  },

  async diff(_id, olds, news) {
    const replaces: string[] = [];
    let changes = false;
    const oldKind = olds.appSource ? "appSource" : "filePath";
    const newKind = news.appSource !== undefined ? "appSource" : "filePath";
    const environment = (v: unknown) => (v === undefined || v === "" ? olds.environment : v);
    if (!containsUnknown(news.environment) && environment(news.environment) !== olds.environment)
      replaces.push("environment");
    if (oldKind !== newKind) {
      replaces.push(newKind);
    } else if (newKind === "appSource") {
      const next = news.appSource as Inputs;
      if (containsUnknown(next)) {
        changes = true;
      } else {
        if (String(next.appId).toLowerCase() !== String(olds.appSource.appId).toLowerCase()) replaces.push("appSource");
        // No version means "latest at install time": not tracked afterwards.
        else if (next.version !== undefined && next.version !== (olds.appSource.version ?? olds.version))
          changes = true;
      }
    } else if (containsUnknown(news.filePath)) {
      changes = true;
    } else {
      if (news.manifestAppId !== olds.manifestAppId) replaces.push("filePath");
      else if (news.fileSha256 !== olds.fileSha256 || news.manifestVersion !== olds.manifestVersion) changes = true;
    }
    for (const key of ["deleteData", "unpublish"]) if (!same(olds[key], news[key])) changes = true;
    return {
      changes: changes || replaces.length > 0,
      replaces,
      deleteBeforeReplace: replaces.length > 0 ? true : undefined,
    };
  },

  async create(inputs) {
    const conn = connectionFor(inputs);
    return inputs.appSource ? createAppSource(conn, inputs) : createFromFile(conn, inputs);
  },

  async read(id, props) {
    const { automation, environment } = connectionFor(props);
    let installed: Extension | undefined;
    try {
      installed = await installedPackage(automation, id, str(props.companyId));
    } catch (err) {
      if (isNotFound(err)) return { id: "", props: {} };
      throw err;
    }
    const inputs = pickInputs(props);
    if (!installed) {
      // A staged upload (next minor/major update) is not installed yet: keep it.
      if (!inputs.appSource && inputs.schedule && inputs.schedule !== "Current version" && !props.version) {
        return { id, props: { ...props }, inputs };
      }
      return { id: "", props: {} };
    }
    const actual = extensionVersion(installed);
    if (inputs.appSource && (inputs.appSource as Inputs).version !== undefined) {
      inputs.appSource = { ...(inputs.appSource as Inputs), version: actual };
    }
    if (!inputs.appSource && inputs.manifestVersion !== undefined && inputs.manifestVersion !== actual) {
      // Another version was installed behind our back: the next diff shows the file's version as a change.
      inputs.manifestVersion = actual;
      inputs.fileSha256 = "";
    }
    return { id, props: outputs(inputs, installed, environment), inputs };
  },

  async update(id, olds, news) {
    const conn = connectionFor(news);
    const { automation, environment } = conn;
    const companyId = str(news.companyId);
    const installed = await installedPackage(automation, id, companyId);
    if (news.appSource) {
      const target = (news.appSource as Inputs).version as string | undefined;
      if (!installed) {
        throw new Error(
          `The AppSource app ${id} is no longer installed in '${environment}'. Run pulumi refresh, then pulumi up to install it again.`,
        );
      }
      const current = extensionVersion(installed);
      if (target !== undefined && target !== current) {
        if (compareVersions(target, current) < 0)
          throw new Error(downgradeMessage("appSource.version", target, current));
        await updateAppSource(conn, news, id, target);
        const after = await installedPackage(automation, id, companyId);
        return { outs: outputs(userInputs(news), after ?? installed, environment) };
      }
      return { outs: outputs(userInputs(news), installed, environment) };
    }
    const changedFile =
      news.fileSha256 !== olds.fileSha256 || news.manifestVersion !== (olds.manifestVersion ?? olds.version);
    if (!changedFile && installed) return { outs: outputs(userInputs(news), installed, environment) };
    const result = await uploadFile(conn, news, installed, "update");
    return { outs: result };
  },

  async delete(id, props) {
    const { automation, environment, connection } = connectionFor(props);
    const timeoutMs = timeoutOf(props, "delete");
    const companyId = str(props.companyId);
    const installed = await installedPackage(automation, id, companyId).catch((err) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });
    if (props.appSource) {
      if (!installed) return;
      const admin = connection.admin();
      progress("Extension", `uninstalling AppSource app ${installed.displayName} (${id}) from '${environment}'`);
      const op = await startOnce(admin, environment, id, "uninstall", () =>
        admin.uninstallApp(environment, id, { deleteData: props.deleteData === true }),
      ).catch(async (err) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
      if (op)
        await waitForAdminOperation(admin, automation, environment, id, op, { timeoutMs, uninstall: true, companyId });
      return;
    }
    if (installed) {
      progress(
        "Extension",
        `uninstalling ${installed.displayName} ${extensionVersion(installed)}${props.deleteData === true ? " and deleting its data" : ""}`,
      );
      if (props.deleteData === true)
        await automation.extensions.uninstallAndDeleteExtensionData(installed.packageId, { companyId });
      else await automation.extensions.uninstall(installed.packageId, { companyId });
    }
    if (props.unpublish === false) return;
    const version = await bcVersion(automation);
    if (!atLeast(version, "25.4")) {
      progress(
        "Extension",
        `BC ${version ?? "(unknown version)"} cannot unpublish through the API (25.4+): the package stays published`,
      );
      return;
    }
    const packages = await automation.extensions.byAppId(id, { companyId });
    for (const p of packages.filter((p) => !p.isInstalled && !/global/i.test(p.publishedAs))) {
      try {
        progress("Extension", `unpublishing ${p.displayName} ${extensionVersion(p)}`);
        await automation.extensions.unpublish(p.packageId, { companyId });
      } catch (err) {
        if (isNotFound(err)) continue;
        progress("Extension", `could not unpublish ${p.displayName} ${extensionVersion(p)}: ${(err as Error).message}`);
      }
    }
  },
};

// --- check ------------------------------------------------------------------------------------------------------

function crossCheck(olds: Inputs, inputs: Inputs): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const hasApp = inputs.appSource !== undefined;
  const hasFile = inputs.filePath !== undefined;
  if (hasApp === hasFile) {
    failures.push({
      property: hasApp ? "file" : "appSource",
      reason: hasApp
        ? "set exactly one of appSource and file, not both"
        : "set exactly one of appSource (an AppSource app) and file (a per-tenant .app)",
    });
    return failures;
  }
  if (hasApp) {
    if (inputs.acceptIsvEula !== true && !containsUnknown(inputs.acceptIsvEula)) {
      failures.push({
        property: "acceptIsvEula",
        reason:
          "must be true to install an AppSource app: set acceptIsvEula: true to state that you accept the publisher's license terms",
      });
    }
    for (const key of FILE_ONLY) {
      if (inputs[key] !== undefined)
        failures.push({ property: key, reason: "applies to file (per-tenant extensions) only; remove it" });
    }
    const app = inputs.appSource as Inputs;
    if (!containsUnknown(app) && olds.appSource && app.version !== undefined) {
      const downgrade = downgradeFailure(
        olds,
        "appSource.version",
        olds.appSource.appId,
        olds.appSource.version,
        app.appId,
        app.version,
      );
      if (downgrade) failures.push(downgrade);
    }
  } else if (inputs.uploadVia === "pteInstall" && inputs.acceptIsvEula !== true) {
    failures.push({
      property: "acceptIsvEula",
      reason: 'must be true with uploadVia "pteInstall" (the Admin Center requires it)',
    });
  }
  return failures;
}

function downgradeFailure(
  _olds: Inputs,
  property: string,
  oldAppId: unknown,
  oldVersion: unknown,
  appId: string,
  next: string,
): pulumi.dynamic.CheckFailure | undefined {
  if (typeof oldAppId !== "string" || oldAppId.toLowerCase() !== appId.toLowerCase()) return undefined;
  if (typeof oldVersion !== "string" || oldVersion === "") return undefined;
  if (compareVersions(next, oldVersion) >= 0) return undefined;
  return { property, reason: downgradeMessage(property, next, oldVersion) };
}

function downgradeMessage(property: string, next: string, current: string): string {
  return (
    `${property}: version ${next} is lower than the installed ${current}. Business Central cannot downgrade an extension in place; ` +
    "to go back, uninstall it first (remove the resource and run up, or replace it: pulumi up --replace <urn>), then install the lower version"
  );
}

// --- AppSource --------------------------------------------------------------------------------------------------

async function createAppSource(conn: ResourceConnection, inputs: Inputs): Promise<pulumi.dynamic.CreateResult> {
  const { automation, environment, connection } = conn;
  const admin = connection.admin();
  const { appId, version: target } = inputs.appSource as { appId: string; version?: string };
  const companyId = str(inputs.companyId);
  const existing = await installedPackage(automation, appId, companyId);
  if (existing) {
    if (!inputs.adopt) {
      throw new Error(
        `The app ${existing.displayName} (${appId}) is already installed in '${environment}' at ${extensionVersion(existing)}. Set adopt: true to manage it with this resource.`,
      );
    }
    const current = extensionVersion(existing);
    progress("Extension", `adopting installed app ${existing.displayName} ${current}`);
    if (target === undefined || target === current)
      return { id: appId, outs: outputs(userInputs(inputs), existing, environment) };
    if (compareVersions(target, current) < 0) throw new Error(downgradeMessage("appSource.version", target, current));
    await updateAppSource(conn, inputs, appId, target);
    const after = await installedPackage(automation, appId, companyId);
    return { id: appId, outs: outputs(userInputs(inputs), after ?? existing, environment) };
  }
  progress("Extension", `installing AppSource app ${appId}${target ? ` ${target}` : ""} in '${environment}'`);
  const op = await startOnce(admin, environment, appId, "install", () =>
    admin.installApp(environment, appId, {
      acceptIsvEula: true,
      ...(target ? { targetVersion: target } : {}),
      installOrUpdateNeededDependencies: inputs.installDependencies === true,
    }),
  );
  await waitOrPartial(inputs, appId, "create", () =>
    waitForAdminOperation(admin, automation, environment, appId, op, {
      timeoutMs: timeoutOf(inputs, "create"),
      targetVersion: target,
      companyId,
    }),
  );
  const installed = await installedPackage(automation, appId, companyId);
  if (!installed)
    throw new Error(
      `The install of ${appId} reported success, but the app is not listed as installed in '${environment}'.`,
    );
  return { id: appId, outs: outputs(userInputs(inputs), installed, environment) };
}

async function updateAppSource(conn: ResourceConnection, inputs: Inputs, appId: string, target: string) {
  const { automation, environment, connection } = conn;
  const admin = connection.admin();
  progress("Extension", `updating AppSource app ${appId} to ${target}`);
  const op = await startOnce(admin, environment, appId, "update", () =>
    admin.updateApp(environment, appId, {
      targetVersion: target,
      installOrUpdateNeededDependencies: inputs.installDependencies === true,
    }),
  );
  await waitOrPartial(inputs, appId, "update", () =>
    waitForAdminOperation(admin, automation, environment, appId, op, {
      timeoutMs: timeoutOf(inputs, "update"),
      targetVersion: target,
      companyId: str(inputs.companyId),
    }),
  );
}

// --- per-tenant extensions --------------------------------------------------------------------------------------

async function createFromFile(conn: ResourceConnection, inputs: Inputs): Promise<pulumi.dynamic.CreateResult> {
  const { automation, environment } = conn;
  const manifest = fileOf(inputs).manifest;
  const existing = await installedPackage(automation, manifest.id, str(inputs.companyId));
  if (existing) {
    const current = extensionVersion(existing);
    if (!inputs.adopt) {
      throw new Error(
        `The extension ${existing.displayName} (${manifest.id}) is already installed in '${environment}' at ${current}. Set adopt: true to manage it with this resource.`,
      );
    }
    progress("Extension", `adopting installed extension ${existing.displayName} ${current}`);
    if (current === manifest.version)
      return { id: manifest.id, outs: outputs(userInputs(inputs), existing, environment) };
    if (compareVersions(manifest.version, current) < 0)
      throw new Error(downgradeMessage("file", manifest.version, current));
  }
  return { id: manifest.id, outs: await uploadFile(conn, inputs, existing, "create") };
}

function fileOf(inputs: Inputs) {
  try {
    return readAppFile(String(inputs.filePath));
  } catch (err) {
    if (err instanceof AppFileError) throw new Error(`file: ${err.message}`);
    throw err;
  }
}

const PTE_SCHEDULE: Record<UploadSchedule, PteDeploymentSchedule> = {
  "Current version": "Immediate",
  "Next minor version": "NextMinorUpdate",
  "Next major version": "NextMajorUpdate",
};

/** Uploads the file (pteInstall or extensionUpload), waits for the deployment and returns the outputs. */
async function uploadFile(
  conn: ResourceConnection,
  inputs: Inputs,
  installed: Extension | undefined,
  phase: "create" | "update",
): Promise<Record<string, unknown>> {
  const { automation, environment, connection } = conn;
  const { bytes, sha256, manifest } = fileOf(inputs);
  const companyId = str(inputs.companyId);
  if (installed) {
    const current = extensionVersion(installed);
    const cmp = compareVersions(manifest.version, current);
    if (cmp < 0) throw new Error(downgradeMessage("file", manifest.version, current));
    if (cmp === 0) {
      throw new Error(
        `file: version ${manifest.version} of ${manifest.name} is already installed, but the file's content changed. Business Central installs a new package only with a higher version: raise the version in app.json and build again.`,
      );
    }
  }
  const schedule = (inputs.schedule ?? "Current version") as UploadSchedule;
  const schemaSyncMode = (inputs.schemaSyncMode ?? "Add") as SchemaSyncMode;
  const via = await uploadPath(automation, inputs.uploadVia);
  const timeoutMs = timeoutOf(inputs, phase);
  const what = `${manifest.publisher} ${manifest.name} ${manifest.version}`;
  if (via === "pteInstall") {
    if (inputs.acceptIsvEula !== true) {
      throw new Error(
        `acceptIsvEula: BC ${environment} takes per-tenant extensions through the Admin Center's pteInstall, which requires acceptIsvEula: true (or set uploadVia: "extensionUpload" on BC before 29).`,
      );
    }
    const admin = connection.admin();
    progress("Extension", `uploading ${what} to '${environment}' through the Admin Center (pteInstall)`);
    const op = await startOnce(
      admin,
      environment,
      manifest.id,
      "install",
      () =>
        admin.pteInstall(environment, bytes, {
          deploymentSchedule: PTE_SCHEDULE[schedule],
          syncMode: schemaSyncMode === "Force Sync" ? "ForceSync" : "Add",
          acceptIsvEula: true,
          installOrUpdateNeededDependencies: inputs.installDependencies === true,
          fileName: `${manifest.publisher}_${manifest.name}_${manifest.version}.app`.replace(/[^\w.-]+/g, "_"),
        }),
      (op) => (op.targetAppVersion ?? op.targetVersion) === manifest.version,
    );
    if (schedule === "Current version") {
      await waitOrPartial(inputs, manifest.id, phase, () =>
        waitForAdminOperation(admin, automation, environment, manifest.id, op, {
          timeoutMs,
          targetVersion: manifest.version,
          companyId,
        }),
      );
    }
  } else {
    progress("Extension", `uploading ${what} to '${environment}' (extensionUpload, ${schedule}, ${schemaSyncMode})`);
    const row = await automation.extensionUpload.prepare({ schedule, schemaSyncMode }, { companyId });
    await automation.extensionUpload.putContent(row.systemId, bytes, { companyId });
    const startedAfter = Date.now();
    try {
      await automation.extensionUpload.upload(row.systemId, { companyId });
    } catch (err) {
      // The deployment row (or the installed list) tells whether it started; waitFor below finds out.
      if (!(err instanceof AmbiguousOutcomeError)) throw err;
      progress("Extension", "the upload request's outcome is unknown; following the deployment status");
    }
    if (schedule === "Current version") {
      await waitOrPartial(inputs, manifest.id, phase, () =>
        automation.extensionDeploymentStatus.waitFor(
          { id: manifest.id, name: manifest.name, publisher: manifest.publisher, version: manifest.version },
          {
            timeoutMs,
            companyId,
            startedAfter,
            initialIntervalMs: extensionPolling.initialIntervalMs,
            maxIntervalMs: extensionPolling.maxIntervalMs,
            onProgress: (line) => progress("Extension", line),
          },
        ),
      );
    }
  }
  const after = await installedPackage(automation, manifest.id, companyId);
  if (schedule !== "Current version") {
    progress("Extension", `${what} is staged for the ${schedule.toLowerCase()}; it installs with that BC update`);
  } else if (!after || extensionVersion(after) !== manifest.version) {
    throw new Error(
      `The deployment of ${what} reported success, but ${manifest.version} is not listed as installed in '${environment}'.`,
    );
  }
  return outputs(
    { ...userInputs(inputs), fileSha256: sha256, manifestAppId: manifest.id, manifestVersion: manifest.version },
    after,
    environment,
    manifest,
  );
}

async function uploadPath(automation: AutomationApi, choice: unknown): Promise<"pteInstall" | "extensionUpload"> {
  if (choice === "pteInstall" || choice === "extensionUpload") return choice;
  const version = await bcVersion(automation);
  return atLeast(version, "29.0") ? "pteInstall" : "extensionUpload";
}

/** Runs a wait; a timeout after the start becomes a partial failure so Pulumi records the object. */
async function waitOrPartial<T>(
  inputs: Inputs,
  id: string,
  phase: "create" | "update",
  wait: () => Promise<T>,
): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    if (phase === "create" && err instanceof OperationTimeoutError) {
      throw new PartialFailure(
        `${err.message} The extension is recorded; run pulumi refresh and up once it settles.`,
        id,
        {
          ...inputs,
          appId: id,
          name: "",
          publisher: "",
          version: "",
          packageId: "",
          fileSha256: inputs.fileSha256 ?? "",
        },
      );
    }
    throw err;
  }
}

// --- outputs ----------------------------------------------------------------------------------------------------

function outputs(
  inputs: Record<string, unknown>,
  installed: Extension | undefined,
  environment: string,
  manifest?: AppManifest,
) {
  return {
    ...inputs,
    appId: installed?.id ?? manifest?.id ?? "",
    name: installed?.displayName ?? manifest?.name ?? "",
    publisher: installed?.publisher ?? manifest?.publisher ?? "",
    version: installed ? extensionVersion(installed) : "",
    packageId: installed?.packageId ?? "",
    fileSha256: (inputs.fileSha256 as string | undefined) ?? "",
    environment,
  };
}

function pickInputs(props: Inputs): Inputs {
  const rest: Inputs = { ...props };
  for (const key of OUTPUT_KEYS) delete rest[key];
  if (rest.appSource) delete rest.fileSha256;
  return rest;
}

function timeoutOf(inputs: Inputs, phase: "create" | "update" | "delete"): number {
  const raw = (inputs.timeouts as Record<string, string> | undefined)?.[phase];
  return (raw ? parseDuration(raw) : undefined) ?? DEFAULT_TIMEOUT_MS;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function same(a: unknown, b: unknown): boolean {
  const n = (v: unknown) => (v === undefined || v === null || v === "" ? undefined : v);
  return n(a) === n(b);
}
