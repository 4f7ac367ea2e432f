import type { CompanyState } from "../../state/model";
import type { AutomationContext, EntitySetDef } from "../entity";

/** The platform `companies` entity (https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/resources/dynamics_company): read-only, the root of every company-scoped path. */
export const companiesSet: EntitySetDef<CompanyState> = {
  entitySet: "companies",
  entityType: "company",
  page: "Company",
  keys: [{ name: "id", type: "guid" }],
  fields: {
    id: { type: "guid" },
    systemVersion: { type: "string" },
    name: { type: "string" },
    displayName: { type: "string" },
    businessProfileId: { type: "string" },
    systemCreatedAt: { type: "datetime" },
    systemCreatedBy: { type: "guid" },
    systemModifiedAt: { type: "datetime" },
    systemModifiedBy: { type: "guid" },
  },
  list: (ctx: AutomationContext) => ctx.env.companies,
  keyOf: (row) => ({ id: row.id }),
  rev: (row) => row.rev,
  toWire: (row, ctx) => ({
    id: row.id,
    systemVersion: systemVersionOf(row, ctx),
    name: row.name,
    displayName: row.displayName,
    businessProfileId: row.businessProfileId,
    systemCreatedAt: row.systemCreatedAt,
    systemCreatedBy: row.systemCreatedBy,
    systemModifiedAt: row.systemModifiedAt,
    systemModifiedBy: row.systemModifiedBy,
  }),
};

/**
 * `systemVersion` is documented only as "the internal version of the company", with examples `"24012"`, `"18453"`
 * and `"21.2.49946.51685"`. The `companySystemVersion` switch serves the short build form, derived
 * here as the major followed by the build's last three digits (`24.5.23012.0` → `"24012"`) [INF].
 */
function systemVersionOf(row: CompanyState, ctx: AutomationContext): string {
  if (ctx.behaviour.companySystemVersion === "application") return row.systemVersion;
  const [major = "0", , build = "0"] = row.systemVersion.split(".");
  return `${Number.parseInt(major, 10) || 0}${String((Number.parseInt(build, 10) || 0) % 1000).padStart(3, "0")}`;
}
