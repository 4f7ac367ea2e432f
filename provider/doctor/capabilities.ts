/**
 * What the environment offers, which decides how the resources work there: its BC version, legacy user groups,
 * security groups, per-tenant upload through the Automation API, and the Admin Center API.
 */
import { BcApiError, isAuth, isNotFound } from "../errors";
import { ADMIN_ROLE } from "../errors/hints";
import { type AutomationApi, BASE_APPLICATION_ID, extensionVersion } from "../automation";
import { isFourPartVersion } from "../../formats/version";
import { companyOf, type DoctorCheck } from "./types";

/**
 * The BC version as the resources decide it: the installed Base Application's version, else
 * `companies.systemVersion` when it has the form a.b.c.d (real tenants also send forms like "24012");
 * both are shown when they differ.
 */
export const versionCheck: DoctorCheck = {
  name: "version",
  async run(state) {
    const systemVersion = (state.companies ?? []).map((c) => c.systemVersion).find((v) => v && isFourPartVersion(v));
    const baseApp = await baseApplicationVersion(state.automation);
    const version = baseApp.version ?? systemVersion;
    state.report.bcVersion = version;
    const detail = version
      ? `${version}${systemVersion && systemVersion !== version ? ` (companies report ${systemVersion})` : ""}`
      : `unknown (${baseApp.problem ?? "no Base Application in the extensions list"}, and no four-part systemVersion)`;
    return [{ id: "version", title: "Business Central version", status: version ? "ok" : "warn", detail }];
  },
};

async function baseApplicationVersion(automation: AutomationApi): Promise<{ version?: string; problem?: string }> {
  try {
    const installed = (await automation.extensions.byAppId(BASE_APPLICATION_ID)).find((e) => e.isInstalled);
    return { version: installed && extensionVersion(installed) };
  } catch (err) {
    return {
      problem: `extensions could not be read: ${err instanceof BcApiError ? err.code : (err as Error).message}`,
    };
  }
}

export const featuresCheck: DoctorCheck = {
  name: "features",
  async run(state) {
    const { automation, report } = state;
    const companyId = companyOf(state);
    const userGroups = await available(() => automation.userGroups.list({ companyId, top: 1 }));
    const securityGroups = await available(() => automation.securityGroups.list({ companyId, top: 1 }));
    const extensionUpload = await available(() =>
      automation.client.getJson(automation.client.companyUrl(companyId, "extensionUpload")),
    );
    Object.assign(report.features, { userGroups, securityGroups, extensionUpload });
    return [
      {
        id: "feature.userGroups",
        title: "legacy user groups",
        status: "ok",
        detail:
          userGroups === true
            ? "available (BC ≤ 24)"
            : "not available: assign permission sets directly or through security groups (BC ≥ 25)",
      },
      {
        id: "feature.securityGroups",
        title: "security groups",
        status: "ok",
        detail: securityGroups === true ? "available" : "not available (BC < 22)",
      },
      {
        id: "feature.extensionUpload",
        title: "per-tenant extension upload through the Automation API",
        status: "ok",
        detail:
          extensionUpload === true ? "available (extensionUpload)" : "not available: use the Admin Center pteInstall",
      },
    ];
  },
};

/**
 * Only AppSource apps, pteInstall and Environment resources need the Admin Center API, so a refusal is a warning.
 * It needs two things (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/administration-center-api): the app role in the token, and the app under "Authorized Microsoft Entra
 * apps"; the fix names the one that is missing.
 */
export const adminCenterCheck: DoctorCheck = {
  name: "adminCenter",
  async run({ connection, settings, report, token }) {
    const admin = connection.admin();
    const title = "Admin Center API";
    const hasRole = token === undefined || token.roles.includes(ADMIN_ROLE);
    try {
      await admin.getEnvironment(settings.environment);
      Object.assign(report.features, { adminCenter: true, pteInstall: "unknown" });
      const detail = `the app can use the Admin Center API (pteInstall needs API ${admin.version("v2.29")})`;
      return [{ id: "feature.adminCenter", title, status: "ok", detail }];
    } catch (err) {
      Object.assign(report.features, { adminCenter: false, pteInstall: false });
      const why =
        err instanceof BcApiError ? `${err.status} ${err.code}: ${err.serviceMessage}` : (err as Error).message;
      return [
        {
          id: "feature.adminCenter",
          title,
          status: "warn",
          detail: `not usable (${why}); only needed for AppSource apps, pteInstall and Environment resources`,
          fix: isAuth(err) ? adminCenterFix(hasRole, settings.clientId) : undefined,
        },
      ];
    }
  },
};

function adminCenterFix(hasRole: boolean, clientId: string): string {
  const authorize = `add the app (client id ${clientId}) under "Authorized Microsoft Entra apps" in the Business Central admin center`;
  return hasRole
    ? `The token has ${ADMIN_ROLE}, so the app is most likely not authorized: ${authorize}.`
    : `The token lacks the application permission ${ADMIN_ROLE}: grant it to the app with admin consent, and ${authorize}.`;
}

async function available(probe: () => Promise<unknown>): Promise<boolean | "unknown"> {
  try {
    await probe();
    return true;
  } catch (err) {
    return isNotFound(err) ? false : "unknown";
  }
}
