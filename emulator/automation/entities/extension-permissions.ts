/**
 * Extension management needs `EXTEN. MGT. - ADMIN` beyond D365 AUTOMATION. BC does not refuse the pages up front:
 * the AL code behind them calls `Error()`, which the API answers as 400 `Application_DialogException`
 * (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/webservices/dynamics-error-codes), with the texts of the System Application [SRC BCApps `ExtensionInstallationImpl.Codeunit.al`,
 * `ExtensionOperationImpl.Codeunit.al`]:
 *
 * - reading an `extensions` row computes `isInstalled` through `IsInstalledByPackageId`, which checks the caller's
 *   rights on "NAV App Installed App" and raises `PermissionErr` — so every request on the page fails with it;
 * - `extensionUpload(…)/Microsoft.NAV.upload` and reading an `extensionDeploymentStatus` row (`GetDeployOperationInfo`)
 *   call `CheckPermissions`, which raises `NotSufficientPermissionErr`.
 */
import { dialog } from "../../errors";
import { hasPermissionSet } from "../auth";
import type { AutomationContext } from "../entity";

export const EXTENSION_MANAGEMENT_SET = "EXTEN. MGT. - ADMIN";

export const INSTALL_PERMISSION_ERR =
  "You do not have the required permissions to install the selected app. Contact your Partner or system administrator to install the app or assign you permissions.";

export const MANAGE_PERMISSION_ERR =
  "You do not have sufficient permissions to manage extensions. Please contact your administrator.";

/** Raises the AL error `message` unless the caller holds EXTEN. MGT. - ADMIN in the request's company. */
export function requireExtensionManagement(ctx: AutomationContext, message: string): void {
  if (!hasPermissionSet(ctx.env, ctx.caller.userSecurityId, EXTENSION_MANAGEMENT_SET, ctx.company?.name)) {
    throw dialog(message);
  }
}
