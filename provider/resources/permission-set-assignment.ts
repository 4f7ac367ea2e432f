import { z } from "zod";
import type { AutomationApi, PermissionSet, UserPermission } from "../api";
import { isNotFound } from "../errors";
import { connectionFor, progress } from "./context";
import { type ChangeKind, diffByTable } from "./diff";
import type { ResourceHandler } from "./handler";
import { checkInputs, code, connectionFields, guid, text, userInputs } from "./inputs";
import { exactlyOne, granteeFromState, PRINCIPAL_KEYS, principalChanges, resolvePrincipal } from "./principals";

const shape = {
  ...connectionFields,
  userSecurityId: guid("user's security id (Users page → User Security ID)").optional(),
  userName: text(50).trim().min(1, "must not be empty").optional(),
  securityGroupId: guid("security group's Entra group object id").optional(),
  roleId: code(20),
  company: text(30).optional(),
  scope: z.enum(["System", "Tenant"], { error: 'must be "System" or "Tenant"' }).optional(),
  appId: guid("id of the app that defines the permission set").optional(),
  companyId: guid("id of a company used in API paths").optional(),
};

/** How each input change is applied (docs/resources/permission-set-assignment.md). */
export const PERMISSION_SET_ASSIGNMENT_DIFF: Record<string, ChangeKind> = {
  roleId: "replace",
  company: "replace",
  scope: "replace",
  appId: "replace",
  environment: "replace",
  companyId: "ignore",
  adopt: "ignore",
  timeouts: "ignore",
};

const KIND = "PermissionSetAssignment";

function outputs(
  inputs: Record<string, unknown>,
  assignment: UserPermission,
  principalSecurityId: string,
  environment: string,
) {
  return {
    ...inputs,
    company: String(inputs.company ?? ""),
    assignmentId: assignment.id,
    principalSecurityId,
    roleName: assignment.displayName,
    resolvedScope: assignment.scope,
    resolvedAppId: assignment.appId.toLowerCase(),
    environment,
  };
}

const describe = (p: { id: string; scope: string; appId: string; extensionName: string }) =>
  `${p.id} (scope ${p.scope}, appId ${p.appId.toLowerCase()}, extension '${p.extensionName}')`;

/**
 * The one permission set an assignment means: by roleId, narrowed by scope/appId. None or several ⇒ an error
 * naming the candidates and the input that picks one.
 */
export async function resolvePermissionSet(
  automation: AutomationApi,
  wanted: { roleId: string; scope?: string; appId?: string },
  companyId?: string,
): Promise<PermissionSet> {
  const all = await automation.permissionSets.find(wanted.roleId, { companyId });
  const matching = all.filter(
    (p) =>
      (wanted.scope === undefined || p.scope === wanted.scope) &&
      (wanted.appId === undefined || p.appId.toLowerCase() === wanted.appId.toLowerCase()),
  );
  if (matching.length === 1) return matching[0]!;
  const environment = automation.environment;
  if (matching.length > 1) {
    throw new Error(
      `roleId: permission set '${wanted.roleId}' is defined ${matching.length} times in environment '${environment}':\n` +
        matching.map((p) => `  - ${describe(p)}`).join("\n") +
        `\nSet scope ("System" or "Tenant") and/or appId to the one you mean, e.g. scope: "${matching[0]!.scope}", appId: "${matching[0]!.appId.toLowerCase()}".`,
    );
  }
  if (all.length === 0) {
    throw new Error(
      `roleId: no permission set '${wanted.roleId}' in environment '${environment}'. Check the id on the Permission Sets page (e.g. D365 BUS FULL ACCESS), or install the extension that defines it first (add dependsOn).`,
    );
  }
  const by = [
    wanted.scope !== undefined ? `scope ${wanted.scope}` : "",
    wanted.appId !== undefined ? `appId ${wanted.appId}` : "",
  ]
    .filter(Boolean)
    .join(" and ");
  throw new Error(
    `${wanted.scope !== undefined ? "scope" : "appId"}: permission set '${wanted.roleId}' exists in environment '${environment}', but not with ${by}. Candidates:\n` +
      all.map((p) => `  - ${describe(p)}`).join("\n"),
  );
}

async function checkCompany(automation: AutomationApi, company: string) {
  if (company === "") return;
  const companies = await automation.companies.list();
  if (companies.some((c) => c.name === company)) return;
  throw new Error(
    `company: '${company}' is not a company name in environment '${automation.environment}' (companies: ${companies.map((c) => `'${c.name}'`).join(", ")}). Use the company's name, or "" for all companies.`,
  );
}

