/** Extension inputs: their schema, the checks across them, and what check derives from a `.app` file. */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { AppFileError, type AppManifest, readAppFileManifest } from "../../../formats/navx";
import { compareVersions, normaliseVersion } from "../../../formats/version";
import type { InputsOf } from "../framework/define";
import type { PropertyBag } from "../framework/diff";
import { containsUnknown, guid } from "../framework/inputs";

const version = z
  .string()
  .trim()
  .refine((v) => normaliseVersion(v) !== undefined, "must be a version like 1.2.0.0 (major.minor[.build[.revision]])")
  .transform((v) => normaliseVersion(v) as string);

export const SCHEDULES = ["Current version", "Next minor version", "Next major version"] as const;

export const inputs = {
  appSource: z
    .object({ appId: guid("AppSource app id").transform((v) => v.toLowerCase()), version: version.optional() })
    .strict()
    .optional(),
  filePath: z.string().min(1, "must be the path of a .app file").optional(),
  acceptIsvEula: z.boolean().optional(),
  installDependencies: z.boolean().optional(),
  schedule: z
    .enum(SCHEDULES, { error: 'must be "Current version", "Next minor version" or "Next major version"' })
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
export type Inputs = InputsOf<typeof inputs>;

export const DERIVED = ["fileSha256", "manifestAppId", "manifestVersion"] as const;
const FILE_ONLY = ["schedule", "schemaSyncMode", "uploadVia", "unpublish"] as const;

export function crossCheck(values: Partial<Inputs>, olds: PropertyBag): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const hasApp = values.appSource !== undefined;
  const hasFile = values.filePath !== undefined;
  if (hasApp === hasFile) {
    failures.push({
      property: hasApp ? "file" : "appSource",
      reason: hasApp
        ? "set exactly one of appSource and file, not both"
        : "set exactly one of appSource (an AppSource app) and file (a per-tenant .app)",
    });
    return failures;
  }
  if (values.appSource !== undefined) {
    if (values.acceptIsvEula !== true && !containsUnknown(values.acceptIsvEula)) {
      failures.push({
        property: "acceptIsvEula",
        reason:
          "must be true to install an AppSource app: set acceptIsvEula: true to state that you accept the publisher's license terms",
      });
    }
    for (const key of FILE_ONLY) {
      if (values[key] !== undefined)
        failures.push({ property: key, reason: "applies to file (per-tenant extensions) only; remove it" });
    }
    const app = values.appSource;
    const previous = olds.appSource as { appId?: unknown; version?: unknown } | undefined;
    if (!containsUnknown(app) && previous && app.version !== undefined) {
      const downgrade = downgradeFailure("appSource.version", previous.appId, previous.version, app.appId, app.version);
      if (downgrade) failures.push(downgrade);
    }
  } else if (values.uploadVia === "pteInstall" && values.acceptIsvEula !== true) {
    failures.push({
      property: "acceptIsvEula",
      reason: 'must be true with uploadVia "pteInstall" (the Admin Center requires it)',
    });
  }
  return failures;
}

/** Derives the file's hash, app id and version (never taken from the program), and refuses downgrades. */
export function prepare(values: Inputs, olds: PropertyBag): pulumi.dynamic.CheckFailure[] | undefined {
  if (values.filePath === undefined || containsUnknown(values.filePath)) return undefined;
  let manifest: AppManifest;
  try {
    const read = readAppFileManifest(values.filePath);
    manifest = read.manifest;
    values.fileSha256 = read.sha256;
  } catch (err) {
    if (!(err instanceof AppFileError)) throw err;
    return [{ property: "file", reason: `${err.message}. Point file at a .app built by the AL compiler.` }];
  }
  values.manifestAppId = manifest.id;
  values.manifestVersion = manifest.version;
  const previousAppId = olds.filePath ? olds.manifestAppId : undefined;
  const downgrade = downgradeFailure("file", previousAppId, olds.manifestVersion, manifest.id, manifest.version);
  return downgrade ? [downgrade] : undefined;
}

function downgradeFailure(
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

export function downgradeMessage(property: string, next: string, current: string): string {
  return (
    `${property}: version ${next} is lower than the installed ${current}. Business Central cannot downgrade an extension in place; ` +
    "to go back, uninstall it first (remove the resource and run up, or replace it: pulumi up --replace <urn>), then install the lower version"
  );
}

/** Refuses a target version lower than the installed one (BC cannot downgrade in place). */
export function refuseDowngrade(property: string, target: string, current: string): void {
  if (compareVersions(target, current) < 0) throw new Error(downgradeMessage(property, target, current));
}

/** The manifest and hash of the inputs' `.app`, read again at the operation (check validated it); the file stays on disk. */
export function appFileOf(inputs: Inputs) {
  try {
    return { path: String(inputs.filePath), ...readAppFileManifest(String(inputs.filePath)) };
  } catch (err) {
    if (err instanceof AppFileError) throw new Error(`file: ${err.message}`);
    throw err;
  }
}
