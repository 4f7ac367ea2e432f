/**
 * The pack's policies. Production-dependent checks run twice: per resource (before the resource is created, with the
 * environments the pack config names), and over the whole stack, where environments declared in the stack with type
 * Production count too, also for a resource whose `environment` is such an Environment's output not known yet.
 * One policy object carries both validations so that both share its name, config and enforcement level
 * (@pulumi/policy runs `validateResource` and `validateStack` of a policy independently).
 */
import type {
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidation,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import {
  DEFAULT_PRODUCTION,
  environmentOf,
  kindOf,
  type ProductionConfig,
  productionConfigOf,
  productionVerdict,
  type ResourceView,
  type Verdict,
} from "./production";
import { readString, UNKNOWN } from "./props";
import {
  type Finding,
  noDataDeletingOptionsInProduction,
  noDeleteAdoptedInProduction,
  noSuperPermissionSets,
  pinAppSourceVersions,
  protectProductionEnvironments,
  type Rule,
  tooManyResources,
} from "./rules";

export const DEFAULT_MAX_RESOURCES = 1000;

const PRODUCTION_SCHEMA: PolicyConfigSchema = {
  properties: {
    productionEnvironments: {
      type: "array",
      items: { type: "string" },
      default: DEFAULT_PRODUCTION.productionEnvironments,
      description: "Business Central environment names that are production.",
    },
    defaultEnvironment: {
      type: "string",
      default: DEFAULT_PRODUCTION.defaultEnvironment,
      description: "The environment of a resource that sets no `environment` (policies cannot see stack config).",
    },
  },
};

/**
 * Lower-case names of environments this pack process has seen declared with type Production. The engine runs one
 * pack process per command and analyzes an Environment before any resource that takes its `name` output, so the
 * per-resource check already knows it then; the stack-level check covers every other order.
 */
const seenProduction = new Set<string>();
/** `policy|urn|message` of what the per-resource checks reported, so the stack-level re-check does not repeat it. */
const reported = new Set<string>();

function viewOf(resource: ResourceValidationArgs | PolicyResource): ResourceView | undefined {
  const kind = kindOf(resource.type);
  if (kind === undefined) return undefined;
  return {
    kind,
    name: resource.name,
    urn: resource.urn,
    props: resource.props,
    protect: resource.opts?.protect === true,
  };
}

function rememberProduction(r: ResourceView): void {
  if (r.kind !== "Environment") return;
  const type = readString(r.props, "type");
  const name = environmentOf(r);
  if (typeof type === "string" && type.toLowerCase() === "production" && typeof name === "string")
    seenProduction.add(name.toLowerCase());
}

/** Reports one finding; "cannot tell yet" is always advisory, whatever the policy's enforcement level. */
function report(reportViolation: ReportViolation, finding: Finding, urn: string): void {
  if (finding.uncertain) {
    // @pulumi/policy's reportViolation also takes a violation object whose enforcementLevel overrides the policy's
    // (server.js makeReportViolationFun); its type declaration lists only the string form.
    (reportViolation as unknown as (violation: object) => void)({
      message: finding.message,
      urn,
      enforcementLevel: "advisory",
    });
  } else {
    reportViolation(finding.message, urn);
  }
}

function resourceValidation(policy: string, rule: Rule) {
  return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
    const r = viewOf(args);
    if (!r) return;
    rememberProduction(r);
    const config = productionConfigOf(args.getConfig<Partial<ProductionConfig>>());
    for (const finding of rule(r, () => productionVerdict(r, config, seenProduction))) {
      reported.add(`${policy}|${r.urn}|${finding.message}`);
      report(reportViolation, finding, r.urn);
    }
  };
}

/**
 * Production as the whole stack shows it, for what the per-resource check could not see: the resource's
 * environment is declared in the stack with type Production, by name or (at preview, name unknown) as the
 * Environment whose output feeds `environment`. Undefined when the per-resource verdict stands.
 */
