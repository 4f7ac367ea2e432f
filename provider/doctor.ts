/**
 * `pulumi-businesscentral doctor`: checks a connection end to end the way the resources will use it, and says
 * what to fix for each failure. Steps, each building on the previous:
 *
 *  1. settings resolve (flags › environment variables);
 *  2. Entra issues a token, and the token carries Automation.ReadWrite.All (admin consent);
 *  3. BC accepts the token for the environment (a 401 here, after a good token, means the app is not registered
 *     or not Enabled on the environment's "Microsoft Entra applications" page) and lists companies;
 *  4. the BC version (companies' systemVersion, or the Base Application's version);
 *  5. permissions, by probing the endpoints the resources use (D365 AUTOMATION, EXTEN. MGT. - ADMIN);
 *  6. features: legacy user groups, security groups, automation extensionUpload, Admin Center pteInstall.
 *
 * Nothing printed contains a secret: the credential is described by kind and source, certificates by thumbprint.
 */
import { certificateMaterial } from "./auth/certificate";
import { type AccessToken, TokenProvider } from "./auth/token-provider";
import { AutomationApi } from "./automation";
import { extensionVersion } from "./automation/extensions";
import type { Company } from "./automation/schemas";
import type { ConnectionSettings } from "./config";
import { BcApiError, isAuth, isNotFound } from "./errors";
import { HttpClient } from "./http/client";
import { sharedDispatcher } from "./http/dispatcher";
import { limiterFor } from "./http/limiter";
import { AdminCenterApi } from "./admin";
import { principalKey } from "./config";
import { redactText } from "./redact";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

export interface Check {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do, for warn/fail. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  environment?: string;
  tenantId?: string;
  clientId?: string;
  bcVersion?: string;
  companies?: string[];
  features: Record<string, boolean | "unknown">;
  checks: Check[];
}

export const AUTOMATION_ROLE = "Automation.ReadWrite.All";
const ADMIN_ROLE = "AdminCenter.ReadWrite.All";

const REGISTER_FIX =
  'In Business Central (this environment), open "Microsoft Entra applications", choose New, enter the client id, ' +
  "set State = Enabled and add the permission sets D365 AUTOMATION and EXTEN. MGT. - ADMIN.";

interface Probe {
  id: string;
  title: string;
  path: string;
  permissionSet: string;
}

const PROBES: Probe[] = [
  {
    id: "perm.automationCompanies",
    title: "companies can be managed",
    path: "automationCompanies",
    permissionSet: "D365 AUTOMATION",
  },
  {
    id: "perm.configurationPackages",
    title: "configuration packages can be managed",
    path: "configurationPackages",
    permissionSet: "D365 AUTOMATION",
  },
  { id: "perm.users", title: "users can be read", path: "users", permissionSet: "D365 AUTOMATION" },
  {
    id: "perm.permissionSets",
    title: "permission sets can be read",
    path: "permissionSets",
    permissionSet: "D365 AUTOMATION",
  },
  {
    id: "perm.extensions",
    title: "extensions can be managed",
    path: "extensions",
    permissionSet: "EXTEN. MGT. - ADMIN",
  },
  {
    id: "perm.extensionDeploymentStatus",
    title: "extension deployments can be followed",
    path: "extensionDeploymentStatus",
    permissionSet: "EXTEN. MGT. - ADMIN",
  },
];

export interface DoctorOptions {
  settings: ConnectionSettings;
  /** Where the credential came from, for the report (e.g. "AZURE_CLIENT_SECRET"). */
  credentialSource?: string;
  /** Per-request deadline (ms). Default 60 s. */
  deadlineMs?: number;
}

