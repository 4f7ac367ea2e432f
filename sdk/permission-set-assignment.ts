import * as pulumi from "@pulumi/pulumi";
import { type AdoptArgs, type ConnectionArgs, outputSlots, type Timeouts, ownerOf } from "./common";
import { connectionOf, connectionOptions } from "./connection";
import { OUTPUT_NAMES } from "../provider/resources/output-names";
import { providerFor, TYPE_MODULE } from "./shim";

export interface PermissionSetAssignmentArgs extends ConnectionArgs, AdoptArgs {
  /** Principal: a user's security id. Exactly one of `userSecurityId`, `userName`, `securityGroupId`. */
  userSecurityId?: pulumi.Input<string>;
  /** Principal: a user name (resolved to its security id). */
  userName?: pulumi.Input<string>;
  /** Principal: a BC security group, by its Entra group id. */
  securityGroupId?: pulumi.Input<string>;
  /** Permission set id (role id, Code[20]), e.g. `D365 BUS FULL ACCESS`. */
  roleId: pulumi.Input<string>;
  /** Company name the assignment is limited to; `""` (default) = all companies. */
  company?: pulumi.Input<string>;
  /** Disambiguates a role id defined more than once: `System` or `Tenant`. */
  scope?: pulumi.Input<"System" | "Tenant">;
  /** Disambiguates a role id defined more than once: the app that defines it. */
  appId?: pulumi.Input<string>;
  /** Company used in Automation API paths (default: the first one). */
  companyId?: pulumi.Input<string>;
  /** Deadlines (default 5m each); accepted for uniformity, as each operation is a single request. */
  timeouts?: pulumi.Input<Timeouts>;
}

/**
 * A permission set assigned to a user or a security group (`userPermissions`). An identical existing assignment
 * (e.g. granted by hand) is refused unless `adopt: true`; an adopted one survives destroy unless `deleteAdopted: true`.
 * Any change of the grant replaces it, creating the new grant before removing the old one.
 */
export class PermissionSetAssignment extends pulumi.dynamic.Resource {
  declare readonly assignmentId: pulumi.Output<string>;
  declare readonly principalSecurityId: pulumi.Output<string>;
  declare readonly roleName: pulumi.Output<string>;
  declare readonly resolvedScope: pulumi.Output<string>;
  declare readonly resolvedAppId: pulumi.Output<string>;
  declare readonly environment: pulumi.Output<string>;

  constructor(name: string, args: PermissionSetAssignmentArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("PermissionSetAssignment"),
      name,
      {
        ...args,
        connection: connectionOf(args.connection, opts),
        ...outputSlots<PermissionSetAssignment>(OUTPUT_NAMES.PermissionSetAssignment),
        environment: args.environment,
        owner: ownerOf("PermissionSetAssignment", name),
      },
      connectionOptions(opts),
      TYPE_MODULE,
      "PermissionSetAssignment",
    );
  }
}
