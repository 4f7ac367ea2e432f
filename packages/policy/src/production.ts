/**
 * Which Business Central environment a resource lives in, and whether that environment is production. Policies see
 * a resource's inputs but not the stack's config, so a resource that leaves `environment` unset is taken to target
 * the pack's `defaultEnvironment`.
 */
import { readString, UNKNOWN } from "./props";

/** Pulumi's type token prefix of this provider's dynamic resources (sdk/shim.ts `TYPE_MODULE`). */
export const TYPE_PREFIX = "pulumi-nodejs:dynamic/businesscentral:";

/** `PermissionSetAssignment` for `pulumi-nodejs:dynamic/businesscentral:PermissionSetAssignment`, else undefined. */
export function kindOf(type: string): string | undefined {
  return type.startsWith(TYPE_PREFIX) ? type.slice(TYPE_PREFIX.length) : undefined;
}

/** One resource of this provider as the policies look at it. */
export interface ResourceView {
  kind: string;
  /** The Pulumi resource name (the first argument of its constructor). */
  name: string;
  urn: string;
  props: Record<string, unknown>;
  protect: boolean;
}

export interface ProductionConfig {
  /** Environment names that are production (compared without regard to case). */
  productionEnvironments: string[];
  /** The environment of a resource that sets none (stack config is out of a policy's sight). */
  defaultEnvironment: string;
}

export const DEFAULT_PRODUCTION: ProductionConfig = {
  productionEnvironments: ["production"],
  defaultEnvironment: "production",
};

/** Pack config as given, with the defaults for anything missing or of the wrong type. */
export function productionConfigOf(given: Partial<Record<keyof ProductionConfig, unknown>>): ProductionConfig {
  const names = Array.isArray(given.productionEnvironments)
    ? given.productionEnvironments.filter((n): n is string => typeof n === "string")
    : DEFAULT_PRODUCTION.productionEnvironments;
  const fallback =
    typeof given.defaultEnvironment === "string" && given.defaultEnvironment !== ""
      ? given.defaultEnvironment
      : DEFAULT_PRODUCTION.defaultEnvironment;
  return { productionEnvironments: names, defaultEnvironment: fallback };
}

export type Verdict =
  | { production: true; label: string; from: "config" | "stack" }
  | { production: false }
  | { production: "unknown"; why: string };

/** The environment a resource targets: an Environment's own `name`; else `environment`, then `connection.environment`. */
export function environmentOf(r: ResourceView): string | typeof UNKNOWN | undefined {
  if (r.kind === "Environment") return readString(r.props, "name");
  const top = readString(r.props, "environment");
  return top !== undefined ? top : readString(r.props, "connection", "environment");
}

/**
 * Production or not: an Environment by its `type`; any other resource by its environment's name, which is
 * production when the pack config lists it or `declared` (lower-case names of environments declared with type
 * Production in the stack) holds it.
 */
export function productionVerdict(r: ResourceView, config: ProductionConfig, declared: ReadonlySet<string>): Verdict {
  if (r.kind === "Environment") {
    const type = readString(r.props, "type");
    if (type === UNKNOWN) return { production: "unknown", why: "its type is not known yet" };
    const name = environmentOf(r);
    const label = typeof name === "string" ? `'${name}'` : "(name not known yet)";
    return type?.toLowerCase() === "production" ? { production: true, label, from: "stack" } : { production: false };
  }
  const given = environmentOf(r);
  if (given === UNKNOWN) return { production: "unknown", why: "its environment is not known yet" };
  const name = given ?? config.defaultEnvironment;
  const key = name.toLowerCase();
  if (config.productionEnvironments.some((p) => p.toLowerCase() === key)) {
    const label =
      given === undefined ? `'${name}' (defaultEnvironment: the resource sets no environment)` : `'${name}'`;
    return { production: true, label, from: "config" };
  }
  if (declared.has(key))
    return { production: true, label: `'${name}' (declared with type Production in this stack)`, from: "stack" };
  return { production: false };
}
