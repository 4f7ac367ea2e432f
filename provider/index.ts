/**
 * Entry point the serialized provider shim requires (`pulumi-businesscentral/provider`) inside Pulumi's
 * dynamic-provider process: `dispatch(kind, method, args)` runs one provider method (`configure` creates or reuses
 * the process's runtime with the stack config, provider/runtime.ts; the others go to the resource's handler). `configure` and `handler(kind)` are what shims written before
 * `dispatch` existed call: state keeps the shim text it was created with.
 */
import "./node-version-check";
import type * as pulumi from "@pulumi/pulumi";
import { configureProcessRuntime } from "./runtime";
import { isDynamicProviderProcess } from "./watchdog";
import type { ResourceHandler, ResourceKind } from "./resources/framework/handler";
import { companyHandler } from "./resources/company";
import { configurationPackageHandler } from "./resources/configuration-package";
import { environmentHandler } from "./resources/environment";
import { extensionHandler } from "./resources/extension";
import { permissionSetAssignmentHandler } from "./resources/permission-set-assignment";
import { userGroupMemberHandler } from "./resources/user-group-member";

export type { ResourceHandler } from "./resources/framework/handler";

export async function configure(req: { config: { get(key: string): string | undefined } }): Promise<void> {
  const runtime = configureProcessRuntime(req.config);
  // Only in Pulumi's plugin process: exit when the engine is gone instead of looping on a broken pipe.
  if (isDynamicProviderProcess()) runtime.watchdog.install();
}

const handlers: Record<ResourceKind, ResourceHandler> = {
  Company: companyHandler,
  ConfigurationPackage: configurationPackageHandler,
  Environment: environmentHandler,
  Extension: extensionHandler,
  UserGroupMember: userGroupMemberHandler,
  PermissionSetAssignment: permissionSetAssignmentHandler,
};

export function handler(kind: string): ResourceHandler {
  const found = Object.hasOwn(handlers, kind) ? handlers[kind as ResourceKind] : undefined;
  if (!found)
    throw new Error(
      `pulumi-businesscentral: unknown resource kind '${kind}' (is the installed package older than the program?)`,
    );
  return found;
}

/** A method of Pulumi's dynamic `ResourceProvider`, as the shim forwards it. */
export type ProviderMethod = keyof pulumi.dynamic.ResourceProvider;

/** Runs one provider method for a resource kind: the single entry the serialized shim calls. */
export async function dispatch(kind: string, method: ProviderMethod, args: unknown[]): Promise<unknown> {
  if (method === "configure") return configure(args[0] as Parameters<typeof configure>[0]);
  const target = handler(kind);
  const run = target[method] as ((...a: unknown[]) => Promise<unknown>) | undefined;
  if (!run)
    throw new Error(
      `pulumi-businesscentral: ${kind} has no '${method}' (is the installed package older than the program?)`,
    );
  return run.apply(target, args);
}
