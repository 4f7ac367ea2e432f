import type * as pulumi from "@pulumi/pulumi";

/** The resource kinds the provider implements; the shim forwards every call with its kind. */
export type ResourceKind =
  | "Company"
  | "ConfigurationPackage"
  | "Environment"
  | "Extension"
  | "UserGroupMember"
  | "PermissionSetAssignment";

/** What the shim needs from the installed provider module (`pulumi-businesscentral/provider`). */
interface ProviderModule {
  configure(req: pulumi.dynamic.ConfigureRequest): Promise<void>;
  handler(kind: ResourceKind): pulumi.dynamic.ResourceProvider;
}

/** Environment variable naming the installed package folder (or its `dist/provider/index.js`) explicitly. */
export const PROVIDER_PATH_ENV = "PULUMI_BUSINESSCENTRAL_PROVIDER";

/**
 * Fails clearly on a Node.js older than 22.19 (the HTTP client needs it; older versions die later, inside `pulumi up`,
 * with a bare `Cannot read properties of undefined`). `load` repeats the check in the dynamic-provider process,
 * which may find another `node` on PATH.
 */
const [nodeMajor, nodeMinor] = process.versions.node.split(".").map(Number);
if (nodeMajor < 22 || (nodeMajor === 22 && nodeMinor < 19)) {
  throw new Error(
    `pulumi-businesscentral needs Node.js >= 22.19; this Pulumi program runs ${process.version} (${process.execPath}). Put Node.js 22.19+ first on PATH.`,
  );
}

/**
 * Loads the installed provider in the dynamic-provider process. Self-contained, as it is serialized into state:
 * a package-name `require` resolves from node_modules folders above that process's working directory (the Pulumi
 * project folder or its `main` folder); `PULUMI_BUSINESSCENTRAL_PROVIDER` names the package folder explicitly.
 */
function load(): ProviderModule {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 19))
    throw new Error(
      `pulumi-businesscentral needs Node.js >= 22.19; the dynamic provider runs ${process.version} (${process.execPath}). Put Node.js 22.19+ first on PATH.`,
    );
  const explicit = process.env.PULUMI_BUSINESSCENTRAL_PROVIDER;
  if (explicit) return require(require("node:path").resolve(explicit, "dist/provider"));
  try {
    return require("pulumi-businesscentral/provider");
  } catch (err) {
    if (!String((err as Error)?.message).includes("'pulumi-businesscentral/provider'")) throw err;
    throw new Error(
      `Cannot find module 'pulumi-businesscentral/provider' from the Pulumi project at ${process.cwd()}: it must be a direct dependency of that project and stay installed until its resources are destroyed. ` +
        "Installed elsewhere (pnpm, alias, monorepo, Automation API)? Set PULUMI_BUSINESSCENTRAL_PROVIDER to its package folder. See docs/troubleshooting.md.",
    );
  }
}

const cache = new Map<ResourceKind, pulumi.dynamic.ResourceProvider>();

/**
 * The provider object Pulumi serializes into state (`__provider`). It must stay a thin shim: every method
 * loads the installed implementation at call time, so refresh and destroy run today's code rather than a
 * copy frozen in state, the serialized text stays byte-stable, and heavy modules (msal-node, undici, zod) never
 * meet the closure serializer. Only `kind` (a string) and the self-contained `load` are captured. One
 * instance per kind, so Pulumi's serialization cache is hit (docs: pulumi-dynamic-providers.md §1.1, §1.3).
 */
export function providerFor(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  let provider = cache.get(kind);
  if (!provider) {
    provider = {
      async configure(req) {
        return load().configure(req);
      },
      async check(olds, news) {
        return load().handler(kind).check!(olds, news);
      },
      async diff(id, olds, news) {
        return load().handler(kind).diff!(id, olds, news);
      },
      async create(inputs) {
        return load().handler(kind).create(inputs);
      },
      async read(id, props) {
        return load().handler(kind).read!(id, props);
      },
      async update(id, olds, news) {
        return load().handler(kind).update!(id, olds, news);
      },
      async delete(id, props) {
        return load().handler(kind).delete!(id, props);
      },
    };
    cache.set(kind, provider);
  }
  return provider;
}

/** Pulumi's type token module for all resources: `pulumi-nodejs:dynamic/businesscentral:<Kind>`. */
export const TYPE_MODULE = "businesscentral";
