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
 * and copied through the engine on every step: its size is a cost per resource per run (docs/performance.md). So
 * it stays a thin shim: every method hands its name and arguments to the installed implementation at call time,
 * so refresh and destroy run today's code rather than a copy frozen in state, the serialized text stays
 * byte-stable, and heavy modules (msal-node, undici, zod) never meet the closure serializer. Only `kind` (a
 * string) and the self-contained `load` are captured, once, by `call`. One instance per kind, so Pulumi's
 * serialization cache is hit.
 */
export function providerFor(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  let provider = cache.get(kind);
  if (!provider) {
    const call = (method: Method, args: unknown[]) => load().dispatch(kind, method, args);
    provider = {
      configure: (...a) => call("configure", a),
      check: (...a) => call("check", a),
      diff: (...a) => call("diff", a),
      create: (...a) => call("create", a),
      read: (...a) => call("read", a),
      update: (...a) => call("update", a),
      delete: (...a) => call("delete", a),
    };
    cache.set(kind, provider);
  }
  return provider;
}

/** Pulumi's type token module for all resources: `pulumi-nodejs:dynamic/businesscentral:<Kind>`. */
export const TYPE_MODULE = "businesscentral";