export async function runDoctor(options: DoctorOptions): Promise<DoctorReport> {
  const { settings } = options;
  const checks: Check[] = [];
  const features: DoctorReport["features"] = {};
  const report: DoctorReport = {
    ok: false,
    environment: settings.environment,
    tenantId: settings.tenantId,
    clientId: settings.clientId,
    features,
    checks,
  };
  const add = (check: Check) => {
    checks.push({ ...check, detail: redactText(check.detail), fix: check.fix && redactText(check.fix) });
  };

  add({
    id: "settings",
    title: "connection settings",
    status: "ok",
    detail: describeSettings(settings, options.credentialSource),
  });

  // 2. Token.
  const dispatcher = sharedDispatcher({ caCertPem: settings.caCertPem, proxy: settings.proxy });
  const tokens = new TokenProvider(settings, { dispatcher });
  let token: AccessToken;
  try {
    token = await tokens.getToken();
  } catch (err) {
    add(failure("token", "Entra ID issues a token", err));
    return finish(report);
  }
  add({
    id: "token",
    title: "Entra ID issues a token",
    status: "ok",
    detail: `token for app ${token.appId ?? settings.clientId}, valid until ${new Date(token.expiresOnMs).toISOString()}`,
  });
  if (token.roles.includes(AUTOMATION_ROLE)) {
    add({
      id: "consent",
      title: `admin consent for ${AUTOMATION_ROLE}`,
      status: "ok",
      detail: `roles: ${token.roles.join(", ")}`,
    });
  } else {
    add({
      id: "consent",
      title: `admin consent for ${AUTOMATION_ROLE}`,
      status: "fail",
      detail: `the token carries no ${AUTOMATION_ROLE} role (roles: ${token.roles.join(", ") || "none"})`,
      fix:
        'Entra admin center › App registrations › the app › API permissions › Add a permission › "Dynamics 365 Business Central" › ' +
        `Application permissions › ${AUTOMATION_ROLE}, then "Grant admin consent".`,
    });
  }

  const http = new HttpClient({
    dispatcher,
    tokens,
    limiter: limiterFor(principalKey(settings)),
    retry: { maxAttempts: 3, baseDelayMs: 500 },
    deadlineMs: options.deadlineMs ?? 60_000,
    timeoutMs: 30_000,
  });
  const api = new AutomationApi(http, {
    apiBaseUrl: settings.apiBaseUrl,
    tenantId: settings.tenantId,
    environment: settings.environment,
    tenantInUrl: settings.tenantInUrl,
  });

  // 3. Registration in the environment + companies.
  let companies: Company[];
  try {
    companies = await api.companies.list();
  } catch (err) {
    if (err instanceof BcApiError && err.status === 401) {
      add({
        id: "registration",
        title: `app is registered in environment '${settings.environment}'`,
        status: "fail",
        detail: `Business Central rejected a valid token (${err.code}${err.correlationId ? `, correlation id ${err.correlationId}` : ""})`,
        fix: `${REGISTER_FIX} If it is registered, check that State is Enabled; new registrations can take a minute.`,
      });
    } else if (err instanceof BcApiError && err.status === 404) {
      add({
        id: "registration",
        title: `environment '${settings.environment}' exists`,
        status: "fail",
        detail: err.serviceMessage,
        fix: "Check the environment name (--environment, BC_ENVIRONMENT or businesscentral:environment) and the tenant id.",
      });
    } else {
      add(failure("registration", `app is registered in environment '${settings.environment}'`, err));
    }
    return finish(report);
  }
  add({
    id: "registration",
    title: `app is registered in environment '${settings.environment}'`,
    status: "ok",
    detail: "Business Central accepts the token",
  });
  report.companies = companies.map((c) => c.name);
  if (companies.length === 0) {
    add({
      id: "companies",
      title: "companies are listed",
      status: "fail",
      detail: "the environment has no company; automation URLs need one",
      fix: "Create a company in the Business Central admin center or web client first.",
    });
    return finish(report);
  }
  add({
    id: "companies",
    title: "companies are listed",
    status: "ok",
    detail: `${companies.length}: ${report.companies.join(", ")}`,
  });
  const companyId = companies[0]!.id;

  // 5. Permissions (also yields the version from the Base Application when systemVersion is absent).
  let baseAppVersion: string | undefined;
  for (const probe of PROBES) {
    try {
      const body = (await api.client.getJson(
        `${api.client.companyUrl(companyId, probe.path)}?$top=${probe.path === "extensions" ? 1000 : 1}`,
      )) as {
        value?: { displayName?: string; publisher?: string }[];
      };
      if (probe.path === "extensions") {
        const base = body.value?.find((e) => e.displayName === "Base Application" && e.publisher === "Microsoft");
        if (base) baseAppVersion = extensionVersion(base as Parameters<typeof extensionVersion>[0]);
      }
      add({ id: probe.id, title: probe.title, status: "ok", detail: `GET ${probe.path} succeeded` });
    } catch (err) {
      if (err instanceof BcApiError && (err.status === 403 || err.code.startsWith("Authorization_"))) {
        add({
          id: probe.id,
          title: probe.title,
          status: "fail",
          detail: `GET ${probe.path} was refused: ${err.serviceMessage}`,
          fix: `Assign the permission set ${probe.permissionSet} to the app on the environment's "Microsoft Entra applications" page.`,
        });
      } else if (isNotFound(err) && probe.path === "extensionDeploymentStatus") {
        add({
          id: probe.id,
          title: probe.title,
          status: "warn",
          detail: "extensionDeploymentStatus is not available in this version",
          fix: "Per-tenant extensions must be deployed through the Admin Center API (pteInstall).",
        });
      } else {
        add(failure(probe.id, probe.title, err));
      }
    }
  }

  // 4. Version.
  const systemVersion = companies.find((c) => c.systemVersion)?.systemVersion;
  report.bcVersion = systemVersion ?? baseAppVersion;
  add({
    id: "version",
    title: "Business Central version",
    status: report.bcVersion ? "ok" : "warn",
    detail: report.bcVersion
      ? `${report.bcVersion}${baseAppVersion && baseAppVersion !== systemVersion ? ` (Base Application ${baseAppVersion})` : ""}`
      : "unknown (no systemVersion and no Base Application in the extensions list)",
  });

  // 6. Features.
  features.userGroups = await available(() => api.userGroups.list({ companyId, top: 1 }));
  features.securityGroups = await available(() => api.securityGroups.list({ companyId, top: 1 }));
  features.extensionUpload = await available(() =>
    api.client.getJson(api.client.companyUrl(companyId, "extensionUpload")),
  );
  add({
    id: "feature.userGroups",
    title: "legacy user groups",
    status: "ok",
    detail:
      features.userGroups === true
        ? "available (BC ≤ 24)"
        : "not available: assign permission sets directly or through security groups (BC ≥ 25)",
  });
  add({
    id: "feature.securityGroups",
    title: "security groups",
    status: "ok",
    detail: features.securityGroups === true ? "available" : "not available (BC < 22)",
  });
  add({
    id: "feature.extensionUpload",
    title: "per-tenant extension upload through the Automation API",
    status: "ok",
    detail:
      features.extensionUpload === true
        ? "available (extensionUpload)"
        : "not available: use the Admin Center pteInstall",
  });

  const admin = new AdminCenterApi(http, { apiBaseUrl: settings.apiBaseUrl, apiVersion: settings.adminApiVersion });
  try {
    await admin.getEnvironment(settings.environment);
    features.adminCenter = true;
    features.pteInstall = "unknown";
    add({
      id: "feature.adminCenter",
      title: "Admin Center API",
      status: "ok",
      detail: `the app can use the Admin Center API (pteInstall needs API ${admin.version("v2.29")})`,
    });
  } catch (err) {
    features.adminCenter = false;
    features.pteInstall = false;
    const detail =
      err instanceof BcApiError ? `${err.status} ${err.code}: ${err.serviceMessage}` : (err as Error).message;
    add({
      id: "feature.adminCenter",
      title: "Admin Center API",
      status: "warn",
      detail: `not usable (${detail}); only needed for AppSource apps and pteInstall`,
      fix: isAuth(err)
        ? `Grant the app the application permission ${ADMIN_ROLE} (with admin consent) and add it under "Authorized Microsoft Entra apps" in the Business Central admin center.`
        : undefined,
    });
  }
  return finish(report);
}