export const permissionSetAssignmentHandler: ResourceHandler = {
  async check(_olds, news) {
    return checkInputs(shape, news, (inputs) => exactlyOne(inputs, PRINCIPAL_KEYS));
  },

  async diff(_id, olds, news) {
    // An unset scope/appId means "whichever the roleId resolves to": the resolved value recorded in state.
    const adjusted = { ...news };
    for (const [key, resolved] of [
      ["scope", "resolvedScope"],
      ["appId", "resolvedAppId"],
    ] as const) {
      const value = news[key];
      if (
        value === undefined ||
        value === "" ||
        (typeof value === "string" && value.toLowerCase() === String(olds[resolved] ?? "").toLowerCase())
      ) {
        adjusted[key] = olds[key];
      }
    }
    const result = diffByTable(PERMISSION_SET_ASSIGNMENT_DIFF, olds, adjusted, normaliser(olds), {
      deleteBeforeReplace: true,
    });
    const principal = principalChanges(olds, news, PRINCIPAL_KEYS, "principalSecurityId");
    if (principal.length === 0) return result;
    return { changes: true, replaces: [...principal, ...(result.replaces ?? [])], deleteBeforeReplace: true };
  },

  async create(inputs) {
    const { automation, environment } = connectionFor(inputs);
    const companyId = inputs.companyId as string | undefined;
    const roleId = String(inputs.roleId).toUpperCase();
    const company = String(inputs.company ?? "");
    const principal = await resolvePrincipal(automation, inputs, companyId);
    const set = await resolvePermissionSet(
      automation,
      { roleId, scope: inputs.scope as string | undefined, appId: inputs.appId as string | undefined },
      companyId,
    );
    await checkCompany(automation, company);
    const wanted = { roleId: set.id, company, scope: set.scope, appId: set.appId };
    const existing = await automation.userPermissions.find(principal.grantee, wanted, { companyId });
    const who =
      "securityGroupId" in principal.grantee
        ? `security group ${principal.grantee.securityGroupId}`
        : `user ${principal.principalSecurityId}`;
    const where = company === "" ? "all companies" : `company '${company}'`;
    if (existing) {
      progress(KIND, `adopting existing assignment of ${roleId} to ${who} in ${where} (${existing.id})`);
      return {
        id: existing.id,
        outs: outputs({ ...userInputs(inputs), roleId }, existing, principal.principalSecurityId, environment),
      };
    }
    progress(KIND, `assigning ${describe(set)} to ${who} in ${where}`);
    const created = await automation.userPermissions.create(principal.grantee, wanted, { companyId });
    return {
      id: created.id,
      outs: outputs({ ...userInputs(inputs), roleId }, created, principal.principalSecurityId, environment),
    };
  },

  async read(id, props) {
    const { automation, environment } = connectionFor(props);
    const companyId = props.companyId as string | undefined;
    let assignment: UserPermission | undefined;
    try {
      const all = await automation.userPermissions.list(granteeFromState(props), { companyId });
      assignment = all.find((p) => p.id.toLowerCase() === id.toLowerCase());
    } catch (err) {
      if (isNotFound(err)) return { id: "", props: {} }; // the user or security group is gone, and with it the assignment
      throw err;
    }
    if (!assignment) return { id: "", props: {} };
    const inputs = { ...pickInputs(props), roleId: assignment.roleId, company: assignment.company };
    if (props.scope !== undefined && props.scope !== "") Object.assign(inputs, { scope: assignment.scope });
    if (props.appId !== undefined && props.appId !== "")
      Object.assign(inputs, { appId: assignment.appId.toLowerCase() });
    return { id, props: outputs(inputs, assignment, String(props.principalSecurityId ?? ""), environment), inputs };
  },

  async update(_id, olds, news) {
    // Only ignored inputs (adopt, timeouts, companyId) reach update: everything else replaces.
    const { environment } = connectionFor(news);
    return {
      outs: {
        ...olds,
        ...userInputs(news),
        roleId: String(news.roleId).toUpperCase(),
        company: String(news.company ?? ""),
        environment,
      },
    };
  },

  async delete(id, props) {
    const { automation } = connectionFor(props);
    try {
      progress(KIND, `removing assignment ${id} of ${String(props.roleId)}`);
      await automation.userPermissions.delete(granteeFromState(props), id, "*", {
        companyId: props.companyId as string | undefined,
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  },
};

function normaliser(olds: Record<string, unknown>) {
  return (key: string, value: unknown) => {
    if (key === "environment" && (value === undefined || value === "")) return olds.environment;
    if ((key === "roleId" || key === "userName") && typeof value === "string") return value.toUpperCase();
    if ((key === "appId" || key === "userSecurityId" || key === "securityGroupId") && typeof value === "string")
      return value.toLowerCase();
    return value;
  };
}

/** The inputs part of stored outputs (so refresh can return them for the next diff). */
function pickInputs(props: Record<string, unknown>): Record<string, unknown> {
  const {
    assignmentId: _a,
    principalSecurityId: _b,
    roleName: _c,
    resolvedScope: _d,
    resolvedAppId: _e,
    ...rest
  } = props;
  return rest;
}
