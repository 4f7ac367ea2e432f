import { BcError, dialog } from "../../errors";
import type { PublishedAppState } from "../../state/model";
import { BASE_APP_ID, stableGuid } from "../../state/seed";
import type { ActionResult, AutomationContext, EntitySetDef } from "../entity";
import { INSTALL_PERMISSION_ERR, requireExtensionManagement } from "./extension-permissions";
import { installPackage, uninstallPackage, unpublishPackage } from "../../domain/published-apps";

/**
 * Page 30002 "APIV2 - Aut. Extensions" over "Published Application" (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/itpro-introduction-to-automation-apis). Read-only; the actions
 * install (synchronous, Deleted ⇒ 204), uninstall / uninstallAndDeleteExtensionData (Updated ⇒ 200) and, from
 * 25.4, unpublish (Deleted ⇒ 204). `%1` in the messages is the app's name.
 */
export const extensionsSet: EntitySetDef<PublishedAppState> = {
  entitySet: "extensions",
  entityType: "extension",
  page: "APIV2 - Aut. Extensions",
  keys: [{ name: "packageId", type: "guid" }],
  fields: {
    packageId: { type: "guid" },
    id: { type: "guid" },
    displayName: { type: "string" },
    publisher: { type: "string" },
    versionMajor: { type: "int" },
    versionMinor: { type: "int" },
    versionBuild: { type: "int" },
    versionRevision: { type: "int" },
    isInstalled: { type: "bool" },
    publishedAs: { type: "enum", enumValues: ["Global", "PTE", "Dev"] },
  },
  list(ctx) {
    const rows = [...basePlatform(ctx), ...ctx.env.publishedApps.filter(listedOnline)];
    // Each row read computes isInstalled, which checks the caller's rights (./extension-permissions.ts).
    if (rows.length > 0) requireExtensionManagement(ctx, INSTALL_PERMISSION_ERR);
    return rows;
  },
  keyOf: (row) => ({ packageId: row.packageId }),
  toWire: (row, ctx) => {
    const version = isBaseApplication(row) ? ctx.env.applicationVersion : row.version;
    const [major, minor, build, revision] = version.split(".").map((p) => Number.parseInt(p, 10) || 0);
    return {
      packageId: row.packageId,
      id: row.id,
      displayName: row.displayName,
      publisher: row.publisher,
      versionMajor: major ?? 0,
      versionMinor: minor ?? 0,
      versionBuild: build ?? 0,
      versionRevision: revision ?? 0,
      isInstalled: row.isInstalled,
      // The option's member names Global, PTE, Dev (BC's AL source); no spaces, so unchanged on the wire.
      publishedAs: row.publishedAs,
    };
  },
  actions: {
    install(ctx, row): ActionResult {
      const outcome = installPackage(ctx.env, row);
      if (!outcome.ok) {
        switch (outcome.reason) {
          case "alreadyInstalled":
            throw dialog(`The extension ${row.displayName} is already installed.`);
          case "otherVersionInstalled":
            // [INF] wording: BC refuses installing a second version side by side.
            throw dialog(
              `The extension ${row.displayName} cannot be installed because version ${outcome.installed.version} of it is already installed.`,
            );
          case "dependencyNotPublished":
            throw dialog(
              `The extension ${row.displayName} cannot be installed because its dependency ${outcome.dependencyId} is not published.`,
            );
        }
      }
      return { kind: "Deleted" };
    },
    uninstall: (ctx, row) => uninstall(ctx, row, false),
    uninstallAndDeleteExtensionData: (ctx, row) => uninstall(ctx, row, true),
    unpublish(ctx, row): ActionResult {
      // Introduced in 25.4: below that the action does not exist, answered like any unbound action.
      if (!ctx.features.unpublish) {
        throw new BcError(
          400,
          "BadRequest_NotFound",
          "The action 'Microsoft.NAV.unpublish' is not bound to 'extensions'.",
        );
      }
      const outcome = unpublishPackage(ctx.env, row);
      if (!outcome.ok) throw dialog(`The extension ${row.displayName} cannot be unpublished because it is installed.`);
      return { kind: "Deleted" };
    },
  },
};

function uninstall(ctx: AutomationContext, row: PublishedAppState, deleteData: boolean): ActionResult {
  const outcome = uninstallPackage(ctx.env, row, deleteData);
  if (!outcome.ok) throw dialog(`The extension ${row.displayName} is not installed.`);
  return { kind: "Updated" };
}

/**
 * The Base Application is installed in every environment, at the environment's application version: the dependable
 * source of a client's BC version. A seed that leaves it out still gets it listed.
 */
const isBaseApplication = (row: PublishedAppState) => row.isInstalled && row.id.toLowerCase() === BASE_APP_ID;

function basePlatform(ctx: AutomationContext): PublishedAppState[] {
  if (ctx.env.publishedApps.some(isBaseApplication)) return [];
  return [
    {
      packageId: stableGuid("base-application", ctx.env.name, ctx.env.applicationVersion),
      id: BASE_APP_ID,
      displayName: "Base Application",
      publisher: "Microsoft",
      version: ctx.env.applicationVersion,
      publishedAs: "Global",
      isInstalled: true,
      tenantVisible: true,
      perTenant: false,
      dependencies: [],
    },
  ];
}

/**
 * The page's OnOpenPage filter in SaaS: no `_Exclude_` names, tenant-visible only, and per-tenant or installed —
 * so uninstalled global (AppSource/Microsoft) apps are not listed. The emulator always behaves as SaaS.
 */
export function listedOnline(row: PublishedAppState): boolean {
  return row.tenantVisible && !row.displayName.startsWith("_Exclude_") && (row.perTenant || row.isInstalled);
}