function stackVerdict(
  r: ResourceView,
  resource: PolicyResource,
  config: ProductionConfig,
  declared: ReadonlySet<string>,
): Verdict | undefined {
  if (r.kind === "Environment") return undefined;
  if (environmentOf(r) === UNKNOWN) {
    const sources = [
      ...(resource.propertyDependencies.environment ?? []),
      ...(resource.propertyDependencies.connection ?? []),
    ];
    for (const source of sources) {
      const env = viewOf(source);
      if (env?.kind !== "Environment") continue;
      const verdict = productionVerdict(env, config, declared);
      if (verdict.production === true)
        return {
          production: true,
          label: `of Environment '${env.name}' (type Production, declared in this stack)`,
          from: "stack",
        };
    }
    return undefined;
  }
  const verdict = productionVerdict(r, config, declared);
  return verdict.production === true && verdict.from === "stack" ? verdict : undefined;
}

function stackRecheck(policy: string, rule: Rule): StackValidation {
  return (args: StackValidationArgs, reportViolation: ReportViolation): void => {
    const config = productionConfigOf(args.getConfig<Partial<ProductionConfig>>());
    const declared = new Set<string>();
    for (const resource of args.resources) {
      const r = viewOf(resource);
      if (r?.kind !== "Environment") continue;
      const name = environmentOf(r);
      if (productionVerdict(r, config, declared).production === true && typeof name === "string")
        declared.add(name.toLowerCase());
    }
    for (const resource of args.resources) {
      const r = viewOf(resource);
      if (!r) continue;
      const verdict = stackVerdict(r, resource, config, declared);
      if (!verdict) continue;
      for (const finding of rule(r, () => verdict)) {
        if (!finding.inProduction || finding.uncertain) continue;
        if (reported.has(`${policy}|${r.urn}|${finding.message}`)) continue;
        report(reportViolation, finding, r.urn);
      }
    }
  };
}

type ResourceAndStackPolicy = ResourceValidationPolicy & { validateStack: StackValidation };

function productionPolicy(
  name: string,
  description: string,
  enforcementLevel: "mandatory" | "advisory",
  rule: Rule,
): ResourceAndStackPolicy {
  return {
    name,
    description,
    enforcementLevel,
    configSchema: PRODUCTION_SCHEMA,
    validateResource: resourceValidation(name, rule),
    validateStack: stackRecheck(name, rule),
  };
}

function resourcePolicy(
  name: string,
  description: string,
  enforcementLevel: "mandatory" | "advisory",
  rule: Rule,
): ResourceValidationPolicy {
  return { name, description, enforcementLevel, validateResource: resourceValidation(name, rule) };
}

const resourceCount: StackValidationPolicy = {
  name: "resource-count-per-stack",
  description: "A stack holds at most maxResources Business Central resources (default 1,000).",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      maxResources: { type: "integer", minimum: 1, default: DEFAULT_MAX_RESOURCES },
    },
  },
  validateStack: (args, reportViolation) => {
    const given = args.getConfig<{ maxResources?: unknown }>().maxResources;
    const limit = typeof given === "number" && given > 0 ? given : DEFAULT_MAX_RESOURCES;
    const count = args.resources.filter((r) => kindOf(r.type) !== undefined).length;
    const message = tooManyResources(count, limit);
    if (message) reportViolation(message);
  },
};

export const policies = [
  productionPolicy(
    "no-super-permission-sets",
    "No SUPER or SUPER (DATA) permission set to a security group, nor to anyone in a production environment.",
    "mandatory",
    noSuperPermissionSets,
  ),
  resourcePolicy(
    "protect-production-environments",
    "A Production environment is protected (protect: true) or does not set allowDelete: true.",
    "mandatory",
    protectProductionEnvironments,
  ),
  productionPolicy(
    "no-delete-adopted-in-production",
    "No deleteAdopted: true on objects in a production environment.",
    "advisory",
    noDeleteAdoptedInProduction,
  ),
  resourcePolicy(
    "pin-appsource-versions",
    "An AppSource extension pins appSource.version.",
    "advisory",
    pinAppSourceVersions,
  ),
  productionPolicy(
    "no-data-deleting-options-in-production",
    "No schema sync mode or uninstall option that deletes data (Force Sync, deleteData) in a production environment.",
    "advisory",
    noDataDeletingOptionsInProduction,
  ),
  resourceCount,
];
