/**
 * PermissionSetAssignment: a permission set granted to a user or an Entra security group, in one company or all
 * (docs/resources/permission-set-assignment.md).
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import type { AutomationApi, PermissionSet, UserPermission } from "../api";
import { defineResource, type OperationContext, SHORT_TIMEOUTS } from "./framework/define";
import { didYouMean } from "./framework/preview-checks";
import { OUTPUT_NAMES } from "./output-names";
import { behaviourRule, environmentRule, type PropertyBag, urlCompanyRule, upperCasedKeyRule } from "./framework/diff";
import { code, containsUnknown, guid, optionalText, text } from "./framework/inputs";
import {
  exactlyOne,
  granteeFromState,
  PRINCIPAL_KEYS,
  principalRule,
  resolvePrincipal,
  verifyPrincipal,
} from "./principals";

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

type Wanted = { roleId: string; scope?: string; appId?: string };

/**
 * The one permission set an assignment means among `all` (the sets with its roleId), narrowed by scope/appId; none
 * or several ⇒ a failure naming the candidates and the input that picks one. `known`: every role id there, for
 * "did you mean".
 */
function choosePermissionSet(
  all: readonly PermissionSet[],
  wanted: Wanted,
  environment: string,
  known: readonly string[] = [],
): PermissionSet | pulumi.dynamic.CheckFailure {
  const matching = all.filter(
    (p) =>
      (wanted.scope === undefined || p.scope === wanted.scope) &&
      (wanted.appId === undefined || p.appId.toLowerCase() === wanted.appId.toLowerCase()),
  );
  if (matching.length === 1) return matching[0]!;
  if (matching.length > 1) {
    return {
      property: "roleId",
      reason:
        `permission set '${wanted.roleId}' is defined ${matching.length} times in environment '${environment}':\n` +
        matching.map((p) => `  - ${describe(p)}`).join("\n") +
        `\nSet scope ("System" or "Tenant") and/or appId to the one you mean, e.g. scope: "${matching[0]!.scope}", appId: "${matching[0]!.appId.toLowerCase()}".`,
    };
  }
  if (all.length === 0) {
    return {
      property: "roleId",
      reason: `no permission set '${wanted.roleId}' in environment '${environment}'.${didYouMean(wanted.roleId, known)} Check the id on the Permission Sets page (e.g. D365 BUS FULL ACCESS), or install the extension that defines it first (add dependsOn).`,
    };
  }
  const by = [
    wanted.scope !== undefined ? `scope ${wanted.scope}` : "",
    wanted.appId !== undefined ? `appId ${wanted.appId}` : "",
  ]
    .filter(Boolean)
    .join(" and ");
  return {
    property: wanted.scope !== undefined ? "scope" : "appId",
    reason:
      `permission set '${wanted.roleId}' exists in environment '${environment}', but not with ${by}. Candidates:\n` +
      all.map((p) => `  - ${describe(p)}`).join("\n"),
  };
}

const isFailure = (x: PermissionSet | pulumi.dynamic.CheckFailure): x is pulumi.dynamic.CheckFailure =>
  "reason" in x && "property" in x;

/** The one permission set an assignment means: by roleId, narrowed by scope/appId; none or several ⇒ an error. */
export async function resolvePermissionSet(
  automation: AutomationApi,
  wanted: Wanted,
  companyId?: string,
): Promise<PermissionSet> {
  const all = await automation.permissionSets.find(wanted.roleId, { companyId });
  const chosen = choosePermissionSet(all, wanted, automation.environment);
  if (isFailure(chosen)) throw new Error(`${chosen.property}: ${chosen.reason}`);
  return chosen;
}

/**
 * Preview check of roleId (with scope/appId) against the shared read of permission sets. A roleId not there is
 * accepted when the stack installs an extension in the environment: it may define it.
 */
async function verifyPermissionSet(
  ctx: OperationContext,
  wanted: Wanted,
  companyId: string | undefined,
): Promise<pulumi.dynamic.CheckFailure[]> {
  if (containsUnknown(wanted)) return [];
  const sets = await ctx.automation.snapshots.permissionSets(companyId, "settled");
  const all = sets.filter((p) => p.id.toUpperCase() === wanted.roleId.toUpperCase());
  const tenantId = ctx.settings.tenantId;
  if (all.length === 0 && ctx.runtime.previews.declaresExtension(tenantId, ctx.environment)) return [];
  const chosen = choosePermissionSet(
    all,
    wanted,
    ctx.environment,
    sets.map((p) => p.id),
  );
  return isFailure(chosen) ? [chosen] : [];
}

/** Preview check of `company`: a company of the environment or one a Company of this stack declares. */
async function verifyCompany(ctx: OperationContext, company: unknown): Promise<pulumi.dynamic.CheckFailure[]> {
  if (typeof company !== "string" || company === "" || containsUnknown(company)) return [];
  if (ctx.runtime.previews.declaresCompany(ctx.settings.tenantId, ctx.environment, company)) return [];
  const companies = await ctx.automation.snapshots.companies("settled");
  if (companies.some((c) => c.name === company)) return [];
  const names = companies.map((c) => c.name);
  return [
    {
      property: "company",
      reason: `'${company}' is not a company name in environment '${ctx.environment}' (companies: ${names.map((n) => `'${n}'`).join(", ")}).${didYouMean(company, names)} Use the company's name, or "" for all companies.`,
    },
  ];
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

  async verify(ctx, values) {
    const companyId = containsUnknown(values.companyId) ? undefined : values.companyId;
    const wanted = { roleId: values.roleId, scope: values.scope, appId: values.appId };
    const checks = await Promise.all([
      verifyPrincipal(ctx.automation, values, companyId),
      verifyPermissionSet(ctx, wanted, companyId),
      verifyCompany(ctx, values.company),
    ]);
    return checks.flat();
  },

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
