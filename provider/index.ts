/**
 * Entry point the serialized provider shim requires (`pulumi-businesscentral/provider`) inside Pulumi's
 * dynamic-provider process: `configure` stores the stack config, `handler(kind)` returns a resource's methods.
 */
import { setStackConfig } from "./resources/framework/context";
import { installEngineWatchdog, isDynamicProviderProcess } from "./watchdog";
import type { ResourceHandler } from "./resources/framework/handler";
import { companyHandler } from "./resources/company";
import { configurationPackageHandler } from "./resources/configuration-package";
import { environmentHandler } from "./resources/environment";
import { extensionHandler } from "./resources/extension";
import { permissionSetAssignmentHandler } from "./resources/permission-set-assignment";
import { userGroupMemberHandler } from "./resources/user-group-member";

export type { ResourceHandler } from "./resources/framework/handler";

export async function configure(req: { config: { get(key: string): string | undefined } }): Promise<void> {
  // Only in Pulumi's plugin process: exit when the engine is gone instead of looping on a broken pipe.
  if (isDynamicProviderProcess()) installEngineWatchdog();
  setStackConfig(req.config);
}

const handlers: Record<string, ResourceHandler> = {
  Company: companyHandler,
  ConfigurationPackage: configurationPackageHandler,
  Environment: environmentHandler,
  Extension: extensionHandler,
  UserGroupMember: userGroupMemberHandler,
  PermissionSetAssignment: permissionSetAssignmentHandler,
};

export function handler(kind: string): ResourceHandler {
  const found = handlers[kind];
  if (!found)
    throw new Error(
      `pulumi-businesscentral: unknown resource kind '${kind}' (is the installed package older than the program?)`,
    );
  return found;
}