function finish(report: DoctorReport): DoctorReport {
  report.ok = report.checks.every((c) => c.status !== "fail");
  return report;
}

async function available(probe: () => Promise<unknown>): Promise<boolean | "unknown"> {
  try {
    await probe();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    return "unknown";
  }
}

function failure(id: string, title: string, err: unknown): Check {
  if (err instanceof BcApiError) {
    return {
      id,
      title,
      status: "fail",
      detail: `${err.code}${err.status ? ` (HTTP ${err.status})` : ""}: ${err.serviceMessage}${err.correlationId ? ` [correlation id ${err.correlationId}]` : ""}`,
      fix: err.hint,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { id, title, status: "fail", detail: message, fix: networkFix(message) };
}

function networkFix(message: string): string | undefined {
  if (/certificate|TLS|self.signed/i.test(message)) return "Trust the server's CA with --ca-cert or BC_CA_CERT_PATH.";
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|timed out/i.test(message))
    return "Check the host names, network and proxy (HTTPS_PROXY).";
  return undefined;
}

function describeSettings(settings: ConnectionSettings, source?: string): string {
  const c = settings.credential;
  let credential: string;
  switch (c.kind) {
    case "secret":
      credential = "client secret";
      break;
    case "certificate":
      try {
        const m = certificateMaterial(c.certificatePem, c.privateKeyPem);
        credential = `certificate '${m.subject}' (SHA-1 ${m.thumbprintSha1}, expires ${m.notAfter.toISOString().slice(0, 10)})`;
      } catch (err) {
        credential = `certificate (unusable: ${(err as Error).message})`;
      }
      break;
    case "federated":
      credential = "tokenFile" in c ? `federated token file ${c.tokenFile}` : "federated token callback";
      break;
  }
  return (
    `tenant ${settings.tenantId}, client ${settings.clientId}, environment '${settings.environment}', ` +
    `${credential}${source ? ` (from ${source})` : ""}; authority ${settings.authorityHost}, API ${settings.apiBaseUrl}` +
    `${settings.caCertPath ? `, extra CA ${settings.caCertPath}` : ""}${settings.proxy ? `, proxy ${new URL(settings.proxy).host}` : ""}`
  );
}

const SYMBOL: Record<CheckStatus, string> = { ok: "✔", warn: "!", fail: "✖", skip: "-" };

/** The human-readable report. */
export function formatReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    lines.push(`${SYMBOL[check.status]} ${check.title}: ${check.detail}`);
    if (check.fix && check.status !== "ok") lines.push(`    fix: ${check.fix}`);
  }
  const fails = report.checks.filter((c) => c.status === "fail").length;
  const warns = report.checks.filter((c) => c.status === "warn").length;
  lines.push("");
  lines.push(
    report.ok
      ? `All checks passed${warns ? ` (${warns} warning${warns > 1 ? "s" : ""})` : ""}.`
      : `${fails} check${fails > 1 ? "s" : ""} failed.`,
  );
  return redactText(lines.join("\n"));
}
