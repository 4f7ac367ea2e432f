/**
 * `companies` (the platform's list, no company in the path) and `automationCompanies` (create/rename/delete;
 * https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/resources/dynamics_automationcompany). BC sets `name` to the first 30 characters of `displayName` on insert and never lets it change,
 * so a company is identified by `name` when recovering an ambiguous create.
 */
import { sendOnce } from "../http/reconcile";
import type { CallOptions, ListOptions } from "./client";
import type { AutomationContext } from "./context";
import { eqFilter, isPlainList, keySegment } from "./odata";
import { type AutomationCompany, type Company, entities } from "./schemas";

export interface NewAutomationCompany {
  displayName: string;
  businessProfileId?: string;
}

export interface AutomationCompanyPatch {
  displayName?: string;
  businessProfileId?: string;
}

export function companiesApi({ client, snapshots }: AutomationContext) {
  const api = {
    /** `GET …/companies` (no company needed); without query options, from the run's shared read. */
    async list(options: ListOptions = {}): Promise<Company[]> {
      if (isPlainList(options)) return [...(await snapshots.companies())];
      return client.list(entities.company, `${client.root}/companies`, options);
    },
    /** The company with this name or display name (exact); none in the shared read ⇒ asks BC (it may be new). */
    async find(wanted: { name: string } | { displayName: string }): Promise<Company | undefined> {
      const matches = (c: Company) =>
        "name" in wanted ? c.name === wanted.name : c.displayName === wanted.displayName;
      return (await api.list()).find(matches) ?? (await api.list({ filter: eqFilter(wanted) })).find(matches);
    },
    get(id: string, options: CallOptions = {}): Promise<Company> {
      return client.get(entities.company, `${client.root}/companies${keySegment(id, "guid")}`, options);
    },
  };
  return api;
}

export function automationCompaniesApi({ client, snapshots, scopeCompany }: AutomationContext) {
  const collection = async (scope?: string) =>
    client.companyUrl(scope ?? (await scopeCompany.id()), "automationCompanies");
  const api = {
    /** Without query options, from the run's shared read. */
    async list(options: ListOptions & { companyId?: string } = {}): Promise<AutomationCompany[]> {
      if (isPlainList(options)) return [...(await snapshots.automationCompanies(options.companyId)).values()];
      return client.list(entities.automationCompany, await collection(options.companyId), options);
    },
    async get(id: string, options: CallOptions & { companyId?: string } = {}): Promise<AutomationCompany> {
      return client.get(
        entities.automationCompany,
        `${await collection(options.companyId)}${keySegment(id, "guid")}`,
        options,
      );
    },
    /** Finds a company by its (read-only) name. */
    async findByName(
      name: string,
      options: CallOptions & { companyId?: string } = {},
    ): Promise<AutomationCompany | undefined> {
      const found = await api.list({ ...options, filter: eqFilter({ name }) });
      return found[0];
    },
    /**
     * Creates a company (201). After an ambiguous failure it looks the company up by name (= displayName cut to
     * 30 characters, as BC derives it) and only sends the POST again if the company is not there.
     */
    async create(
      body: NewAutomationCompany,
      options: CallOptions & { companyId?: string } = {},
    ): Promise<AutomationCompany> {
      const url = await collection(options.companyId);
      const payload = { displayName: body.displayName, businessProfileId: body.businessProfileId ?? "" };
      const created = await sendOnce({
        what: `create company '${body.displayName}'`,
        start: () => client.create(entities.automationCompany, url, payload, options),
        lookup: () => api.findByName(body.displayName.slice(0, 30), options),
      });
      snapshots.companyWritten(created);
      return created;
    },
    async update(
      id: string,
      patch: AutomationCompanyPatch,
      etag = "*",
      options: CallOptions & { companyId?: string } = {},
    ) {
      const updated = await client.patch(
        entities.automationCompany,
        `${await collection(options.companyId)}${keySegment(id, "guid")}`,
        patch,
        etag,
        options,
      );
      snapshots.companyWritten(updated);
      return updated;
    },
    /**
     * Deletes a company. The URL must name some company; it names another one than the company being deleted
     * (what deleting "through itself" does is not documented, https://learn.microsoft.com/en-us/dynamics365/business-central/dev-itpro/administration/resources/dynamics_automationcompany).
     */
    async delete(id: string, etag = "*", options: CallOptions & { companyId?: string } = {}): Promise<void> {
      let scope = options.companyId;
      if (!scope || scope.toLowerCase() === id.toLowerCase()) {
        const all = await snapshots.companies();
        scope = all.find((c) => c.id.toLowerCase() !== id.toLowerCase())?.id ?? id;
      }
      await client.delete(`${await collection(scope)}${keySegment(id, "guid")}`, etag, options);
      scopeCompany.forget(id);
    },
  };
  return api;
}
