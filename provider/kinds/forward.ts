/**
 * A resource kind's provider as a module of its own (`pulumi-businesscentral/provider/<kind>`). When the SDK finds
 * that this name resolves from the Pulumi project to the file the program loaded (sdk/shim.ts), it hands Pulumi
 * this module's exports as the provider, and Pulumi's closure serializer stores a reference to the module in state
 * (`require("pulumi-businesscentral/provider/<kind>")`, about 250 bytes) instead of the shim's text (2.9 KB). So
 * these modules are package exports forever: state requires them by name (CHANGELOG.md, "State compatibility").
 * Loading one loads nothing else; the provider (msal-node, undici, zod) loads at its first call, in the
 * dynamic-provider process, never in the program.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ProviderMethod } from "../index";

type ProviderModule = typeof import("../index");

export function forwardingProvider(kind: string): pulumi.dynamic.ResourceProvider {
  const call = (method: ProviderMethod, args: unknown[]) =>
    (require("../index") as ProviderModule).dispatch(kind, method, args) as Promise<never>;
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
