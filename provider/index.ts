/**
 * Entry point the serialized provider shim requires (`pulumi-businesscentral/provider`) inside Pulumi's
 * dynamic-provider process: `configure` stores the stack config, `handler(kind)` returns a resource's methods.
 * Resource modules are loaded on first use so a process only pays for what a stack uses.
 */
import type { ResourceHandler } from "./resources/handler";
import { setStackConfig } from "./resources/context";

export type { ResourceHandler } from "./resources/handler";

export async function configure(req: { config: { get(key: string): string | undefined } }): Promise<void> {
  setStackConfig(req.config);
}

const loaders: Record<string, () => ResourceHandler> = {
  Company: () => require("./resources/company").companyHandler,
  ConfigurationPackage: () => require("./resources/configuration-package").configurationPackageHandler,
  Extension: () => require("./resources/extension").extensionHandler,
  UserGroupMember: () => require("./resources/user-group-member").userGroupMemberHandler,
  PermissionSetAssignment: () => require("./resources/permission-set-assignment").permissionSetAssignmentHandler,
};

export function handler(kind: string): ResourceHandler {
  const load = loaders[kind];
  if (!load) throw new Error(`pulumi-businesscentral: unknown resource kind '${kind}' (is the installed package older than the program?)`);
  return load();
}
