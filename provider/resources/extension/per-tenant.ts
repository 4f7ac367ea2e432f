/**
 * Per-tenant extensions (`.app` files): uploaded through the automation API's `extensionUpload` before BC 29 or the
 * Admin Center's `apps/pteInstall` from 29, followed to the installed list; uninstalled and unpublished on delete.
 */
import { openAsBlob } from "node:fs";
import type { PteDeploymentSchedule } from "../../admin";
import { type AutomationApi, type Extension, extensionVersion, type UploadSchedule } from "../../automation";
import { AmbiguousOutcomeError, isNotFound } from "../../errors";
import { fileBody } from "../../http";
import { compareVersions } from "../../../formats/version";
import type { OperationContext, State } from "../framework/define";
import { atLeast, bcVersion, extensionPolling, installedPackage, startOnce, waitForAdminOperation } from "./bc";
import { appFileOf, type Inputs, refuseDowngrade } from "./check";
import { type Outputs, outputsOf } from "./outputs";
import { waitOrPartial } from "./partial";

const PTE_SCHEDULE: Record<UploadSchedule, PteDeploymentSchedule> = {
  "Current version": "Immediate",
  "Next minor version": "NextMinorUpdate",
  "Next major version": "NextMajorUpdate",
};

export async function createFromFile(ctx: OperationContext, inputs: Inputs): Promise<{ id: string; outputs: Outputs }> {
  const manifest = appFileOf(inputs).manifest;
  const existing = await installedPackage(ctx.automation, manifest.id, inputs.companyId);
  if (existing) {
    const current = extensionVersion(existing);
    ctx.claimExisting({
      what: `The extension ${existing.displayName} (${manifest.id}) at ${current}`,
      id: manifest.id,
      key: manifest.id.toLowerCase(),
      verb: "is already installed",
    });
    if (current === manifest.version) return { id: manifest.id, outputs: outputsOf(existing, inputs.fileSha256) };
    refuseDowngrade("file", manifest.version, current);
  }
  if (!existing) ctx.intendCreate(manifest.id.toLowerCase());
  return { id: manifest.id, outputs: await uploadFile(ctx, inputs, existing, "create") };
}

export async function updateFromFile(
  ctx: OperationContext,
  id: string,
  olds: State<Inputs, Outputs>,
  news: Inputs,
): Promise<Outputs> {
  const installed = await installedPackage(ctx.automation, id, news.companyId);
  const recordedVersion = olds.inputs.manifestVersion ?? olds.outputs.version;
  const changedFile = news.fileSha256 !== olds.inputs.fileSha256 || news.manifestVersion !== recordedVersion;
  if (!changedFile && installed) return outputsOf(installed, news.fileSha256);
  return uploadFile(ctx, news, installed, "update");
}

