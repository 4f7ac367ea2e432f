/** AppSource apps: installed, updated and uninstalled through the Admin Center, confirmed by the installed list. */
import { extensionVersion } from "../../automation";
import type { OperationContext } from "../framework/define";
import { installedPackage, startOnce, waitForAdminOperation } from "./bc";
import { type Inputs, refuseDowngrade } from "./check";
import { type Outputs, outputsOf } from "./outputs";
import { waitOrPartial } from "./partial";

type AppSourceInputs = Inputs & { appSource: { appId: string; version?: string } };

export async function createAppSource(ctx: OperationContext, inputs: AppSourceInputs): Promise<Outputs> {
  const { automation, environment } = ctx;
  const admin = ctx.connection.admin();
  const { appId, version: target } = inputs.appSource;
  const companyId = inputs.companyId;
  const existing = await installedPackage(automation, appId, companyId);
  if (existing) {
    const current = extensionVersion(existing);
    ctx.claimExisting({
      what: `The app ${existing.displayName} (${appId}) at ${current}`,
      id: appId,
      key: appId.toLowerCase(),
      verb: "is already installed",
    });
    if (target === undefined || target === current) return outputsOf(existing, inputs.fileSha256);
    refuseDowngrade("appSource.version", target, current);
    await updateAppSource(ctx, inputs, appId, target);
    const after = await installedPackage(automation, appId, companyId);
    return outputsOf(after ?? existing, inputs.fileSha256);
  }
  ctx.intendCreate(appId.toLowerCase());
  ctx.progress(`installing AppSource app ${appId}${target ? ` ${target}` : ""} in '${environment}'`);
  const op = await startOnce(admin, environment, appId, "install", ctx.progress, () =>
    admin.installApp(environment, appId, {
      acceptIsvEula: true,
      ...(target ? { targetVersion: target } : {}),
      installOrUpdateNeededDependencies: inputs.installDependencies === true,
    }),
  );
  await waitOrPartial(ctx, inputs, appId, "create", () =>
    waitForAdminOperation(admin, automation, environment, appId, op, {
      timeoutMs: ctx.timeoutMs("create"),
      targetVersion: target,
      companyId,
      progress: ctx.progress,
    }),
  );
  const installed = await installedPackage(automation, appId, companyId);
  if (!installed)
    throw new Error(
      `The install of ${appId} reported success, but the app is not listed as installed in '${environment}'.`,
    );
  return outputsOf(installed, inputs.fileSha256);
}

/** Brings an installed AppSource app to the inputs' version (no version: keeps what is installed). */
export async function updateAppSourceResource(ctx: OperationContext, id: string, news: AppSourceInputs) {
  const companyId = news.companyId;
  const installed = await installedPackage(ctx.automation, id, companyId);
  if (!installed) {
    throw new Error(
      `The AppSource app ${id} is no longer installed in '${ctx.environment}'. Run pulumi refresh, then pulumi up to install it again.`,
    );
  }
  const target = news.appSource.version;
  const current = extensionVersion(installed);
  if (target === undefined || target === current) return outputsOf(installed, news.fileSha256);
  refuseDowngrade("appSource.version", target, current);
  await updateAppSource(ctx, news, id, target);
  const after = await installedPackage(ctx.automation, id, companyId);
  return outputsOf(after ?? installed, news.fileSha256);
}

async function updateAppSource(ctx: OperationContext, inputs: Inputs, appId: string, target: string) {
  const { automation, environment } = ctx;
  const admin = ctx.connection.admin();
  ctx.progress(`updating AppSource app ${appId} to ${target}`);
  const op = await startOnce(admin, environment, appId, "update", ctx.progress, () =>
    admin.updateApp(environment, appId, {
      targetVersion: target,
      installOrUpdateNeededDependencies: inputs.installDependencies === true,
    }),
  );
  await waitOrPartial(ctx, inputs, appId, "update", () =>
    waitForAdminOperation(admin, automation, environment, appId, op, {
      timeoutMs: ctx.timeoutMs("update"),
      targetVersion: target,
      companyId: inputs.companyId,
      progress: ctx.progress,
    }),
  );
}

export async function uninstallAppSource(ctx: OperationContext, id: string, inputs: Inputs) {
  const { automation, environment } = ctx;
  const installed = await installedPackage(automation, id, inputs.companyId);
  if (!installed) return;
  const admin = ctx.connection.admin();
  ctx.progress(`uninstalling AppSource app ${installed.displayName} (${id}) from '${environment}'`);
  // A 404 here means the app is gone already (the framework treats not-found on delete as done).
  const op = await startOnce(admin, environment, id, "uninstall", ctx.progress, () =>
    admin.uninstallApp(environment, id, { deleteData: inputs.deleteData === true }),
  );
  await waitForAdminOperation(admin, automation, environment, id, op, {
    timeoutMs: ctx.timeoutMs("delete"),
    uninstall: true,
    companyId: inputs.companyId,
    progress: ctx.progress,
  });
}
