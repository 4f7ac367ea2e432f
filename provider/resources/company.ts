/** Company: a BC company through `automationCompanies` (docs/resources/company.md). */
import { z } from "zod";
import type { AutomationCompany } from "../automation/schemas";
import { BcApiError } from "../errors";
import { defineResource, type InputsOf, type OperationContext, SHORT_TIMEOUTS } from "./framework/define";
import { OUTPUT_NAMES } from "./output-names";
import { behaviourRule, environmentRule } from "./framework/diff";
import { UNKNOWN } from "./framework/inputs";

const inputs = {
  displayName: z.string().trim().min(1, "must not be empty").max(250, "must be at most 250 characters (BC Text[250])"),
  businessProfileId: z.string().max(250, "must be at most 250 characters").optional(),
  // Derived at check, see `prepare`.
  name: z.string().optional(),
};
type Inputs = InputsOf<typeof inputs>;

/** BC derives a company's `name` (its key) from the first 30 characters of the display name. */
const NAME_LENGTH = 30;

function outputsOf(company: AutomationCompany) {
  return {
    companyId: company.id,
    name: company.name,
    displayName: company.displayName,
    businessProfileId: company.businessProfileId ?? "",
    evaluationCompany: company.evaluationCompany,
  };
}

export const companyHandler = defineResource({
  kind: "Company",
  inputs,
  derived: ["name"],
  outputs: OUTPUT_NAMES.Company,
  changes: [
    { keys: ["displayName"], change: "update", why: "PATCH; `name` keeps the value BC derived at creation." },
    { keys: ["businessProfileId"], change: "update", why: "PATCH." },
    environmentRule,
    behaviourRule,
    { keys: ["name"], change: "none", why: "Derived by BC at creation from `displayName`; read-only afterwards." },
  ],
  replaceOrder: "create-first",
  timeouts: SHORT_TIMEOUTS,
  // Resources of this stack may name the company before it exists (`company.name` is known at preview).
  declares: (values) => (typeof values.name === "string" ? { company: values.name } : undefined),

  notes(values, olds) {
    const displayName = values.displayName;
    if (typeof olds.name === "string" && olds.name !== "") return [];
    if (typeof displayName !== "string" || displayName.length <= NAME_LENGTH || displayName === UNKNOWN) return [];
    return [
      `displayName '${displayName}' is ${displayName.length} characters: BC derives the company name ` +
        `'${displayName.slice(0, NAME_LENGTH)}' from its first ${NAME_LENGTH} (the name is the company's key; two ` +
        "companies whose display names share those characters collide)",
    ];
  },

  // `name` is known before create (BC derives it from displayName) and never changes afterwards. Carrying it as
  // an input keeps it known during preview, so resources that use `company.name` don't show false replaces.
  prepare(values, olds) {
    values.name =
      typeof olds.name === "string" && olds.name !== "" ? olds.name : values.displayName.slice(0, NAME_LENGTH);
    return undefined;
  },

  async create(ctx, inputs) {
    const name = inputs.displayName.slice(0, NAME_LENGTH);
    // BC compares company names case-insensitively (SQL collation): "CONTOSO" collides with "Contoso".
    const existing = (await ctx.automation.automationCompanies.list()).find(
      (c) => c.name.toLowerCase() === name.toLowerCase(),
    );
    if (existing) {
      ctx.claimExisting({
        what: `Company '${existing.name}'`,
        id: existing.id,
        key: name.toLowerCase(),
        otherwise: `choose a displayName whose first ${NAME_LENGTH} characters differ`,
        explain: nameRule(inputs.displayName, existing.displayName),
      });
      const adopted = needsUpdate(existing, inputs)
        ? await ctx.automation.automationCompanies.update(existing.id, patchOf(inputs), "*")
        : existing;
      return { id: adopted.id, outputs: outputsOf(adopted) };
    }
    ctx.intendCreate(name.toLowerCase());
    ctx.progress(`creating company '${inputs.displayName}' in '${ctx.environment}'`);
    const created = await ctx.automation.automationCompanies.create({
      displayName: inputs.displayName,
      businessProfileId: inputs.businessProfileId,
    });
    return { id: created.id, outputs: outputsOf(created) };
  },

  async read(ctx, id, state) {
    const company = await ctx.automation.automationCompanies.get(id);
    return {
      inputs: { ...state.inputs, displayName: company.displayName, businessProfileId: company.businessProfileId ?? "" },
      outputs: outputsOf(company),
    };
  },

  async update(ctx, id, _olds, news) {
    ctx.progress(`updating company ${id}`);
    return outputsOf(await ctx.automation.automationCompanies.update(id, patchOf(news), "*"));
  },

  async delete(ctx, id) {
    await deleteWhenNotInUse(ctx, id);
  },
});

/** BC sometimes reports a company "currently in use" with no sessions (https://github.com/microsoft/AL/issues/7901): retry until the deadline. */
async function deleteWhenNotInUse(ctx: OperationContext, id: string) {
  const timeoutMs = ctx.timeoutMs("delete");
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.automation.automationCompanies.delete(id, "*");
      return;
    } catch (err) {
      const inUse = err instanceof BcApiError && /in use/i.test(err.serviceMessage ?? err.message);
      if (!inUse) throw err;
      if (Date.now() > deadline) {
        throw new Error(
          `Company ${id} is still reported "currently in use" after ${Math.round(timeoutMs / 1000)} s. Sign out sessions and background jobs in that company and run destroy again, or raise timeouts.delete. Use retainOnDelete to keep production companies.`,
        );
      }
      ctx.progress(`company ${id} is in use; retrying delete (attempt ${attempt})`);
      await new Promise((r) => setTimeout(r, Math.min(2000 * attempt, 15_000)));
    }
  }
}

/** BC's 30-character rule, when it is why two display names meet on one company. */
function nameRule(wanted: string, existing: string): string | undefined {
  if (wanted.length <= NAME_LENGTH && existing.length <= NAME_LENGTH) return undefined;
  return (
    `BC derives a company's name (its key) from the first ${NAME_LENGTH} characters of displayName: ` +
    `'${wanted}' and the existing '${existing}' both become '${wanted.slice(0, NAME_LENGTH)}'.`
  );
}

function needsUpdate(existing: AutomationCompany, inputs: Inputs) {
  return (
    existing.displayName !== inputs.displayName ||
    (inputs.businessProfileId !== undefined && existing.businessProfileId !== inputs.businessProfileId)
  );
}

function patchOf(inputs: Inputs) {
  return {
    displayName: inputs.displayName,
    ...(inputs.businessProfileId !== undefined ? { businessProfileId: inputs.businessProfileId } : {}),
  };
}
