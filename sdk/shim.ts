import type * as pulumi from "@pulumi/pulumi";

/** The resource kinds the provider implements; the shim forwards every call with its kind. */
export type ResourceKind =
  | "Company"
  | "ConfigurationPackage"
  | "Extension"
  | "UserGroupMember"
  | "PermissionSetAssignment";

const cache = new Map<ResourceKind, pulumi.dynamic.ResourceProvider>();

/**
 * The provider object Pulumi serializes into state (`__provider`). It must stay a thin shim: every method
 * `require`s the installed implementation at call time, so refresh and destroy run today's code rather than a
 * copy frozen in state, the serialized text stays byte-stable, and heavy modules (msal-node, undici, zod) never
 * meet the closure serializer. Only `kind` (a string) is captured. One instance per kind, so Pulumi's
 * serialization cache is hit (docs: pulumi-dynamic-providers.md §1.1, §1.3).
 */
export function providerFor(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  let provider = cache.get(kind);
  if (!provider) {
    provider = {
      async configure(req) {
        return require("pulumi-businesscentral/provider").configure(req);
      },
      async check(olds, news) {
        return require("pulumi-businesscentral/provider").handler(kind).check(olds, news);
      },
      async diff(id, olds, news) {
        return require("pulumi-businesscentral/provider").handler(kind).diff(id, olds, news);
      },
      async create(inputs) {
        return require("pulumi-businesscentral/provider").handler(kind).create(inputs);
      },
      async read(id, props) {
        return require("pulumi-businesscentral/provider").handler(kind).read(id, props);
      },
      async update(id, olds, news) {
        return require("pulumi-businesscentral/provider").handler(kind).update(id, olds, news);
      },
      async delete(id, props) {
        return require("pulumi-businesscentral/provider").handler(kind).delete(id, props);
      },
    };
    cache.set(kind, provider);
  }
  return provider;
}

/** Pulumi's type token module for all resources: `pulumi-nodejs:dynamic/businesscentral:<Kind>`. */
export const TYPE_MODULE = "businesscentral";
