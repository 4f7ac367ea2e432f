import { z } from "zod";
import { isNotFound } from "../errors";
import { BcApiError } from "../errors";
import { connectionFor, progress } from "./context";
import { type ChangeKind, diffByTable } from "./diff";
import type { ResourceHandler } from "./handler";
import { checkInputs, connectionFields, parseDuration, userInputs } from "./inputs";

const shape = {
  ...connectionFields,
  displayName: z.string().trim().min(1, "must not be empty").max(250, "must be at most 250 characters (BC Text[250])"),
  businessProfileId: z.string().max(250, "must be at most 250 characters").optional(),
};

/** How each input change is applied (docs/resources.md, Company). */
export const COMPANY_DIFF: Record<string, ChangeKind> = {
  displayName: "update",
  businessProfileId: "update",
  environment: "replace",
  adopt: "ignore",
  timeouts: "ignore",
  name: "ignore",
};

const DEFAULT_DELETE_TIMEOUT_MS = 5 * 60_000;

function outputs(
  inputs: Record<string, unknown>,
  company: { id: string; name: string; displayName: string; businessProfileId?: string; evaluationCompany: boolean },
  environment: string,
) {
  return {
    ...inputs,
    companyId: company.id,
    name: company.name,
    displayName: company.displayName,
    businessProfileId: company.businessProfileId ?? "",
    evaluationCompany: company.evaluationCompany,
    environment,
  };
}

export const companyHandler: ResourceHandler = {
  async check(olds, news) {
    const result = checkInputs(shape, { ...news, name: undefined });
    // `name` is known before create (BC derives it from displayName) and never changes afterwards. Carrying it
    // as an input keeps it known during preview, so resources that use `company.name` don't show false replaces.
    if (!result.failures?.length && result.inputs) {
      const displayName = result.inputs.displayName;
      const name =
        typeof olds.name === "string" && olds.name !== ""
          ? olds.name
          : typeof displayName === "string"
            ? displayName.slice(0, 30)
            : displayName;
      return { inputs: { ...result.inputs, name } };
    }
    return result;
  },

  async diff(_id, olds, news) {
    return diffByTable(COMPANY_DIFF, olds, news, environmentNormaliser(olds));
  },

  async create(inputs) {
    const { automation, environment } = connectionFor(inputs);
    const displayName = String(inputs.displayName);
    const name = displayName.slice(0, 30);
    // BC compares company names case-insensitively (SQL collation): "CONTOSO" collides with "Contoso".
    const existing = (await automation.automationCompanies.list()).find(
      (c) => c.name.toLowerCase() === name.toLowerCase(),
    );
    if (existing) {
      if (!inputs.adopt) {
        throw new Error(
          `Company '${existing.name}' already exists in environment '${environment}' (id ${existing.id}). Set adopt: true to manage it with this resource, or choose another displayName.`,
        );
      }
      progress("Company", `adopting existing company '${name}' (${existing.id})`);
      const adopted = needsUpdate(existing, inputs)
        ? await automation.automationCompanies.update(existing.id, patchOf(inputs), "*")
        : existing;
      return { id: adopted.id, outs: outputs(userInputs(inputs), adopted, environment) };
    }
    progress("Company", `creating company '${displayName}' in '${environment}'`);
    const created = await automation.automationCompanies.create({
      displayName,
      businessProfileId: inputs.businessProfileId as string | undefined,
    });
    return { id: created.id, outs: outputs(userInputs(inputs), created, environment) };
  },

  async read(id, props) {
    const { automation, environment } = connectionFor(props);
    try {
      const company = await automation.automationCompanies.get(id);
      const inputs = {
        ...pickInputs(props),
        displayName: company.displayName,
        businessProfileId: company.businessProfileId ?? "",
      };
      return { id, props: outputs(inputs, company, environment), inputs };
    } catch (err) {
      if (isNotFound(err)) return { id: "", props: {} };
      throw err;
    }
  },

  async update(id, _olds, news) {
    const { automation, environment } = connectionFor(news);
    progress("Company", `updating company ${id}`);
    const updated = await automation.automationCompanies.update(id, patchOf(news), "*");
    return { outs: outputs(userInputs(news), updated, environment) };
  },

  async delete(id, props) {
    const { automation } = connectionFor(props);
    const timeoutMs =
      parseDuration(String((props.timeouts as { delete?: string } | undefined)?.delete ?? "")) ??
      DEFAULT_DELETE_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await automation.automationCompanies.delete(id, "*");
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        // BC sometimes reports a company "currently in use" with no sessions (user-voices §3a.8): retry until the deadline.
        const inUse = err instanceof BcApiError && /in use/i.test(err.serviceMessage ?? err.message);
        if (!inUse || Date.now() > deadline) {
          if (inUse) {
            throw new Error(
              `Company ${id} is still reported "currently in use" after ${Math.round(timeoutMs / 1000)} s. Sign out sessions and background jobs in that company and run destroy again, or raise timeouts.delete. Use retainOnDelete to keep production companies.`,
            );
          }
          throw err;
        }
        progress("Company", `company ${id} is in use; retrying delete (attempt ${attempt})`);
        await new Promise((r) => setTimeout(r, Math.min(2000 * attempt, 15_000)));
      }
    }
  },
};

function environmentNormaliser(olds: Record<string, unknown>) {
  // A missing environment input means "the configured default": compare against what state recorded.
  return (key: string, value: unknown) =>
    key === "environment" && (value === undefined || value === "") ? olds.environment : value;
}

function needsUpdate(existing: { displayName: string; businessProfileId?: string }, inputs: Record<string, unknown>) {
  return (
    existing.displayName !== inputs.displayName ||
    (inputs.businessProfileId !== undefined && existing.businessProfileId !== inputs.businessProfileId)
  );
}

function patchOf(inputs: Record<string, unknown>) {
  return {
    displayName: String(inputs.displayName),
    ...(inputs.businessProfileId !== undefined ? { businessProfileId: String(inputs.businessProfileId) } : {}),
  };
}

/** The inputs part of stored outputs (so refresh can return them for the next diff). */
function pickInputs(props: Record<string, unknown>): Record<string, unknown> {
  const { companyId: _a, name: _b, evaluationCompany: _c, ...rest } = props;
  return rest;
}
