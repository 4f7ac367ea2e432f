import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { requireSupportedNode } from "../provider/node-version";
import type { ResourceKind } from "../provider/resources/framework/handler";

export type { ResourceKind };

/** A method of Pulumi's dynamic provider, forwarded by name. */
type Method = keyof pulumi.dynamic.ResourceProvider;

/** What the shim calls in the installed provider module (`pulumi-businesscentral/provider`). */
interface ProviderModule {
  dispatch(kind: ResourceKind, method: Method, args: unknown[]): Promise<never>;
}

/** Environment variable naming the installed package folder (or its `dist/provider/index.js`) explicitly. */
export const PROVIDER_PATH_ENV = "PULUMI_BUSINESSCENTRAL_PROVIDER";

// The program's process: fail clearly on an old Node (the provider entry point checks the plugin's own Node).
requireSupportedNode("this Pulumi program");

/**
 * Loads the installed provider in the dynamic-provider process. Self-contained, as it is serialized into state:
 * a package-name `require` resolves from node_modules folders above that process's working directory (the Pulumi
 * project folder or its `main` folder); `PULUMI_BUSINESSCENTRAL_PROVIDER` names the package folder explicitly.
 */
function load(): ProviderModule {
  const dir = process.env.PULUMI_BUSINESSCENTRAL_PROVIDER;
  try {
    return require(dir ? require("node:path").resolve(dir, "dist/provider") : "pulumi-businesscentral/provider");
  } catch (err) {
    if (dir || !String((err as Error)?.message).includes("'pulumi-businesscentral/provider'")) throw err;
    throw new Error(
      `Cannot find module 'pulumi-businesscentral/provider' from ${process.cwd()}: it must be a direct dependency of that project, installed until its resources are destroyed, or set PULUMI_BUSINESSCENTRAL_PROVIDER to its package folder (docs/troubleshooting.md).`,
    );
  }
}

const cache = new Map<ResourceKind, pulumi.dynamic.ResourceProvider>();

/**
 * The provider object Pulumi serializes into state (`__provider`), stored twice per resource (inputs and outputs)
 * and copied through the engine on every step: its size is a cost per resource per run (docs/performance.md).
 * Where the package resolves by name from the Pulumi project, it is the export `pulumi-businesscentral/provider/<kind>`
 * itself, which Pulumi stores as a `require` of that name (about 250 bytes); otherwise the thin text shim below.
 * Either way every method runs the installed package's code at call time, never a copy frozen in state. One
 * instance per kind, so Pulumi's serialization cache is hit.
 */
export function providerFor(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  let provider = cache.get(kind);
  if (!provider) {
    provider = referencedProvider(kind) ?? textShim(kind);
    cache.set(kind, provider);
  }
  return provider;
}

/** The file of each kind's provider export, `pulumi-businesscentral/provider/<file>` (package.json `exports`). */
export const KIND_EXPORTS: Record<ResourceKind, string> = {
  Company: "company",
  ConfigurationPackage: "configuration-package",
  Environment: "environment",
  Extension: "extension",
  UserGroupMember: "user-group-member",
  PermissionSetAssignment: "permission-set-assignment",
};

const PACKAGE = "pulumi-businesscentral";

/**
 * The kind's provider module (provider/kinds), when Pulumi's closure serializer will store it as
 * `require("pulumi-businesscentral/provider/<file>")` and that `require` finds this very file from the project
 * folder, where Pulumi runs the program and the dynamic provider. The serializer names a module by its path
 * relative to the working directory after `node_modules/` (the last one under pnpm's store), mapped back through
 * the `exports` of the package that name resolves to from `@pulumi/pulumi`'s folder (runtime/closure/package.js);
 * each condition below keeps one way that could name another file, or none, out: an explicit
 * `PULUMI_BUSINESSCENTRAL_PROVIDER`, a program inside this repository or a linked copy (no `node_modules/` in the
 * path), an alias install (`bc@npm:…`), a project that resolves another copy. Those keep the text shim.
 */
function referencedProvider(kind: ResourceKind): pulumi.dynamic.ResourceProvider | undefined {
  if (process.env[PROVIDER_PATH_ENV]) return undefined;
  const file = `dist/provider/kinds/${KIND_EXPORTS[kind]}.js`;
  const root = path.resolve(__dirname, "../..");
  const own = path.join(root, file);
  const resolve = (request: string, from: string) => {
    try {
      return require.resolve(request, { paths: [from] });
    } catch {
      return undefined;
    }
  };
  if (resolve(`${PACKAGE}/provider/${KIND_EXPORTS[kind]}`, process.cwd()) !== own) return undefined;
  const parts = path.relative(process.cwd(), own).split(path.sep);
  const at = parts.includes(".pnpm") ? parts.lastIndexOf("node_modules") : parts.indexOf("node_modules");
  if (at < 0 || parts.slice(at + 1).join("/") !== `${PACKAGE}/${file}`) return undefined;
  const pulumiFolder = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  if (resolve(`${PACKAGE}/package.json`, pulumiFolder) !== path.join(root, "package.json")) return undefined;
  return require(own) as pulumi.dynamic.ResourceProvider;
}

/**
 * The text form: Pulumi serializes these functions themselves. Every method hands its name and arguments to the
 * installed implementation at call time (`load().dispatch`), so heavy modules (msal-node, undici, zod) never meet
 * the closure serializer. Only `kind` (a string) and the self-contained `load` are captured, once, by `call`.
 */
function textShim(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  const call = (method: Method, args: unknown[]) => load().dispatch(kind, method, args);
  return {
    configure: (...a) => call("configure", a),
    check: (...a) => call("check", a),
    diff: (...a) => call("diff", a),
    create: (...a) => call("create", a),
    read: (...a) => call("read", a),
    update: (...a) => call("update", a),
    delete: (...a) => call("delete", a),
  };
}

/** Pulumi's type token module for all resources: `pulumi-nodejs:dynamic/businesscentral:<Kind>`. */
export const TYPE_MODULE = "businesscentral";
