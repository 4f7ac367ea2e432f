import { dialog } from "../../errors";
import type { CompanyState } from "../../state/model";
import type { AutomationContext, EntitySetDef } from "../entity";
import { uniqueKey } from "./unique-key";

const MAX_COMPANIES = 300;

/**
 * Page 30001 "APIV2 - Aut. Companies" (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/resources/dynamics_automationcompany). Creation is synchronous; `name` is derived from the first
 * 30 characters of `displayName` and is read-only afterwards.
 */
export const automationCompaniesSet: EntitySetDef<CompanyState> = {
  entitySet: "automationCompanies",
  entityType: "automationCompany",
  page: "APIV2 - Aut. Companies",
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    name: { type: "string", ignoredOnInsert: true },
    evaluationCompany: { type: "bool" },
    displayName: { type: "string", editable: true, notBlank: true, maxLength: 250 },
    businessProfileId: { type: "string", editable: true, maxLength: 250 },
  },
  list: (ctx) => ctx.env.companies,
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire: (row) => ({
    id: row.id,
    name: row.name,
    evaluationCompany: row.evaluationCompany,
    displayName: row.displayName,
    businessProfileId: row.businessProfileId,
  }),
  insert(ctx, body) {
    const displayName = String(body.displayName);
    const name = displayName.slice(0, 30);
    checkCompanyUnique(ctx, ctx.env.companies, { name });
    if (ctx.env.companies.length >= MAX_COMPANIES) {
      throw dialog(`You cannot create more than ${MAX_COMPANIES} companies in an environment.`);
    }
    const now = new Date(ctx.now()).toISOString();
    const company: CompanyState = {
      rev: 1,
      id: ctx.newGuid(),
      name,
      displayName,
      businessProfileId: String(body.businessProfileId ?? ""),
      evaluationCompany: false,
      systemVersion: ctx.env.applicationVersion,
      systemCreatedAt: now,
      systemCreatedBy: ctx.caller.userSecurityId,
      systemModifiedAt: now,
      systemModifiedBy: ctx.caller.userSecurityId,
      configurationPackages: [],
      extensionUpload: null,
    };
    ctx.env.companies.push(company);
    return company;
  },
  modify(ctx, row, body) {
    if (body.displayName !== undefined) row.displayName = String(body.displayName);
    if (body.businessProfileId !== undefined) row.businessProfileId = String(body.businessProfileId);
    touch(ctx, row);
  },
  remove(ctx, row) {
    const refusals = ctx.transient.companyInUseRefusals;
    const inUse = refusals.get(row.id) ?? 0;
    if (inUse < ctx.behaviour.companyInUseDeletes) {
      refusals.set(row.id, inUse + 1);
      throw dialog(`The company ${row.name} is currently in use. Try again later.`);
    }
    if (ctx.env.companies.length === 1) throw dialog("You cannot delete the last company in the environment.");
    ctx.env.companies.splice(ctx.env.companies.indexOf(row), 1);
    // Permission assignments limited to the company go with it.
    ctx.env.accessControls = ctx.env.accessControls.filter((ac) => ac.company !== row.name);
  },
};

const checkCompanyUnique = uniqueKey<Pick<CompanyState, "name">>("Company", [
  { caption: "Name", value: (c) => c.name, kind: "ignoreCase" },
]);

function touch(ctx: AutomationContext, row: CompanyState) {
  row.rev += 1;
  row.systemModifiedAt = new Date(ctx.now()).toISOString();
  row.systemModifiedBy = ctx.caller.userSecurityId;
}
