/**
 * PermissionSetAssignment: a permission set granted to a user or an Entra security group, in one company or all
 * (docs/resources/permission-set-assignment.md).
 */
import { z } from "zod";
import type { AutomationApi, PermissionSet, UserPermission } from "../api";
import { defineResource, SHORT_TIMEOUTS } from "./framework/define";
import { OUTPUT_NAMES } from "./output-names";
import { behaviourRule, environmentRule, type PropertyBag, urlCompanyRule, upperCasedKeyRule } from "./framework/diff";
import { code, guid, optionalText, text } from "./framework/inputs";
import { exactlyOne, granteeFromState, PRINCIPAL_KEYS, principalRule, resolvePrincipal } from "./principals";

const SCOPES = ["System", "Tenant"] as const;
const isScope = (value: string): value is (typeof SCOPES)[number] => (SCOPES as readonly string[]).includes(value);

const inputs = {
  userSecurityId: guid("user's security id (Users page → User Security ID)").optional(),
  userName: text(50).trim().min(1, "must not be empty").optional(),
  securityGroupId: guid("security group's Entra group object id").optional(),
  roleId: code(20),
  company: text(30).optional(),
  scope: z.enum(SCOPES, { error: 'must be "System" or "Tenant"' }).optional(),
  appId: guid("id of the app that defines the permission set").optional(),
  companyId: guid("id of a company used in API paths").optional(),
};

function outputsOf(assignment: UserPermission, principalSecurityId: string) {
  return {
    company: assignment.company,
    assignmentId: assignment.id,
    principalSecurityId,
    roleName: assignment.displayName,
    resolvedScope: assignment.scope,
    resolvedAppId: assignment.appId.toLowerCase(),
  };
}

/** An unset scope/appId means "whichever the roleId resolves to": the resolved value recorded in state. */
const resolvedOr = (key: "scope" | "appId", resolved: string) => (side: PropertyBag, olds: PropertyBag) => {
  const value = side[key];
  const recorded = String(olds[resolved] ?? "").toLowerCase();
  if (optionalText(value) === undefined || (typeof value === "string" && value.toLowerCase() === recorded))
    return optionalText(olds[key])?.toLowerCase();
  return typeof value === "string" ? value.toLowerCase() : value;
};

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

export const permissionSetAssignmentHandler = defineResource({
  kind: "PermissionSetAssignment",
  inputs,
  outputs: OUTPUT_NAMES.PermissionSetAssignment,
  changes: [
    principalRule(PRINCIPAL_KEYS, "principalSecurityId"),
    upperCasedKeyRule("roleId", "Key field; compared upper-cased."),
    { keys: ["company"], change: "replace", why: "Key field." },
    {
      keys: ["scope"],
      change: "replace",
      why: "Key field. Setting it to the value already resolved (`resolvedScope`), or removing it, is no change.",
      value: resolvedOr("scope", "resolvedScope"),
    },
    {
      keys: ["appId"],
      change: "replace",
      why: "Key field. Setting it to the value already resolved (`resolvedAppId`), or removing it, is no change.",
      value: resolvedOr("appId", "resolvedAppId"),
    },
    environmentRule,
    urlCompanyRule,
    behaviourRule,
  ],
  replaceOrder: "by-key",
  timeouts: SHORT_TIMEOUTS,
  crossCheck: (values) => exactlyOne(values, PRINCIPAL_KEYS),

  async create(ctx, inputs) {
    const { automation } = ctx;
    const { companyId, roleId } = inputs;
    const company = inputs.company ?? "";
    const principal = await resolvePrincipal(automation, inputs, companyId);
    const set = await resolvePermissionSet(automation, { roleId, scope: inputs.scope, appId: inputs.appId }, companyId);
    await checkCompany(automation, company);
    const wanted = { roleId: set.id, company, scope: set.scope, appId: set.appId };
    const existing = await automation.userPermissions.find(principal.grantee, wanted, { companyId });
    const who =
      "securityGroupId" in principal.grantee
        ? `security group ${principal.grantee.securityGroupId}`
        : `user ${principal.principalSecurityId}`;
    const where = company === "" ? "all companies" : `company '${company}'`;
    const key = [principal.principalSecurityId, set.id, company, set.scope, set.appId].join("|").toLowerCase();
    if (existing) {
      // A grant an administrator made by hand is never taken over silently (and destroy would remove it).
      ctx.claimExisting({
        what: `The assignment of ${set.id} to ${who} in ${where}`,
        id: existing.id,
        key,
        otherwise: "remove the other definition of this grant",
      });
      return { id: existing.id, outputs: outputsOf(existing, principal.principalSecurityId) };
    }
    ctx.intendCreate(key);
    ctx.progress(`assigning ${describe(set)} to ${who} in ${where}`);
    const created = await automation.userPermissions.create(principal.grantee, wanted, { companyId });
    return { id: created.id, outputs: outputsOf(created, principal.principalSecurityId) };
  },

  async read(ctx, id, state) {
    const stored = { ...state.inputs, ...state.outputs };
    // A missing user or security group (404) means the assignment is gone with it.
    const all = await ctx.automation.userPermissions.list(granteeFromState(stored), {
      companyId: state.inputs.companyId,
    });
    const assignment = all.find((p) => p.id.toLowerCase() === id.toLowerCase());
    if (!assignment) return undefined;
    const inputs = { ...state.inputs, roleId: assignment.roleId, company: assignment.company };
    if (optionalText(state.inputs.scope) && isScope(assignment.scope)) inputs.scope = assignment.scope;
    if (optionalText(state.inputs.appId)) inputs.appId = assignment.appId.toLowerCase();
    return { inputs, outputs: outputsOf(assignment, state.outputs.principalSecurityId ?? "") };
  },

  // Only properties that change nothing in BC (adopt, timeouts, companyId) reach update: everything else replaces.
  async update(_ctx, _id, olds, news) {
    return { ...olds.outputs, company: news.company ?? "" };
  },

  async delete(ctx, id, state) {
    ctx.progress(`removing assignment ${id} of ${state.inputs.roleId}`);
    await ctx.automation.userPermissions.delete(granteeFromState({ ...state.inputs, ...state.outputs }), id, "*", {
      companyId: state.inputs.companyId,
    });
  },
});