/** Uploads the file (pteInstall or extensionUpload), waits for the deployment and returns the outputs. */
async function uploadFile(
  ctx: OperationContext,
  inputs: Inputs,
  installed: Extension | undefined,
  phase: "create" | "update",
): Promise<Outputs> {
  const { automation, environment } = ctx;
  const { path, sha256, manifest } = appFileOf(inputs);
  const companyId = inputs.companyId;
  if (installed) {
    const current = extensionVersion(installed);
    refuseDowngrade("file", manifest.version, current);
    if (compareVersions(manifest.version, current) === 0) {
      throw new Error(
        `file: version ${manifest.version} of ${manifest.name} is already installed, but the file's content changed. Business Central installs a new package only with a higher version: raise the version in app.json and build again.`,
      );
    }
  }
  const schedule = inputs.schedule ?? "Current version";
  const schemaSyncMode = inputs.schemaSyncMode ?? "Add";
  const via = await uploadPath(automation, inputs.uploadVia);
  const timeoutMs = ctx.timeoutMs(phase);
  const what = `${manifest.publisher} ${manifest.name} ${manifest.version}`;
  if (via === "pteInstall") {
    if (inputs.acceptIsvEula !== true) {
      throw new Error(
        `acceptIsvEula: BC ${environment} takes per-tenant extensions through the Admin Center's pteInstall, which requires acceptIsvEula: true (or set uploadVia: "extensionUpload" on BC before 29).`,
      );
    }
    const admin = ctx.connection.admin();
    ctx.progress(`uploading ${what} to '${environment}' through the Admin Center (pteInstall)`);
    const op = await startOnce(
      admin,
      environment,
      manifest.id,
      "install",
      ctx.progress,
      async () =>
        admin.pteInstall(environment, await openAsBlob(path, { type: "application/octet-stream" }), {
          deploymentSchedule: PTE_SCHEDULE[schedule],
          syncMode: schemaSyncMode === "Force Sync" ? "ForceSync" : "Add",
          acceptIsvEula: true,
          installOrUpdateNeededDependencies: inputs.installDependencies === true,
          fileName: `${manifest.publisher}_${manifest.name}_${manifest.version}.app`.replace(/[^\w.-]+/g, "_"),
        }),
      (op) => (op.targetAppVersion ?? op.targetVersion) === manifest.version,
    );
    if (schedule === "Current version") {
      await waitOrPartial(ctx, inputs, manifest.id, phase, () =>
        waitForAdminOperation(admin, automation, environment, manifest.id, op, {
          timeoutMs,
          targetVersion: manifest.version,
          companyId,
          progress: ctx.progress,
        }),
      );
    }
  } else {
    ctx.progress(`uploading ${what} to '${environment}' (extensionUpload, ${schedule}, ${schemaSyncMode})`);
    const row = await automation.extensionUpload.prepare({ schedule, schemaSyncMode }, { companyId });
    // Streamed from disk (reopened for each retry): a large .app is never held in memory.
    await automation.extensionUpload.putContent(row.systemId, fileBody(path), { companyId });
    const existingBefore = await automation.extensionDeploymentStatus.snapshot({ companyId });
    try {
      await automation.extensionUpload.upload(row.systemId, { companyId });
    } catch (err) {
      // The deployment row (or the installed list) tells whether it started; waitFor below finds out.
      if (!(err instanceof AmbiguousOutcomeError)) throw err;
      ctx.progress("the upload request's outcome is unknown; following the deployment status");
    }
    if (schedule === "Current version") {
      await waitOrPartial(ctx, inputs, manifest.id, phase, () =>
        automation.extensionDeploymentStatus.waitFor(
          { id: manifest.id, name: manifest.name, publisher: manifest.publisher, version: manifest.version },
          {
            timeoutMs,
            companyId,
            existingBefore,
            initialIntervalMs: extensionPolling.initialIntervalMs,
            maxIntervalMs: extensionPolling.maxIntervalMs,
            onProgress: ctx.progress,
          },
        ),
      );
    }
  }
  const after = await installedPackage(automation, manifest.id, companyId);
  if (schedule !== "Current version") {
    ctx.progress(`${what} is staged for the ${schedule.toLowerCase()}; it installs with that BC update`);
  } else if (!after || extensionVersion(after) !== manifest.version) {
    throw new Error(
      `The deployment of ${what} reported success, but ${manifest.version} is not listed as installed in '${environment}'.`,
    );
  }
  return outputsOf(after, sha256, manifest);
}

async function uploadPath(automation: AutomationApi, choice: unknown): Promise<"pteInstall" | "extensionUpload"> {
  if (choice === "pteInstall" || choice === "extensionUpload") return choice;
  const version = await bcVersion(automation);
  return atLeast(version, "29.0") ? "pteInstall" : "extensionUpload";
}

/** Uninstalls (optionally deleting data), then unpublishes what is no longer installed where BC allows it (25.4+). */
export async function removeFile(ctx: OperationContext, id: string, inputs: Inputs) {
  const { automation } = ctx;
  const companyId = inputs.companyId;
  const installed = await installedPackage(automation, id, companyId).catch((err) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  if (installed) {
    ctx.progress(
      `uninstalling ${installed.displayName} ${extensionVersion(installed)}${inputs.deleteData === true ? " and deleting its data" : ""}`,
    );
    if (inputs.deleteData === true)
      await automation.extensions.uninstallAndDeleteExtensionData(installed.packageId, { companyId });
    else await automation.extensions.uninstall(installed.packageId, { companyId });
  }
  if (inputs.unpublish === false) return;
  const version = await bcVersion(automation);
  if (!atLeast(version, "25.4")) {
    ctx.progress(
      `BC ${version ?? "(unknown version)"} cannot unpublish through the API (25.4+): the package stays published`,
    );
    return;
  }
  const packages = await automation.extensions.byAppId(id, { companyId });
  for (const p of packages.filter((p) => !p.isInstalled && !/global/i.test(p.publishedAs))) {
    try {
      ctx.progress(`unpublishing ${p.displayName} ${extensionVersion(p)}`);
      await automation.extensions.unpublish(p.packageId, { companyId });
    } catch (err) {
      if (isNotFound(err)) continue;
      ctx.progress(`could not unpublish ${p.displayName} ${extensionVersion(p)}: ${(err as Error).message}`);
    }
  }
}
