import type { CompanyState } from "../../state/model";
import type { AutomationContext, EntitySetDef } from "../entity";

/** The platform `companies` entity (reference §4.1): read-only, the root of every company-scoped path. */
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
  toWire: (row) => ({
    id: row.id,
    systemVersion: row.systemVersion,
    name: row.name,
    displayName: row.displayName,
    businessProfileId: row.businessProfileId,
    systemCreatedAt: row.systemCreatedAt,
    systemCreatedBy: row.systemCreatedBy,
    systemModifiedAt: row.systemModifiedAt,
    systemModifiedBy: row.systemModifiedBy,
  }),
};
