/**
 * Permissions, by reading each endpoint the resources use: a refusal names the permission set to assign. BC
 * refuses with 403, or for extensions with its 400 permission dialog (both recognised by isPermissionRefusal).
 */
import { isNotFound, isPermissionRefusal } from "../errors";
import { failure } from "./failure";
import { type Check, companyOf, type DoctorCheck, type DoctorState } from "./types";

interface Probe {
  id: string;
  title: string;
  path: string;
  permissionSet: "D365 AUTOMATION" | "EXTEN. MGT. - ADMIN";
  /** Older BC versions lack the endpoint: a warning with this fix rather than a failure. */
  absentFix?: string;
}

const PROBES: readonly Probe[] = [
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
    absentFix: "Per-tenant extensions must be deployed through the Admin Center API (pteInstall).",
  },
];

export const permissionsCheck: DoctorCheck = {
  name: "permissions",
  async run(state) {
    const checks: Check[] = [];
    for (const probe of PROBES) checks.push(await runProbe(state, probe));
    return checks;
  },
};

async function runProbe(state: DoctorState, probe: Probe): Promise<Check> {
  const { id, title, path } = probe;
  const { client } = state.automation;
  try {
    await client.getJson(`${client.companyUrl(companyOf(state), path)}?$top=1`);
    return { id, title, status: "ok", detail: `GET ${path} succeeded` };
  } catch (err) {
    if (isPermissionRefusal(err)) {
      return {
        id,
        title,
        status: "fail",
        detail: `GET ${path} was refused: ${err.serviceMessage}`,
        fix: `Assign the permission set ${probe.permissionSet} to the app on the environment's "Microsoft Entra applications" page (with Company empty), or, if it is limited to one company, set businesscentral:scopeCompany to that company.`,
      };
    }
    if (probe.absentFix && isNotFound(err)) {
      return { id, title, status: "warn", detail: `${path} is not available in this version`, fix: probe.absentFix };
    }
    return failure(id, title, err);
  }
}
