import { BcError, dialog } from "../../errors";
import type { PublishedAppState } from "../../state/model";
import type { ActionResult, AutomationContext, EntitySetDef } from "../entity";
import { installPackage, uninstallPackage, unpublishPackage } from "../../domain/published-apps";

export const EXTENSION_MANAGEMENT_SET = "EXTEN. MGT. - ADMIN";

/**
 * Page 30002 "APIV2 - Aut. Extensions" over "Published Application" (reference §6.1). Read-only; the actions
 * install (synchronous, Deleted ⇒ 204), uninstall / uninstallAndDeleteExtensionData (Updated ⇒ 200) and, from
 * 25.4, unpublish (Deleted ⇒ 204). `%1` in the messages is the app's name.
 */
export const extensionsSet: EntitySetDef<PublishedAppState> = {
  entitySet: "extensions",
  entityType: "extension",
  page: "APIV2 - Aut. Extensions",
  requires: EXTENSION_MANAGEMENT_SET,
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
  list: (ctx) => ctx.env.publishedApps.filter(listedOnline),
  keyOf: (row) => ({ packageId: row.packageId }),
  toWire: (row) => {
    const [major, minor, build, revision] = row.version.split(".").map((p) => Number.parseInt(p, 10) || 0);
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
      // The option's member names Global, PTE, Dev (real-wire.md §1 [SRC]); no spaces, so unchanged on the wire.
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
 * The page's OnOpenPage filter in SaaS: no `_Exclude_` names, tenant-visible only, and per-tenant or installed —
 * so uninstalled global (AppSource/Microsoft) apps are not listed. The emulator always behaves as SaaS.
 */
export function listedOnline(row: PublishedAppState): boolean {
  return row.tenantVisible && !row.displayName.startsWith("_Exclude_") && (row.perTenant || row.isInstalled);
}
