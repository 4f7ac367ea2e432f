import * as pulumi from "@pulumi/pulumi";
import { type AdoptArgs, type ConnectionArgs, outputSlots, type Timeouts, ownerOf } from "./common";
import { connectionOf, connectionOptions } from "./connection";
import { OUTPUT_NAMES } from "../provider/resources/output-names";
import { providerFor, TYPE_MODULE } from "./shim";

export interface UserGroupMemberArgs extends ConnectionArgs, AdoptArgs {
  /** The user's security id (GUID). Give this or `userName`. */
  userSecurityId?: pulumi.Input<string>;
  /** The user's BC user name (resolved to its security id). Give this or `userSecurityId`. */
  userName?: pulumi.Input<string>;
  /** User group code (Code[20]). */
  groupCode: pulumi.Input<string>;
  /** Company name the membership applies to; `""` (default) = all companies. */
  companyName?: pulumi.Input<string>;
  /** Company used in Automation API paths (default: the first one). */
  companyId?: pulumi.Input<string>;
  /** Deadlines (default 5m each); accepted for uniformity, as each operation is a single request. */
  timeouts?: pulumi.Input<Timeouts>;
}

/**
 * Membership of a user in a legacy BC user group. User groups were removed in BC 25.0: on 25+ this resource
 * fails with an explanation; use {@link PermissionSetAssignment} (for users or security groups) instead.
 * Any change replaces the membership.
 */
export class UserGroupMember extends pulumi.dynamic.Resource {
  declare readonly memberId: pulumi.Output<string>;
  declare readonly userSecurityId: pulumi.Output<string>;
  declare readonly groupCode: pulumi.Output<string>;
  /** The user group's name. */
  declare readonly groupName: pulumi.Output<string>;
  declare readonly environment: pulumi.Output<string>;

  constructor(name: string, args: UserGroupMemberArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      providerFor("UserGroupMember"),
      name,
      {
        ...args,
        connection: connectionOf(args.connection, opts),
        ...outputSlots<UserGroupMember>(OUTPUT_NAMES.UserGroupMember),
        userSecurityId: args.userSecurityId,
        environment: args.environment,
        owner: ownerOf("UserGroupMember", name),
      },
      connectionOptions(opts),
      TYPE_MODULE,
      "UserGroupMember",
    );
  }
}
